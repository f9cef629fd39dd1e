"""Entry and eligibility: own programme only, the 90% gate always (with exemptions), the
engagement cut-off on the deadline's London day, and the three-months-from-programme-end warning."""

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import PASSWORD, login, make_user, make_window
from sqlalchemy.exc import IntegrityError

from assessment_app.deadlines import deadline_closes_at
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    AuditEvent,
    EngagementExemption,
    EngagementRecord,
    Entry,
    Role,
    User,
)
from assessment_app.programme_dates import add_months, outside_assessment_period
from assessment_app.services import eligibility, engagement, windows
from assessment_app.services.engagement import ExemptionError
from assessment_app.services.windows import WindowError

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
CSV = "participant,programme,percent_complete,as_of\n"


@pytest.fixture
def world(app, clock):
    """An admin signed in; a window for NPQLTD and NPQH with no engagement deadline; Sam on NPQLTD."""
    clock.at(NOW)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org", name="Aisha Khan")
        window = make_window(npqs=("NPQLTD", "NPQH"), admin=admin)
        sam = make_user(email="sam@example.org", name="Sam Taylor", programme="NPQLTD")
        ids = {"window": window.id, "sam": sam.id, "admin": admin.id}
    client = app.test_client()
    login(client, "admin@example.org", PASSWORD)
    ids["client"] = client
    return ids


def figure(participant_id, percent, as_of, npq="NPQLTD"):
    db.session.add(EngagementRecord(participant_id=participant_id, npq_code=npq, percent=percent,
                                    as_of=as_of, source="lp.csv"))
    db.session.commit()


def enter(world, npq="NPQLTD", emails="sam@example.org", **extra):
    return world["client"].post(f"/admin/windows/{world['window']}/entries",
                                data={"npq_code": npq, "emails": emails, **extra})


# 1. Own programme only ---------------------------------------------------------------------


def test_entering_a_participant_for_an_npq_that_is_not_their_programme_is_refused(app, world):
    """The message names the person and both NPQs; nobody is entered."""
    with app.app_context():
        figure(world["sam"], 95, date(2026, 11, 1))
    page = enter(world, npq="NPQH").text
    assert "Nobody was entered" in page
    assert ("sam@example.org: Sam Taylor&#39;s programme is Leading Teacher Development (NPQLTD), "
            "not Headship (NPQH)") in page
    with app.app_context():
        assert Entry.query.count() == 0


def test_a_participant_with_no_programme_recorded_is_not_entered(app, world):
    with app.app_context():
        make_user(email="kim@example.org", name="Kim Lee", programme=None)
    page = enter(world, emails="kim@example.org").text
    assert "Kim Lee has no programme recorded, so cannot be entered for Leading Teacher " \
           "Development (NPQLTD)" in page


def test_engagement_rows_for_an_npq_that_is_not_the_participants_programme_are_refused(app, world):
    """Line-numbered, and the whole file is refused as for any other bad row."""
    data = CSV + "sam@example.org,NPQLTD,95,2026-11-01\nsam@example.org,NPQH,95,2026-11-01\n"
    page = world["client"].post("/admin/engagement",
                                data={"document": (io.BytesIO(data.encode()), "lp.csv")},
                                content_type="multipart/form-data").text
    assert "Line 3: Sam Taylor (sam@example.org) is on NPQLTD, not NPQH." in page
    assert "nothing has changed" in page
    with app.app_context():
        assert EngagementRecord.query.count() == 0


# 2. The 90% gate always applies -----------------------------------------------------------


def test_without_an_engagement_deadline_the_gate_is_applied_at_entry(app, world):
    """No figure, or a latest figure below 90%, is refused with what we know; exactly 90% enters."""
    assert "sam@example.org: no engagement figure has been imported for NPQLTD, and 90% is needed" \
        in enter(world).text
    with app.app_context():
        figure(world["sam"], 95, date(2026, 10, 1))
        figure(world["sam"], 89.9, date(2026, 11, 1))  # the latest figure decides
    assert "sam@example.org: engagement is 89.9% (as of 1 November 2026), below the 90% needed" \
        in enter(world).text
    with app.app_context():
        assert Entry.query.count() == 0
        figure(world["sam"], 90, date(2026, 11, 2))
    assert enter(world).status_code == 302
    with app.app_context():
        assert Entry.query.one().entered


def test_after_the_engagement_deadline_has_passed_entry_still_checks_engagement(app, world, clock):
    with app.app_context():
        db.session.get(AssessmentWindow, world["window"]).engagement_deadline = \
            deadline_closes_at(date(2026, 11, 1), time(23, 59))
        db.session.commit()
        figure(world["sam"], 50, date(2026, 11, 1))
    assert "below the 90% needed" in enter(world).text


def test_an_admin_records_an_exemption_with_a_reason_and_it_lets_entry_go_ahead(app, world):
    """Recorded on the participant's page (who, when, why), audited, then honoured at entry."""
    with app.app_context():
        figure(world["sam"], 60, date(2026, 11, 1))
    client = world["client"]
    refused = client.post(f"/admin/participants/{world['sam']}/exemptions",
                          data={"window_id": str(world["window"]), "reason": ""})
    assert "Give the reason for the exemption" in refused.text
    client.post(f"/admin/participants/{world['sam']}/exemptions",
                data={"window_id": str(world["window"]), "reason": "Long-term illness; "
                      "provider agreed catch-up plan"})
    page = client.get(f"/admin/participants/{world['sam']}").text
    assert "Autumn 2026</strong>: recorded by Aisha Khan at 10:00am on Monday 2 November 2026" in page
    assert "Long-term illness; provider agreed catch-up plan" in page
    with app.app_context():
        event = AuditEvent.query.filter_by(action="engagement.exempted").one()
        assert event.actor_id == world["admin"] and event.participant_id == world["sam"]
    assert enter(world).status_code == 302
    with app.app_context():
        assert Entry.query.one().entered


def test_only_admins_record_exemptions(app, world):
    with app.app_context():
        make_user(Role.MARKER, email="marker@example.org")
    marker = app.test_client()
    login(marker, "marker@example.org", PASSWORD)
    response = marker.post(f"/admin/participants/{world['sam']}/exemptions",
                           data={"window_id": str(world["window"]), "reason": "Please"})
    assert response.status_code == 403
    with app.app_context():
        assert EngagementExemption.query.count() == 0


def test_a_figure_dated_today_in_the_uk_is_not_in_the_future(ctx, clock):
    """Just after midnight in summer (still yesterday in UTC) today's figure imports."""
    at = clock.at(datetime(2027, 6, 10, 23, 30, tzinfo=UTC))  # 00:30 on 11 June in London
    admin = make_user(Role.ADMIN)
    make_user(email="sam@example.org")
    csv = CSV + "sam@example.org,NPQLTD,95,2027-06-11\n"
    assert eligibility.import_engagement(csv.encode(), "lp.csv", admin, at) == 1


def test_one_exemption_per_participant_and_window(app, world):
    """Refused by the service with a message, and by the database's UNIQUE constraint."""
    with app.app_context():
        sam, admin = db.session.get(User, world["sam"]), db.session.get(User, world["admin"])
        window = db.session.get(AssessmentWindow, world["window"])
        engagement.record_exemption(sam, window, "Agreed", admin, NOW)
        with pytest.raises(ExemptionError, match="already has an exemption"):
            engagement.record_exemption(sam, window, "Again", admin, NOW)
        db.session.add(EngagementExemption(participant_id=sam.id, window_id=window.id,
                                           reason="Twice", granted_by=admin.id, granted_at=NOW))
        with pytest.raises(IntegrityError):
            db.session.commit()


def gated_window(name, first_day, deadline_day):
    window = make_window(name=name, first_day=first_day)
    window.engagement_deadline = deadline_closes_at(deadline_day, time(23, 59))
    db.session.commit()
    return window


def test_the_engagement_gate_honours_an_exemption(ctx, clock):
    clock.at(NOW)
    admin = make_user(Role.ADMIN)
    window = gated_window("Gated", date(2026, 11, 24), date(2026, 11, 10))
    sam = make_user(email="sam@example.org")
    (entry,) = windows.enter_participants(window, "NPQLTD", [sam.email], admin)
    figure(sam.id, 40, date(2026, 11, 9))
    engagement.record_exemption(sam, window, "Returned from maternity leave", admin, NOW)
    eligibility.apply_engagement_gate(window.engagement_deadline)
    assert entry.entered and entry.outcome is None


@pytest.mark.parametrize("deadline_day, first_day", [
    (date(2026, 11, 10), date(2026, 11, 24)),  # GMT: the last minute is 23:59 UTC
    (date(2027, 6, 10), date(2027, 6, 22)),    # BST: the last minute is 22:59 UTC
], ids=["GMT", "BST"])
def test_the_engagement_cut_off_is_the_deadlines_london_day(ctx, clock, deadline_day, first_day):
    """A figure dated the deadline's London day counts; one dated the next day does not, even
    though the deadline instant (00:00 London the next day) falls on that next day in UTC."""
    clock.at(datetime.combine(deadline_day - timedelta(days=30), time(12), tzinfo=UTC))
    admin = make_user(Role.ADMIN)
    window = gated_window("Gated", first_day, deadline_day)
    on_time, late = make_user(email="on@example.org"), make_user(email="late@example.org")
    (on_entry,) = windows.enter_participants(window, "NPQLTD", [on_time.email], admin)
    (late_entry,) = windows.enter_participants(window, "NPQLTD", [late.email], admin)
    figure(on_time.id, 92, deadline_day)
    figure(late.id, 40, deadline_day)
    figure(late.id, 92, deadline_day + timedelta(days=1))
    eligibility.apply_engagement_gate(window.engagement_deadline - timedelta(seconds=1))
    assert not on_entry.entered and on_entry.outcome is None  # not yet
    eligibility.apply_engagement_gate(window.engagement_deadline)
    assert on_entry.entered
    assert late_entry.outcome == "lost_engagement"


# 4. Within three months of the programme's end ---------------------------------------------


def test_three_calendar_months_either_side_of_the_programme_end():
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 1, 31), -2) == date(2025, 11, 30)
    window = (date(2026, 11, 24), date(2026, 12, 1))
    assert not outside_assessment_period(None, *window)
    assert not outside_assessment_period(date(2026, 9, 1), *window)  # ends exactly 3 months on
    assert outside_assessment_period(date(2026, 8, 31), *window)
    assert not outside_assessment_period(date(2027, 2, 24), *window)  # starts exactly 3 months before
    assert outside_assessment_period(date(2027, 2, 25), *window)


def test_entering_someone_outside_three_months_of_their_programme_end_asks_to_confirm(app, world):
    """The page warns, naming them, and enters nobody until the admin confirms; then it does,
    and the audit records the confirmation."""
    with app.app_context():
        db.session.get(User, world["sam"]).programme_end_date = date(2026, 7, 31)
        jo_id = make_user(email="jo@example.org", name="Jo Evans",
                          programme_end_date=date(2026, 10, 31)).id
        figure(world["sam"], 95, date(2026, 11, 1))
        figure(jo_id, 95, date(2026, 11, 1))
    page = enter(world, emails="sam@example.org\njo@example.org").text
    assert "Check the programme dates before entering" in page
    assert ("Sam Taylor (sam@example.org): their programme ends on 31 July 2026, and this window "
            "(24 November 2026 to 1 December 2026) is not within 3 months of it") in page
    assert "Jo Evans" not in page
    assert 'name="confirmed" value="sam@example.org"' in page
    with app.app_context():
        assert Entry.query.count() == 0
    done = enter(world, emails="sam@example.org\njo@example.org", confirmed="sam@example.org")
    assert done.status_code == 302
    with app.app_context():
        assert Entry.query.count() == 2
        events = {e.participant_id: e.detail["confirmed_outside_programme_dates"]
                  for e in AuditEvent.query.filter_by(action="participant.entered")}
        assert events == {world["sam"]: True, jo_id: False}


def test_a_confirmation_covers_only_the_people_it_named(app, world):
    with app.app_context():
        db.session.get(User, world["sam"]).programme_end_date = date(2026, 7, 31)
        jo = make_user(email="jo@example.org", name="Jo Evans", programme_end_date=date(2026, 1, 31))
        figure(world["sam"], 95, date(2026, 11, 1))
        figure(jo.id, 95, date(2026, 11, 1))
    page = enter(world, emails="sam@example.org\njo@example.org", confirmed="sam@example.org").text
    assert "Jo Evans (jo@example.org): their programme ends on 31 January 2026" in page
    with app.app_context():
        assert Entry.query.count() == 0


def test_wrong_programme_is_refused_before_any_date_warning(app, world):
    with app.app_context():
        db.session.get(User, world["sam"]).programme_end_date = date(2026, 1, 31)
        db.session.commit()
    with app.app_context(), pytest.raises(WindowError, match="programme is Leading Teacher"):
        windows.enter_participants(db.session.get(AssessmentWindow, world["window"]),
                                   "NPQH", ["sam@example.org"], db.session.get(User, world["admin"]))
