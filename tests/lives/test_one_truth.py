"""Where features meet, one rule decides: a participant's deadline (entry_deadlines.py) and an
attempt's outcome (attempt_outcome.py), whichever route changed a fact, in whatever order."""

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from lives.test_lives import FAIL, PASS, World
from moments import CLOSED, DURING

from assessment_app.dfe_return import AmendmentRefused
from assessment_app.entry_deadlines import entry_closes_at
from assessment_app.extensions import db
from assessment_app.models import (
    AccessArrangement,
    Allocation,
    AuditEvent,
    Entry,
    OutboxMessage,
    OutcomeAmendment,
    Role,
)
from assessment_app.services import (
    allocations,
    amendments,
    deadline_extensions,
    eligibility,
    exports,
    marks,
    misconduct,
    outcomes,
    results,
    reviews,
    windows,
)
from assessment_app.services.deadline_extensions import ExtensionRefused
from assessment_app.services.eligibility import ClaimInput
from assessment_app.services.mark_input import MarkInput
from assessment_app.timeformat import deadline_text


def on(day: int) -> datetime:
    """The first late instant of a deadline at 23:59 on `day` December 2026 (GMT)."""
    return datetime(2026, 12, day + 1, tzinfo=UTC)


@pytest.fixture
def school(ctx, clock):
    """Three people at one school in the 24 November window (deadline 1 December): Ann with a
    5-day access arrangement, Ben with an EC extension to 10 December, Cal with nothing."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    admin = make_user(Role.ADMIN, email="boss@example.org")
    window = make_window(admin=admin)
    people = {n: make_user(email=f"{n}@example.org", name=n.title(), school="Oakfield")
              for n in ("ann", "ben", "cal")}
    db.session.add(AccessArrangement(participant_id=people["ann"].id, extra_days=5,
                                     details="Extra time", recorded_by=admin.id))
    db.session.commit()
    entries = {n: make_entry(window, p) for n, p in people.items()}
    clock.at(DURING)
    deadline_extensions.grant([entries["ben"]], date(2026, 12, 10), "EC: illness", admin, DURING)
    return admin, entries


def test_a_group_extension_never_shortens_a_deadline_and_lists_who_it_left_alone(school):
    admin, entries = school
    assert (entries["ann"].closes_at, entries["ben"].closes_at) == (on(6), on(10))
    done = deadline_extensions.grant(list(entries.values()), date(2026, 12, 2),
                                     "Snow closed the school", admin, DURING)
    assert [x.entry_id for x in done.granted] == [entries["cal"].id]
    assert {e.participant.name for e, _ in done.left_alone} == {"Ann", "Ben"}
    assert {n: e.closes_at for n, e in entries.items()} == {
        "ann": on(6), "ben": on(10), "cal": on(2)}
    told = [m.to for m in OutboxMessage.query.filter_by(kind="extension_granted")]
    assert sorted(told) == ["ben@example.org", "cal@example.org"]  # Ben's was his EC's


def test_the_stored_deadline_is_always_the_rules(school):
    """However the extensions came, each entry's stored deadline is what the rule gives."""
    admin, entries = school
    deadline_extensions.grant([entries["ann"]], date(2026, 12, 8), "More time", admin, DURING)
    granted = deadline_extensions.in_force(e.id for e in entries.values())
    for entry in entries.values():
        terms = deadline_extensions.terms(entry.window)
        assert entry.closes_at == entry_closes_at(
            terms, [deadline_extensions._granted(x) for x in granted.get(entry.id, [])])


def test_taking_an_extension_back_is_its_own_action_while_the_deadline_left_is_ahead(school, clock):
    admin, entries = school
    ben = entries["ben"]
    (extension,) = deadline_extensions.in_force([ben.id])[ben.id]
    with pytest.raises(ExtensionRefused, match="reason"):
        deadline_extensions.withdraw(extension, " ", admin, DURING)
    deadline_extensions.withdraw(extension, "Granted to the wrong person", admin, DURING)
    assert ben.closes_at == ben.window.closes_at
    event = AuditEvent.query.filter_by(action="extension.withdrawn").one()
    assert event.detail["reason"] == "Granted to the wrong person"
    mail = OutboxMessage.query.filter_by(kind="extension_withdrawn").one()
    assert mail.to == "ben@example.org" and deadline_text(ben.closes_at) in mail.body
    # Ann's arrangement runs to 6 December; once the window's deadline has passed, taking it
    # back would leave a deadline in the past: refused.
    (arrangement,) = deadline_extensions.in_force([entries["ann"].id])[entries["ann"].id]
    clock.at(CLOSED)
    with pytest.raises(ExtensionRefused, match="has passed"):
        deadline_extensions.withdraw(arrangement, "Ended", admin, CLOSED)
    assert entries["ann"].closes_at == on(6)


@pytest.fixture
def world(ctx, clock):
    return World(ctx, clock)


def entered(world, n):
    """The person is entered for window n and passes its engagement gate."""
    entry = world.enter(n)
    world.engagement(95, n)
    world.gate(n)
    return entry


def sat(world, n, levels):
    """The person is entered for window n, passes the gate, submits, and is marked."""
    entry = entered(world, n)
    world.submit(entry)
    world.mark_and_release(n, levels)
    return entry


def reviewed(world, entry, levels):
    """A completed review of marking of the entry, by a marker who did not mark it."""
    at = world.at(entry.window.results_release_at + timedelta(days=1))
    review = reviews.request_review(entry, "The marking missed my plan.", world.person, at)
    reviewer = next(iter(reviews.eligible_reviewers(entry)))
    reviews.decide(review, True, "Grounds given", reviewer, world.admin, at)
    reviews.save_review(review, reviewer, MarkInput(levels=levels), "Judged afresh.", at,
                        submit=True)
    return review


def dfe_row(window, email="sam@example.org"):
    rows = csv.DictReader(io.StringIO("".join(exports.dfe_return_csv(window))))
    return next((r for r in rows if r["email"] == email), None)


def test_upheld_misconduct_is_undone_by_no_review_ec_void_or_ruling_only_by_its_appeal(world):
    entry = sat(world, 0, PASS)
    assert entry.outcome == "passed"
    at = world.at(entry.window.results_release_at + timedelta(days=1))
    case = misconduct.open_case(entry, "Copied from another script.", world.admin, at)
    misconduct.decide(case, "upheld", "Copied from a 2025 script.", world.admin, at)
    assert (entry.outcome, entry.outcome_rule) == ("failed", "misconduct")
    db.session.commit()  # as the request does
    # An admin's void (a late EC decision) does not lift it ...
    with pytest.raises(AmendmentRefused, match="only an appeal"):
        amendments.amend_outcome(entry, "voided", False, "Late EC", world.admin, at)
    db.session.rollback()
    assert entry.outcome == "failed"
    # ... nor a review of marking, which is not even offered.
    assert "academic misconduct" in reviews.problem_with_request(entry, at)
    # The appeal, allowed with a reason, is the only way back to the marks.
    misconduct.decide_appeal(case, "allowed", "New evidence of authorship.", world.admin, at)
    assert (entry.outcome, entry.outcome_rule) == ("passed", "marks")
    assert [(a.previous_outcome, a.new_outcome) for a in
            OutcomeAmendment.query.order_by(OutcomeAmendment.id)] == [
        ("passed", "failed"), ("failed", "passed")]


def test_a_review_passing_attempt_1_withdraws_the_resit_not_yet_sat(world):
    first = sat(world, 0, FAIL)
    assert first.outcome == "failed"
    resit = world.enter(1)
    reviewed(world, first, PASS)
    assert first.outcome == "passed"
    assert (resit.outcome, resit.outcome_rule) == ("withdrawn", "withdrawn")
    assert OutboxMessage.query.filter_by(kind="resit_withdrawn", to="sam@example.org").count() == 1
    assert world.standing().standing.value == "achieved"
    assert dfe_row(resit.window) is None  # never reported: nothing to report


def test_a_review_passing_attempt_1_voids_a_resit_already_failed_in_the_dfe_return(world):
    first = sat(world, 0, FAIL)
    resit = sat(world, 1, FAIL)
    assert (first.outcome, resit.outcome) == ("failed", "failed")
    reviewed(world, first, PASS)
    assert (resit.outcome, resit.outcome_rule) == ("voided", "superseded")
    row = dfe_row(resit.window)
    assert (row["outcome"], row["amended"], row["previous_outcome"]) == ("voided", "yes", "failed")
    assert world.standing().standing.value == "achieved"


def test_a_late_ec_void_and_a_late_deferral_are_amendments_never_a_vanished_row(world):
    entry = entered(world, 0)
    after = world.at(entry.window.closes_at + timedelta(days=1))
    eligibility.record_non_submissions(after)
    assert dfe_row(entry.window)["outcome"] == "failed"
    claim = eligibility.file_claim(entry, ClaimInput("illness", "In hospital.", date(2026, 11, 25),
                                                     date(2026, 12, 1),
                                                     [("letter.pdf", b"%PDF-1.7 letter")]),
                                   world.person, after)
    eligibility.decide_claim(claim, "defer", "Hospital letter.", world.admin, after,
                             to_window=world.windows[1])
    assert entry.outcome == "voided"  # reported, so it becomes voided rather than vanishing
    row = dfe_row(entry.window)
    assert (row["outcome"], row["amended"], row["previous_outcome"]) == ("voided", "yes", "failed")


def test_a_late_extension_then_a_pass_is_an_amendment_of_the_not_submitted_row(world):
    entry = entered(world, 0)
    after = world.at(entry.window.closes_at + timedelta(hours=1))
    eligibility.record_non_submissions(after)
    deadline_extensions.grant([entry], entry.window.closes_at.date() + timedelta(days=3),
                              "Late EC accepted", world.admin, after)
    assert entry.outcome is None and dfe_row(entry.window)["outcome"] == "failed"
    world.submit(entry, after + timedelta(hours=1))
    world.mark_and_release(0, PASS)
    assert entry.outcome == "passed"
    row = dfe_row(entry.window)
    assert (row["outcome"], row["amended"], row["previous_outcome"]) == ("passed", "yes", "failed")


def test_every_recorded_outcome_is_the_rules(world):
    """After a life of routes, no recorded outcome differs from what the rule says now."""
    first = sat(world, 0, FAIL)
    resit = sat(world, 1, FAIL)
    reviewed(world, first, PASS)
    at = world.at(resit.window.results_release_at + timedelta(days=2))
    assert outcomes.recorded_matches_rule(Entry.query.all(), at) == {}


def test_an_admin_takes_an_extension_back_on_its_own_page(app, clock):
    """The participant's page lists each extension; taking one back asks for a reason, shows
    the deadline it leaves, and is refused once that deadline has passed."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="boss@example.org")
        entry = make_entry(make_window(admin=admin), make_user(email="sam@example.org"))
        clock.at(DURING)
        deadline_extensions.grant([entry], date(2026, 12, 4), "Illness", admin, DURING)
        db.session.commit()
        (extension,) = deadline_extensions.in_force([entry.id])[entry.id]
        ids = (entry.participant_id, extension.id, entry.id)
    user_id, extension_id, entry_id = ids
    client = app.test_client()
    login(client, "boss@example.org", PASSWORD)
    page = client.get(f"/admin/participants/{user_id}").text
    assert "Illness" in page and f"/admin/extensions/{extension_id}/withdraw" in page
    form = client.get(f"/admin/extensions/{extension_id}/withdraw").text
    assert "Deadline without it" in form and "11:59pm on Tuesday 1 December 2026" in form
    blank = client.post(f"/admin/extensions/{extension_id}/withdraw", data={"reason": ""})
    assert "Error:" in blank.text and "Give the reason" in blank.text
    clock.at(CLOSED)
    later = app.test_client()
    login(later, "boss@example.org", PASSWORD)
    late = later.post(f"/admin/extensions/{extension_id}/withdraw", data={"reason": "Mistake"})
    assert "has passed" in late.text
    clock.at(DURING)
    done = client.post(f"/admin/extensions/{extension_id}/withdraw", data={"reason": "Mistake"})
    assert done.status_code == 302
    with app.app_context():
        assert db.session.get(Entry, entry_id).extended_closes_at is None


def pack_marking(window, entry, at) -> str:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(exports.scripts_zip(window, at))))
    return archive.read(f"scripts/NPQLTD/{entry.candidate_number}-marking.txt").decode()


def marks_row(window, entry, at) -> dict:
    rows = csv.DictReader(io.StringIO("".join(exports.marks_csv(window, at))))
    return next(r for r in rows if r["candidate_number"] == entry.candidate_number)


def test_the_moderation_pack_and_marks_csv_show_the_recorded_outcome(world):
    """A fail turned into a pass by a review says pass, with the review; a misconduct fail says
    fail, whatever the marks gave."""
    first = sat(world, 0, FAIL)
    reviewed(world, first, PASS)
    at = world.at(first.window.results_release_at + timedelta(days=3))
    marking = pack_marking(first.window, first, at)
    assert "Review of marking: " in marking and "Reason: Judged afresh." in marking
    assert "Final outcome: pass (after a review of marking)" in marking
    assert marks_row(first.window, first, at)["final_outcome"] == "pass (after a review of marking)"
    case = misconduct.open_case(first, "Copied from another script.", world.admin, at)
    misconduct.decide(case, "upheld", "Copied.", world.admin, at)
    marking = pack_marking(first.window, first, at)
    assert "Final outcome: fail (academic misconduct)" in marking


def test_a_review_completed_after_upheld_misconduct_does_not_undo_it(world):
    """The review was asked for and accepted before the case was decided; its pass, coming
    after, leaves the misconduct fail in place."""
    entry = sat(world, 0, FAIL)
    at = world.at(entry.window.results_release_at + timedelta(days=1))
    review = reviews.request_review(entry, "The marking missed my plan.", world.person, at)
    reviewer = next(iter(reviews.eligible_reviewers(entry)))
    reviews.decide(review, True, "Grounds given", reviewer, world.admin, at)
    case = misconduct.open_case(entry, "Copied from another script.", world.admin, at)
    misconduct.decide(case, "upheld", "Copied.", world.admin, at)
    reviews.save_review(review, reviewer, MarkInput(levels=PASS), "Judged afresh.", at,
                        submit=True)
    assert (entry.outcome, entry.outcome_rule) == ("failed", "misconduct")
    assert OutcomeAmendment.query.count() == 0  # failed all along: nothing was amended


def test_an_ec_void_decided_after_upheld_misconduct_does_not_undo_it(world):
    entry = entered(world, 0)
    world.submit(entry)
    during = world.at(entry.window.release_at + timedelta(days=3))
    claim = eligibility.file_claim(entry, ClaimInput("illness", "In hospital.", date(2026, 11, 25),
                                                     date(2026, 11, 27),
                                                     [("letter.pdf", b"%PDF-1.7 letter")]),
                                   world.person, during)
    world.mark_and_release(0, PASS)
    at = world.at(entry.window.results_release_at + timedelta(days=1))
    case = misconduct.open_case(entry, "Copied from another script.", world.admin, at)
    misconduct.decide(case, "upheld", "Copied.", world.admin, at)
    eligibility.decide_claim(claim, "void", "Hospital letter.", world.admin, at)
    assert (entry.outcome, entry.outcome_rule) == ("failed", "misconduct")
    assert dfe_row(entry.window)["outcome"] == "failed"


def test_a_result_recorded_after_the_release_under_an_extension_keeps_upheld_misconduct(world):
    """Sam's extension outlasts the window's release; misconduct is upheld before his late
    result is recorded, which then records a fail whatever his marks."""
    entry = entered(world, 0)
    window = entry.window
    during = world.at(window.release_at + timedelta(days=2))
    deadline_extensions.grant([entry], window.closes_at.date() + timedelta(days=10),
                              "Long illness", world.admin, during)
    released = world.at(window.closes_at + timedelta(days=3))
    results.release_results(window, released, world.admin, released)
    assert window.results_recorded_at is not None
    world.submit(entry, window.closes_at + timedelta(days=5))
    at = world.at(window.closes_at + timedelta(days=6))
    case = misconduct.open_case(entry, "Copied from another script.", world.admin, at)
    misconduct.decide(case, "upheld", "Copied.", world.admin, at)
    assert entry.outcome is None  # still within his deadline: nothing is recorded yet
    late = world.at(window.closes_at + timedelta(days=12))
    allocations.allocate_window(window, late)
    (allocation,) = Allocation.query.filter_by(entry_id=entry.id).all()
    marks.save_mark(allocation, MarkInput(levels=PASS), late, submit=True)
    results.record_results(window, late)
    assert (entry.outcome, entry.outcome_rule) == ("failed", "misconduct")
    assert OutboxMessage.query.filter_by(kind="results_released", to="sam@example.org").count() == 1


def test_an_arrangement_follows_the_window_when_its_deadline_moves_before_release(school, clock):
    """Ann's 5 days count from the window's deadline day: a window lengthened by two days
    before its release gives her 5 days after the new deadline; Ben's fixed extension to
    10 December stays, and Cal's deadline is the window's."""
    admin, entries = school
    window = entries["ann"].window
    at = clock.at(datetime(2026, 11, 20, tzinfo=UTC))
    proposed = windows.WindowSettings(
        name=window.name, first_day=window.first_day, length_days=10,
        release_time=window.release_time, deadline_time=window.deadline_time,
        word_limit=window.word_limit, tolerance_percent=window.tolerance_percent,
        npq_codes=("NPQLTD",), max_extension_days=window.max_extension_days)
    review = windows.review_update(window, proposed, at)
    windows.update_window(window, proposed, admin, at, confirmed=review.fingerprint)
    assert window.closes_at == on(3)
    assert {n: e.closes_at for n, e in entries.items()} == {
        "ann": on(8), "ben": on(10), "cal": on(3)}


def test_a_late_ec_void_of_a_not_submitted_attempt_is_an_amendment(world):
    entry = entered(world, 0)
    after = world.at(entry.window.closes_at + timedelta(days=1))
    eligibility.record_non_submissions(after)
    claim = eligibility.file_claim(entry, ClaimInput("illness", "In hospital.", date(2026, 11, 25),
                                                     date(2026, 12, 1),
                                                     [("letter.pdf", b"%PDF-1.7 letter")]),
                                   world.person, after)
    eligibility.decide_claim(claim, "void", "Hospital letter.", world.admin, after)
    assert (entry.outcome, entry.outcome_rule) == ("voided", "voided")
    row = dfe_row(entry.window)
    assert (row["outcome"], row["amended"], row["previous_outcome"]) == ("voided", "yes", "failed")
    amendment = OutcomeAmendment.query.one()
    assert amendment.reason == "Extenuating circumstances: Hospital letter."
    assert OutboxMessage.query.filter_by(kind="outcome_amended").count() == 1
