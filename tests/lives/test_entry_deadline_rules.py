"""Entry and the window's deadline, and the three-month rule for first attempts only
(domain.md, "One participant, one truth": Entry; assessment_app/entry_rules.py).

Never into a window whose deadline has passed; within 48 hours of it only after the admin
confirms; the three-month rule applies to a first attempt, a resit is expected later. The
test window's deadline is 23:59 on Tuesday 1 December 2026 (GMT): its closes_at, the first
instant too late, is 00:00 UTC on 2 December, and 48 hours before that is 00:00 UTC on 30
November."""

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window

from assessment_app.attempts import AttemptOutcome
from assessment_app.entry_rules import (
    EntryTiming,
    entry_timing,
    late_entry_key,
    three_month_rule_applies,
)
from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent, EngagementRecord, Entry, Role, User
from assessment_app.services import windows
from assessment_app.services.windows import NeedsConfirmation, WindowError

CLOSES = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
LATE_FROM = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # 48 hours before, to the second
CLOSED_MESSAGE = ("Nobody was entered. The deadline of Autumn 2026 was 11:59pm on Tuesday 1 "
                  "December 2026, so nobody can be entered for it now: enter them for a later "
                  "window.")


def figure(participant: User, percent=95, as_of=date(2026, 11, 1)):
    db.session.add(EngagementRecord(participant_id=participant.id, npq_code="NPQLTD",
                                    percent=percent, as_of=as_of, source="lp.csv"))
    db.session.commit()


# The rule, from window.closes_at and now --------------------------------------------------


def test_entry_timing_is_open_until_48_hours_before_then_needs_confirming_then_closed():
    assert entry_timing(CLOSES, LATE_FROM - timedelta(seconds=1)) is EntryTiming.OPEN
    assert entry_timing(CLOSES, LATE_FROM) is EntryTiming.NEEDS_CONFIRMING
    assert entry_timing(CLOSES, CLOSES - timedelta(seconds=1)) is EntryTiming.NEEDS_CONFIRMING
    assert entry_timing(CLOSES, CLOSES) is EntryTiming.CLOSED


def test_the_three_month_rule_applies_to_a_first_attempt_only():
    assert three_month_rule_applies(0)
    assert not three_month_rule_applies(1)


# Through the service ------------------------------------------------------------------------


@pytest.fixture
def autumn(ctx, clock):
    """The Autumn 2026 window and Sam, with a 95% engagement figure (no engagement deadline,
    so the gate applies at entry)."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    admin = make_user(Role.ADMIN, email="admin@example.org")
    window = make_window(admin=admin)
    sam = make_user(email="sam@example.org", name="Sam Taylor")
    figure(sam)
    return {"admin": admin, "window": window, "sam": sam}


def enter_sam(autumn, **extra):
    return windows.enter_participants(autumn["window"], "NPQLTD", ["sam@example.org"],
                                      autumn["admin"], **extra)


def test_entry_a_second_before_the_last_48_hours_needs_no_confirmation(autumn, clock):
    clock.at(LATE_FROM - timedelta(seconds=1))
    (entry,) = enter_sam(autumn)
    assert entry.entered
    event = AuditEvent.query.filter_by(action="participant.entered").one()
    assert event.detail["confirmed_within_48_hours_of_deadline"] is False


def test_entry_48_hours_before_the_deadline_waits_for_the_admin_to_confirm(autumn, clock):
    clock.at(LATE_FROM)
    with pytest.raises(NeedsConfirmation) as needed:
        enter_sam(autumn)
    assert needed.value.warnings == {late_entry_key(CLOSES): (
        "The deadline of Autumn 2026 is 11:59pm on Tuesday 1 December 2026, less than 48 hours "
        "away (2 days left): anyone entered now has only that long to read the case study and "
        "submit their response.")}
    assert needed.value.programme_dates == {}
    db.session.rollback()
    assert Entry.query.count() == 0
    (entry,) = enter_sam(autumn, confirmed=frozenset({late_entry_key(CLOSES)}))
    assert entry.entered and entry.closes_at == CLOSES
    event = AuditEvent.query.filter_by(action="participant.entered").one()
    assert event.detail["confirmed_within_48_hours_of_deadline"] is True


def test_a_confirmation_given_for_another_deadline_does_not_count(autumn, clock):
    clock.at(CLOSES - timedelta(seconds=1))
    with pytest.raises(NeedsConfirmation, match="less than 48 hours away"):
        enter_sam(autumn, confirmed=frozenset({late_entry_key(CLOSES + timedelta(days=1))}))


def test_entry_at_the_deadline_instant_is_refused_even_if_confirmed(autumn, clock):
    """At 00:00:00 after 23:59 on the last day the deadline has passed: no entry, whatever the
    admin confirms."""
    clock.at(CLOSES)
    with pytest.raises(WindowError) as refused:
        enter_sam(autumn, confirmed=frozenset({late_entry_key(CLOSES), "sam@example.org"}))
    assert str(refused.value) == CLOSED_MESSAGE
    db.session.rollback()
    assert Entry.query.count() == 0


# The three-month rule: a first attempt is asked, a resit is not --------------------------------


@pytest.fixture
def resit(ctx, clock):
    """Sam's programme ended on 31 October 2026; Sam sat Autumn 2026 (within three months) and
    failed. Spring 2027 (9 to 16 March) is more than three months after the programme's end.
    Jo finished on the same day and has not sat yet."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    admin = make_user(Role.ADMIN, email="admin@example.org")
    autumn = make_window(admin=admin)
    spring = make_window(name="Spring 2027", first_day=date(2027, 3, 9), admin=admin)
    sam = make_user(email="sam@example.org", name="Sam Taylor",
                    programme_end_date=date(2026, 10, 31))
    jo = make_user(email="jo@example.org", name="Jo Evans", programme_end_date=date(2026, 10, 31))
    first = make_entry(autumn, sam)
    clock.at(datetime(2027, 3, 1, 10, 0, tzinfo=UTC))
    first.outcome, first.completed_at = AttemptOutcome.FAILED, datetime(2027, 2, 20, tzinfo=UTC)
    figure(sam, as_of=date(2027, 2, 28))
    figure(jo, as_of=date(2027, 2, 28))
    return {"admin": admin, "spring": spring, "sam": sam, "jo": jo, "first": first}


def test_a_resit_outside_three_months_of_the_programme_end_is_not_asked_to_confirm(resit):
    """Sam has a counted attempt at NPQLTD: the resit is entered without a warning."""
    (entry,) = windows.enter_participants(resit["spring"], "NPQLTD", ["sam@example.org"],
                                          resit["admin"])
    assert entry.participant_id == resit["sam"].id and entry.entered


def test_a_first_attempt_outside_three_months_of_the_programme_end_is_asked_to_confirm(resit):
    with pytest.raises(NeedsConfirmation) as needed:
        windows.enter_participants(resit["spring"], "NPQLTD",
                                   ["sam@example.org", "jo@example.org"], resit["admin"])
    assert list(needed.value.warnings) == ["jo@example.org"]
    assert needed.value.warnings["jo@example.org"] == (
        "Jo Evans (jo@example.org): their programme ends on 31 October 2026, and this window "
        "(9 March 2027 to 16 March 2027) is not within 3 months of it")


def test_an_attempt_that_did_not_count_leaves_the_next_one_a_first_attempt(resit):
    """A voided first attempt (EC accepted) is not counted: the three-month rule still applies."""
    resit["first"].outcome = AttemptOutcome.VOIDED
    db.session.commit()
    with pytest.raises(NeedsConfirmation, match="Sam Taylor"):
        windows.enter_participants(resit["spring"], "NPQLTD", ["sam@example.org"],
                                   resit["admin"])


def test_the_entry_page_enters_a_resit_outside_three_months_without_asking(app, resit):
    client = app.test_client()
    login(client, "admin@example.org", PASSWORD)
    url = f"/admin/windows/{resit['spring'].id}/entries"
    asked = client.post(url, data={"npq_code": "NPQLTD", "emails": "jo@example.org"})
    assert "Check the programme dates before entering" in asked.text
    done = client.post(url, data={"npq_code": "NPQLTD", "emails": "sam@example.org"})
    assert done.status_code == 302
    assert [e.participant.email for e in Entry.query.filter_by(window_id=resit["spring"].id)] \
        == ["sam@example.org"]


# Through the admin page -----------------------------------------------------------------------


@pytest.fixture
def page(app, clock):
    """The Autumn 2026 window, Sam with 95%; `page(at)` signs the admin in at that instant."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        window_id = make_window(admin=admin).id
        figure(make_user(email="sam@example.org", name="Sam Taylor",
                         programme_end_date=date(2026, 5, 31)))

    def signed_in(at):
        clock.at(at)
        client = app.test_client()
        login(client, "admin@example.org", PASSWORD)
        return client, f"/admin/windows/{window_id}/entries"
    return signed_in


def entries(app) -> int:
    with app.app_context():
        return Entry.query.count()


def test_the_page_asks_to_confirm_entry_48_hours_before_the_deadline_then_enters(app, page):
    client, url = page(LATE_FROM)
    form = {"npq_code": "NPQLTD", "emails": "sam@example.org"}
    shown = client.get(url).text
    assert "less than 48 hours away: you will be asked to confirm" in shown
    asked = client.post(url, data=form).text
    assert "The deadline is less than 48 hours away" in asked
    assert ("Nobody has been entered yet. The deadline of Autumn 2026 is 11:59pm on Tuesday 1 "
            "December 2026, less than 48 hours away (2 days left)") in asked
    # Sam's programme ended in May: both warnings are shown and confirmed together.
    assert "Check the programme dates before entering" in asked
    key = late_entry_key(CLOSES)
    assert f'name="confirmed" value="{key},sam@example.org"' in asked
    assert entries(app) == 0
    done = client.post(url, data={**form, "confirmed": f"{key},sam@example.org"})
    assert done.status_code == 302 and entries(app) == 1


def test_the_page_refuses_entry_at_the_deadline_instant(app, page):
    client, url = page(CLOSES)
    assert ("The deadline of this window was 11:59pm on Tuesday 1 December 2026: nobody can be "
            "entered for it now.") in client.get(url).text
    refused = client.post(url, data={"npq_code": "NPQLTD", "emails": "sam@example.org",
                                     "confirmed": f"{late_entry_key(CLOSES)},sam@example.org"})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.text
    assert CLOSED_MESSAGE in refused.text
    assert entries(app) == 0


def test_the_page_enters_a_second_before_the_last_48_hours_without_asking(app, page):
    with app.app_context():
        User.query.filter_by(email="sam@example.org").one().programme_end_date = None
        db.session.commit()
    client, url = page(LATE_FROM - timedelta(seconds=1))
    done = client.post(url, data={"npq_code": "NPQLTD", "emails": "sam@example.org"})
    assert done.status_code == 302 and entries(app) == 1
    with app.app_context():
        assert db.session.get(AssessmentWindow, Entry.query.one().window_id).name == "Autumn 2026"
