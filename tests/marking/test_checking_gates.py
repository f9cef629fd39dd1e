"""Checking before results: the sample drawn by itself, release refused (or a scheduled release
held) while any fail, borderline or sampled script lacks its second mark or moderation, and
moderation that can never deadlock: the only possible moderator never second-marks, and a case
no one can decide is resolved by an admin."""

import re
from datetime import timedelta

import pytest
from factories import PASSWORD, login, make_user
from marking.conftest import AFTER_CLOSE, add_marker, rubric_form, submit_through_check
from page_html import confirmed_post

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AuditEvent,
    Entry,
    MarkerProfile,
    MarkingRole,
    Moderation,
    OutboxMessage,
    Role,
    SecondMarkingSample,
    User,
)
from assessment_app.services import allocations, checking, marks, results
from assessment_app.services.mark_input import MarkInput

CRITERIA = [k[6:] for k in rubric_form() if k.startswith("level-")]
FAILING = {"diagnosis": "not_evident"}


def levels(level="strong", **overrides):
    return {c: overrides.get(c, level) for c in CRITERIA}


def client_for(app, clock, email, at=AFTER_CLOSE):
    clock.at(at)
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def window_of(closed):
    return db.session.get(Entry, closed.entry_ids[0]).window


def allocation(entry_id, role=MarkingRole.FIRST):
    return Allocation.query.filter(Allocation.entry_id == entry_id, Allocation.role == role,
                                   Allocation.status != "returned").one_or_none()


def mark(entry_id, role=MarkingRole.FIRST, at=AFTER_CLOSE, **chosen):
    marks.save_mark(allocation(entry_id, role), MarkInput(levels=levels(**chosen)), at, submit=True)


def first_marked(app, closed, percent=0, fail=(), unmarked=()):
    """Allocate first marking (Sam to Nina: Martin shares his delivery partner; Jo and Alex to
    Martin) and submit the first marks: strong, or a fail for the scripts in `fail`."""
    with app.app_context():
        window = window_of(closed)
        window.second_marking_percent = percent
        db.session.commit()
        allocations.allocate_window(window, AFTER_CLOSE)
        for entry_id in closed.entry_ids:
            if entry_id not in unmarked:
                mark(entry_id, **(FAILING if entry_id in fail else {}))
        db.session.commit()  # as the request does
        return {e: db.session.get(Entry, e).candidate_number for e in closed.entry_ids}


def sync(app, clock, at):
    scheduling._app = app
    clock.at(at)
    scheduling.sync_windows()


def counts(*actions):
    return ([AuditEvent.query.filter_by(action=a).count() for a in actions]
            + [OutboxMessage.query.count(), Allocation.query.count(), SecondMarkingSample.query.count()])


# The sample, drawn by itself ----------------------------------------------------------------


def test_the_minute_sync_draws_the_sample_once_first_marking_is_complete(app, closed, clock):
    """Nothing is drawn while a first mark is missing; once the last is in, the next minute draws
    Jo's fail and gives it to Nina, audited once as the system; later minutes change nothing."""
    sam, jo, _ = closed.entry_ids
    first_marked(app, closed, fail=(jo,), unmarked=(sam,))
    sync(app, clock, AFTER_CLOSE)
    with app.app_context():
        assert allocation(jo, MarkingRole.SECOND) is None
        mark(sam)
        db.session.commit()  # as the request does
    sync(app, clock, AFTER_CLOSE + timedelta(minutes=1))
    with app.app_context():
        second = allocation(jo, MarkingRole.SECOND)
        assert second.marker_id == closed.marker_ids[1]
        drawn = AuditEvent.query.filter_by(action="second_marking.sample_drawn").one()
        assert drawn.actor_id is None and drawn.detail["fail"] == 1
        before = counts("second_marking.sample_drawn", "scripts.allocated")
    sync(app, clock, AFTER_CLOSE + timedelta(minutes=2))
    sync(app, clock, AFTER_CLOSE + timedelta(minutes=3))
    with app.app_context():
        assert counts("second_marking.sample_drawn", "scripts.allocated") == before


def test_a_drawn_script_no_one_can_second_mark_is_kept_not_redrawn_every_minute(app, closed, clock):
    """At 100% every script is drawn; Sam's has no possible second marker. It stays in the sample
    (so release waits for it) and the minute retries record and send nothing new."""
    numbers = first_marked(app, closed, percent=100)
    sync(app, clock, AFTER_CLOSE)
    with app.app_context():
        before = counts("second_marking.sample_drawn", "scripts.allocated")
        assert SecondMarkingSample.query.count() == 3
        assert allocation(closed.entry_ids[0], MarkingRole.SECOND) is None
    sync(app, clock, AFTER_CLOSE + timedelta(minutes=1))
    sync(app, clock, AFTER_CLOSE + timedelta(minutes=2))
    with app.app_context():
        assert counts("second_marking.sample_drawn", "scripts.allocated") == before
        outstanding = [str(o) for o in checking.outstanding_checks(window_of(closed), AFTER_CLOSE)]
    assert f"{numbers[closed.entry_ids[0]]} (second marking: not yet allocated)" in outstanding


# Release refused while checking is incomplete ------------------------------------------------


def test_a_fail_is_never_released_without_its_second_mark(app, closed, clock):
    """Sam's fail could only be second-marked by Martin, who shares his delivery partner: release
    is refused, naming the script, and the fail is no result."""
    sam = closed.entry_ids[0]
    numbers = first_marked(app, closed, fail=(sam,))
    admin = client_for(app, clock, "boss@example.org")
    response = admin.post(f"/admin/windows/{closed.window_id}/results", data={"when": "now"},
                          follow_redirects=True)
    assert (f"1 script still needs marking, second marking or moderation: {numbers[sam]} "
            "(second marking: not yet allocated).") in response.text
    with app.app_context():
        assert db.session.get(Entry, sam).outcome is None
        assert window_of(closed).results_release_at is None
        assert checking.final_result(db.session.get(Entry, sam)) is None


def test_the_refusal_and_the_marking_page_say_who_has_each_script(app, closed, clock):
    """First marks not in name their marker; a fail's second marking names the second marker; a
    disagreement names the moderator who may decide it."""
    sam, jo, alex = closed.entry_ids
    numbers = first_marked(app, closed, fail=(jo,), unmarked=(sam, alex))
    admin = client_for(app, clock, "boss@example.org")
    admin.post(f"/admin/windows/{closed.window_id}/marking/sample")
    refused = admin.post(f"/admin/windows/{closed.window_id}/results", data={"when": "now"},
                         follow_redirects=True).text
    assert "3 scripts still need marking, second marking or moderation" in refused
    for expected in (f"{numbers[sam]} (first marking: Nina Patel)",
                     f"{numbers[alex]} (first marking: Martin Doyle)",
                     f"{numbers[jo]} (second marking: Nina Patel)"):
        assert expected in refused
    with app.app_context():
        mark(sam)
        mark(alex)
        mark(jo, MarkingRole.SECOND)  # strong: outcomes differ, so a moderator decides
        db.session.commit()  # as the request does
    page = admin.get(f"/admin/windows/{closed.window_id}/marking").text
    assert "Checking still to do" in page
    row = page.split(f'<td class="govuk-table__cell">{numbers[jo]}</td>', 1)[1].split("</tr>")[0]
    assert "Moderation" in row and "Priya Shah" in row
    with app.app_context():
        assert db.session.get(Entry, jo).outcome is None


def test_a_scheduled_release_is_held_when_a_late_script_fails(app, closed, clock):
    """Alex's extension ends after the release was set; his script fails and is drawn for second
    marking. At the release minute nobody sees results, the release is withdrawn, audited and
    the admins are told; once checking is done the admin releases again."""
    sam, jo, alex = closed.entry_ids
    with app.app_context():
        # A personal deadline five days after the window's (as an extension sets it).
        db.session.get(Entry, alex).extended_closes_at = window_of(closed).closes_at + timedelta(days=5)
        db.session.commit()
    numbers = first_marked(app, closed, unmarked=(alex,))
    release_at = AFTER_CLOSE + timedelta(days=30)
    with app.app_context():
        admin = db.session.get(User, closed.admin_id)
        results.release_results(window_of(closed), release_at, admin, AFTER_CLOSE)
        db.session.commit()  # as the request does
    late = AFTER_CLOSE + timedelta(days=6)
    sync(app, clock, late)
    with app.app_context():
        mark(alex, at=late, **FAILING)
        db.session.commit()  # as the request does
    sync(app, clock, late + timedelta(minutes=1))
    with app.app_context():
        assert allocation(alex, MarkingRole.SECOND) is not None
    url = f"/assessments/{sam}/result"
    assert client_for(app, clock, "sam@example.org", release_at).get(url).status_code == 404
    sync(app, clock, release_at)
    with app.app_context():
        window = window_of(closed)
        assert window.results_release_at is None and window.results_recorded_at is None
        assert db.session.get(Entry, sam).outcome is None
        held = AuditEvent.query.filter_by(action="results.release_held").one()
        assert held.actor_id is None
        assert held.detail["scripts"] == [f"{numbers[alex]} (second marking: Nina Patel)"]
        notice = OutboxMessage.query.filter_by(kind="results_release_held", to="boss@example.org").one()
        assert numbers[alex] in notice.body and "were not released" in notice.body
    sync(app, clock, release_at + timedelta(minutes=1))
    with app.app_context():
        assert AuditEvent.query.filter_by(action="results.release_held").count() == 1
        mark(alex, MarkingRole.SECOND, at=release_at, **FAILING)
        results.release_results(window_of(closed), release_at, db.session.get(User, closed.admin_id),
                                release_at + timedelta(minutes=2))
        assert [db.session.get(Entry, e).outcome for e in (sam, jo, alex)] == ["passed", "passed", "failed"]


# Moderation never deadlocks ------------------------------------------------------------------


def test_the_only_moderator_never_second_marks_a_script_she_would_have_to_moderate(app, closed, clock):
    """Priya, the only moderator, also marks and has the lightest load, yet Jo's fail goes to Nina
    for second marking; Sam's fail (only Priya or Martin, his delivery partner, could take it)
    waits. With a second moderator, Priya may second-mark it."""
    sam, jo, _ = closed.entry_ids
    first_marked(app, closed, fail=(sam, jo))
    with app.app_context():
        db.session.get(MarkerProfile, closed.moderator_id).capacity = 50
        db.session.commit()
        admin = db.session.get(User, closed.admin_id)
        checking.draw_second_marking_sample(window_of(closed), AFTER_CLOSE, admin)
        assert allocation(jo, MarkingRole.SECOND).marker_id == closed.marker_ids[1]
        assert allocation(sam, MarkingRole.SECOND) is None
        assert Allocation.query.filter_by(marker_id=closed.moderator_id).count() == 0
        add_marker("Omar Aziz", "omar@example.org", role=Role.MODERATOR, capacity=0)
        checking.draw_second_marking_sample(window_of(closed), AFTER_CLOSE, admin)
        assert allocation(sam, MarkingRole.SECOND).marker_id == closed.moderator_id


def disagreement(app, closed):
    """Jo's script: Martin fails it, Nina passes it. Returns the moderation case id."""
    jo = closed.entry_ids[1]
    first_marked(app, closed, fail=(jo,))
    with app.app_context():
        checking.draw_second_marking_sample(window_of(closed), AFTER_CLOSE)
        mark(jo, MarkingRole.SECOND)
        db.session.commit()  # as the request does
        return Moderation.query.one().id


def test_moderators_see_only_cases_they_may_decide(app, closed, clock):
    """Priya (qualified, no conflict) sees and opens Jo's case; a moderator qualified only for
    NPQH, and one from Jo's school, neither see it nor open it."""
    case_id = disagreement(app, closed)
    with app.app_context():
        add_marker("Hana Ito", "hana@example.org", role=Role.MODERATOR, capacity=0, npqs="NPQH")
        add_marker("Omar Aziz", "omar@example.org", role=Role.MODERATOR, capacity=0,
                   school="Riverside Academy")
        number = db.session.get(Moderation, case_id).entry.candidate_number
    priya = client_for(app, clock, "mod@example.org")
    assert number in priya.get("/marking/").text
    assert priya.get(f"/marking/moderation/{case_id}").status_code == 200
    for email in ("hana@example.org", "omar@example.org"):
        other = client_for(app, clock, email)
        assert number not in other.get("/marking/").text
        assert other.get(f"/marking/moderation/{case_id}").status_code == 404


def stuck(app, closed):
    """Jo's case, then Priya (the only moderator) leaves: no one can decide it."""
    case_id = disagreement(app, closed)
    with app.app_context():
        db.session.get(User, closed.moderator_id).active = False
        db.session.commit()
        return case_id, db.session.get(Moderation, case_id).entry.candidate_number


def test_a_case_no_one_can_decide_is_shown_and_assigned_to_another_moderator(app, closed, clock):
    """The marking page lists it; the admin's assignment refuses no choice and a conflicted
    moderator with clear messages, then gives it to Zoe, who alone sees and decides it."""
    case_id, number = stuck(app, closed)
    with app.app_context():
        add_marker("Omar Aziz", "omar@example.org", role=Role.MODERATOR, capacity=0,
                   partner="coastal trust")
        omar = User.query.filter_by(email="omar@example.org").one().id
        zoe = make_user(Role.MODERATOR, email="zoe@example.org", name="Zoe Clarke").id
    admin = client_for(app, clock, "boss@example.org")
    overview = admin.get(f"/admin/windows/{closed.window_id}/marking").text
    assert "Moderation no one can decide" in overview and f"Resolve moderation of {number}" in overview
    url = f"/admin/windows/{closed.window_id}/moderation/{case_id}"
    assert admin.get(url).status_code == 200
    empty = admin.post(url, data={"moderator_id": ""})
    assert "There is a problem" in empty.text and "Choose a moderator" in empty.text
    conflicted = admin.post(url, data={"moderator_id": str(omar)})
    assert "There is a problem" in conflicted.text
    assert "Omar Aziz shares a delivery partner or school with the participant" in conflicted.text
    with app.app_context():
        assert db.session.get(Moderation, case_id).assigned_moderator_id is None
    assert admin.post(url, data={"moderator_id": str(zoe)}).status_code == 302
    with app.app_context():
        assert db.session.get(Moderation, case_id).assigned_moderator_id == zoe
        assigned = AuditEvent.query.filter_by(action="moderation.assigned").one()
        assert assigned.actor_id == closed.admin_id and assigned.detail["moderator"] == zoe
        assert OutboxMessage.query.filter_by(to="zoe@example.org", kind="moderation_assigned").count() == 1
    assert "Moderation no one can decide" not in admin.get(f"/admin/windows/{closed.window_id}/marking").text
    # Yusuf joins, qualified and free of conflicts, but the case is Zoe's now.
    with app.app_context():
        add_marker("Yusuf Khan", "yusuf@example.org", role=Role.MODERATOR, capacity=0)
    yusuf = client_for(app, clock, "yusuf@example.org")
    assert yusuf.get(f"/marking/moderation/{case_id}").status_code == 404
    zoe_client = client_for(app, clock, "zoe@example.org")
    assert number in zoe_client.get("/marking/").text
    decided = submit_through_check(zoe_client, f"/marking/moderation/{case_id}",
                                   {**rubric_form(diagnosis="developing"), "reason": "Partial diagnosis."})
    assert decided.status_code == 302
    with app.app_context():
        case = db.session.get(Moderation, case_id)
        assert case.moderator_id == zoe and case.outcome.value == "fail"
        assert AuditEvent.query.filter_by(action="moderation.decided", actor_id=zoe).count() == 1


def test_an_admin_decides_a_case_no_one_can_decide_with_levels_and_a_reason(app, closed, clock):
    """A reason is required (error summary, levels kept); the decision is audited as the admin's
    and results can then be released."""
    case_id, number = stuck(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    resolve = admin.get(f"/admin/windows/{closed.window_id}/moderation/{case_id}").text
    assert f"/marking/moderation/{case_id}" in resolve
    page = admin.get(f"/marking/moderation/{case_id}").text
    assert "You are deciding this script as an admin" in page
    refused = admin.post(f"/marking/moderation/{case_id}", data=rubric_form(level="strong"))
    assert "There is a problem" in refused.text and "Give the reason for your decision" in refused.text
    decided = submit_through_check(admin, f"/marking/moderation/{case_id}",
                                   {**rubric_form(level="strong"), "reason": "The diagnosis is secure."})
    assert decided.headers["Location"].endswith(f"/admin/windows/{closed.window_id}/marking")
    with app.app_context():
        event = AuditEvent.query.filter_by(action="moderation.decided_by_admin").one()
        assert event.actor_id == closed.admin_id and event.detail["reason"] == "The diagnosis is secure."
        assert db.session.get(Moderation, case_id).outcome.value == "pass"
    released = confirmed_post(admin, f"/admin/windows/{closed.window_id}/results",
                              {"when": "now"})
    assert "Results released." in released.text


@pytest.mark.parametrize("who", ["admin", "moderator"])
def test_after_deciding_each_lands_on_their_own_marking_page(app, closed, clock, who):
    """No dead end: an admin is taken to the window's marking page (not the marker's home,
    which they may not see), a moderator to their own queue; each reads the confirmation."""
    if who == "admin":
        case_id, number = stuck(app, closed)
        client, home = client_for(app, clock, "boss@example.org"), f"/admin/windows/{closed.window_id}/marking"
    else:
        case_id = disagreement(app, closed)
        with app.app_context():
            number = db.session.get(Moderation, case_id).entry.candidate_number
        client, home = client_for(app, clock, "mod@example.org"), "/marking/"
    landed = submit_through_check(client, f"/marking/moderation/{case_id}",
                                  {**rubric_form(level="strong"), "reason": "The diagnosis is secure."},
                                  follow_redirects=True)
    assert (landed.status_code, landed.request.path) == (200, home)
    assert f"Moderation decision recorded for {number}." in landed.text
    assert "You cannot see this page" not in landed.text


def test_the_assign_form_needs_its_csrf_token(app, closed, clock):
    """Without the token the assignment is refused (400); with the page's token it goes through."""
    case_id, _ = stuck(app, closed)
    with app.app_context():
        zoe = make_user(Role.MODERATOR, email="zoe@example.org", name="Zoe Clarke").id
    admin = client_for(app, clock, "boss@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/admin/windows/{closed.window_id}/moderation/{case_id}"
    assert admin.post(url, data={"moderator_id": str(zoe)}).status_code == 400
    with app.app_context():
        assert db.session.get(Moderation, case_id).assigned_moderator_id is None
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin.get(url).text)
    assert admin.post(url, data={"moderator_id": str(zoe), "csrf_token": token.group(1)}).status_code == 302
