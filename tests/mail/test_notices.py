"""The notices of a participant's life, through the outbox: entered (directly or at the gate),
lost at the gate, not submitted, extensions by every route, and the release notice for people
entered after the release. Each goes once, however often the scheduler runs."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from moments import CLOSED, DURING, RELEASED

from assessment_app.deadlines import deadline_closes_at
from assessment_app.extensions import db
from assessment_app.models import EngagementRecord, Entry, Extension, OutboxMessage, Role
from assessment_app.services import eligibility, windows
from assessment_app.services.eligibility import ClaimInput
from assessment_app.services.releases import record_release

BEFORE = datetime(2026, 11, 1, tzinfo=UTC)


def notices(kind, to=None):
    query = OutboxMessage.query.filter_by(kind=kind)
    if to:
        query = query.filter_by(to=to)
    return query.order_by(OutboxMessage.id).all()


def signed_off(body):
    return body.rstrip().endswith("NPQ assessment\nAll times are UK time.")


def test_entered_directly_gets_one_notice_with_the_dates_and_a_link(ctx, clock):
    clock.at(BEFORE)
    entry = make_entry(make_window(), make_user(email="sam@example.org", name="Sam Taylor"))
    (notice,) = notices("entered")
    assert notice.to == "sam@example.org"
    assert notice.subject == "You are entered for your NPQ assessment: Autumn 2026"
    assert "Dear Sam Taylor" in notice.body and "Leading Teacher Development" in notice.body
    assert "will be released at 12:01am on Tuesday 24 November 2026" in notice.body
    assert "your deadline is 11:59pm on Tuesday 1 December 2026" in notice.body
    assert f"http://127.0.0.1:5000/assessments/{entry.id}" in notice.body and signed_off(notice.body)
    assert notices("case_study_released") == []  # not released yet: that notice comes at release


def gated(clock):
    clock.at(BEFORE)
    admin = make_user(Role.ADMIN, email="admin@example.org")
    window = make_window(admin=admin)
    window.engagement_deadline = deadline_closes_at(date(2026, 11, 10), time(23, 59))
    db.session.commit()
    people = [make_user(email=f"{n}@example.org", name=n.title()) for n in ("sam", "jo", "kim")]
    entries = windows.enter_participants(window, "NPQLTD", [p.email for p in people], admin)
    csv = ("participant,programme,percent_complete,as_of\n"
           "sam@example.org,NPQLTD,93,2026-10-30\njo@example.org,NPQLTD,71.5,2026-10-30\n")
    eligibility.import_engagement(csv.encode(), "lp.csv", admin, BEFORE)
    db.session.commit()  # as the import page's request does
    return window, entries


def test_the_engagement_gate_sends_entered_and_lost_notices_once(ctx, clock):
    window, (sam, jo, kim) = gated(clock)
    assert notices("entered") == []  # waiting for the gate: not entered yet
    eligibility.apply_engagement_gate(window.engagement_deadline)
    eligibility.apply_engagement_gate(window.engagement_deadline + timedelta(minutes=1))
    assert [m.to for m in notices("entered")] == ["sam@example.org"]
    lost = {m.to: m for m in notices("engagement_lost")}
    assert sorted(lost) == ["jo@example.org", "kim@example.org"]
    assert "engagement is 71.5% (as of 30 October 2026), below the 90% needed" in lost["jo@example.org"].body
    assert "no engagement figure has been imported for NPQLTD" in lost["kim@example.org"].body
    assert "11:59pm on Tuesday 10 November 2026" in lost["jo@example.org"].body
    assert "counts as one of your two attempts" in lost["jo@example.org"].body
    assert f"/assessments/{jo.id}" in lost["jo@example.org"].body and signed_off(lost["kim@example.org"].body)


def test_someone_entered_after_the_release_gets_the_release_notice(ctx, clock):
    """Those entered at the release got it then; a later entry gets it when entered, once."""
    clock.at(BEFORE)
    window = make_window()
    make_entry(window, make_user(email="early@example.org"))
    record_release(window.id, RELEASED)
    clock.at(DURING)
    late = make_entry(window, make_user(email="late@example.org"))
    record_release(window.id, DURING)  # a re-run changes nothing
    assert sorted(m.to for m in notices("case_study_released")) == ["early@example.org",
                                                                    "late@example.org"]
    (notice,) = notices("case_study_released", to="late@example.org")
    assert "is now available" in notice.body and f"/assessments/{late.id}" in notice.body
    (entered,) = notices("entered", to="late@example.org")
    assert "was released at 12:01am on Tuesday 24 November 2026" in entered.body


def test_not_submitted_is_told_once_with_a_way_to_claim_ec(ctx, clock):
    clock.at(BEFORE)
    entry = make_entry(make_window(), make_user(email="sam@example.org"))
    eligibility.record_non_submissions(CLOSED - timedelta(seconds=1))
    assert notices("not_submitted") == []
    eligibility.record_non_submissions(CLOSED)
    eligibility.record_non_submissions(CLOSED + timedelta(minutes=1))
    (notice,) = notices("not_submitted")
    assert notice.subject == "We did not receive your NPQ response: Autumn 2026"
    assert "by your deadline, 11:59pm on Tuesday 1 December 2026" in notice.body
    assert f"/assessments/{entry.id}/circumstances" in notice.body and signed_off(notice.body)


def test_an_ec_extension_and_a_second_non_submission_are_each_told(ctx, clock):
    """The EC decision notice gives the new deadline; missing that deadline too is told again."""
    clock.at(BEFORE)
    admin = make_user(Role.ADMIN)
    entry = make_entry(make_window(), make_user(email="sam@example.org"))
    claim = eligibility.file_claim(entry, ClaimInput("illness", "In hospital.", date(2026, 11, 25),
                                                     date(2026, 11, 28), [("a.pdf", b"%PDF-1.4 x")]),
                                   entry.participant, DURING)
    eligibility.decide_claim(claim, "extension", "Hospital letter", admin, DURING,
                             until=date(2026, 12, 8))
    (decision,) = notices("extenuating_circumstances_claim_decision")
    assert "extension granted: your new deadline is 11:59pm on Tuesday 8 December 2026" in decision.body
    assert notices("extension_granted") == []  # one email, not two
    eligibility.record_non_submissions(datetime(2026, 12, 9, tzinfo=UTC))
    assert [n.body.count("8 December 2026") for n in notices("not_submitted")] == [1]


@pytest.fixture
def admin_client(app, clock):
    clock.at(BEFORE)
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org", name="Aisha Khan")
        window = make_window()
        people = [("sam", "Sam Taylor", "Oakfield Primary", "Midlands Alliance", "NPQLTD autumn 2025"),
                  ("jo", "Jo Evans", "Oakfield Primary", "Coastal Trust", "NPQLTD spring 2026"),
                  ("kim", "Kim Lee", "Riverside Academy", "Coastal Trust", "NPQLTD spring 2026")]
        ids = {}
        for key, name, school, partner, cohort in people:
            person = make_user(email=f"{key}@example.org", name=name, school=school,
                               delivery_partner=partner, cohort=cohort)
            ids[key] = make_entry(window, person).id
        ids["window"] = window.id
    clock.at(DURING)
    client = app.test_client()
    login(client, "admin@example.org", PASSWORD)
    return client, ids


def extension_form(**extra):
    return {"until": ["4", "12", "2026"], "reason": "School closure (snow)", **extra}


def test_an_individual_extension_is_told_with_the_new_deadline(app, admin_client):
    client, ids = admin_client
    client.post(f"/admin/windows/{ids['window']}/extensions", data=extension_form(entry_ids=[ids["sam"]]))
    with app.app_context():
        (notice,) = notices("extension_granted")
        assert notice.to == "sam@example.org"
        assert "Your new deadline is 11:59pm on Friday 4 December 2026" in notice.body
        assert "Reason: School closure (snow)" in notice.body
        assert f"/assessments/{ids['sam']}" in notice.body and signed_off(notice.body)


@pytest.mark.parametrize("group, who", [
    ("school:Oakfield Primary", ["Jo Evans", "Sam Taylor"]),
    ("delivery_partner:Coastal Trust", ["Jo Evans", "Kim Lee"]),
    ("cohort:NPQLTD autumn 2025", ["Sam Taylor"]),
], ids=["school", "delivery partner", "cohort"])
def test_a_group_extension_shows_who_is_in_the_group_then_grants_and_tells_them(app, admin_client,
                                                                                group, who):
    client, ids = admin_client
    page = client.get(f"/admin/windows/{ids['window']}/extensions").text
    assert "School: Oakfield Primary (2 participants)" in page
    check = client.post(f"/admin/windows/{ids['window']}/extensions", data=extension_form(group=group))
    assert f"{len(who)} participant{'s' if len(who) > 1 else ''} will get this extension" in check.text
    listed = check.text.split("will get this extension")[1]
    assert [n for n in ("Jo Evans", "Kim Lee", "Sam Taylor") if n in listed] == who
    with app.app_context():
        assert Extension.query.count() == 0  # nothing granted before the admin confirms
        confirm_ids = ",".join(str(e.id) for e in Entry.query.order_by(Entry.id)
                               if e.participant.name in who)
    done = client.post(f"/admin/windows/{ids['window']}/extensions",
                       data=extension_form(group=group, confirm_ids=confirm_ids),
                       follow_redirects=True)
    assert f"Extension granted to {len(who)} participant{'' if len(who) == 1 else 's'}: " in done.text
    with app.app_context():
        assert sorted(e.entry.participant.name for e in Extension.query) == who
        assert sorted(m.to.split("@")[0] for m in notices("extension_granted")) == \
            sorted(n.split()[0].lower() for n in who)


def test_a_group_extension_needs_one_way_of_choosing(app, admin_client):
    client, ids = admin_client
    neither = client.post(f"/admin/windows/{ids['window']}/extensions", data=extension_form())
    assert "Choose participants by name, or a group" in neither.text
    both = client.post(f"/admin/windows/{ids['window']}/extensions",
                       data=extension_form(entry_ids=[ids["sam"]], group="school:Oakfield Primary"))
    assert "Choose participants by name or a group, not both" in both.text
    with app.app_context():
        assert Extension.query.count() == 0


def test_engagement_figures_uploaded_through_the_page_feed_the_gate_notices(app, clock):
    """End to end: import through the page, then the scheduler's gate sends the notice."""
    clock.at(BEFORE)
    with app.app_context():
        window, _ = gated(clock)
        deadline = window.engagement_deadline
    client = app.test_client()
    login(client, "admin@example.org", PASSWORD)
    csv = "participant,programme,percent_complete,as_of\nkim@example.org,NPQLTD,90,2026-10-31\n"
    client.post("/admin/engagement", data={"document": (io.BytesIO(csv.encode()), "lp.csv")},
                content_type="multipart/form-data")
    with app.app_context():
        assert EngagementRecord.query.count() == 3
        eligibility.apply_engagement_gate(deadline)
        assert sorted(m.to for m in notices("entered")) == ["kim@example.org", "sam@example.org"]
