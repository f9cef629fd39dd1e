"""Changing a window's engagement deadline before release follows the live-window rules
(window_changes.py): it reaches the participants waiting at its 90% gate. Moving it earlier
needs confirming and emails each of them; to a moment already past is refused; later helps
them and is emailed too; removing it needs confirming and applies the gate to them at once
(entered at 90% or more, otherwise lost, each emailed), as at the deadline itself; once it has
passed it cannot change. Through the service and the admin's edit page.

The Autumn 2026 window's engagement deadline is 23:59 on Tuesday 10 November 2026 (00:00 UTC
on the 11th). Sam (95%), Jo (60%) and Kim (no figure) wait at its gate."""

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from factories import login, make_user, make_window

from assessment_app.attempts import AttemptOutcome
from assessment_app.deadlines import deadline_closes_at
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    AuditEvent,
    DeferralRequest,
    EngagementRecord,
    Entry,
    OutboxMessage,
    Role,
    User,
)
from assessment_app.services import windows
from assessment_app.services.windows import WindowError, WindowSettings

NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
ENGAGEMENT = deadline_closes_at(date(2026, 11, 10), time(23, 59))
WAITING = ["jo@example.org", "kim@example.org", "sam@example.org"]


def settings(window: AssessmentWindow, engagement_deadline: date | None) -> WindowSettings:
    return WindowSettings(
        name=window.name, first_day=window.first_day, length_days=window.length_days,
        release_time=window.release_time, deadline_time=window.deadline_time,
        word_limit=window.word_limit, tolerance_percent=window.tolerance_percent,
        npq_codes=tuple(p.npq_code for p in window.papers),
        engagement_deadline=engagement_deadline, max_extension_days=window.max_extension_days)


def build(clock) -> dict:
    clock.at(datetime(2026, 10, 20, 9, 0, tzinfo=UTC))
    admin = make_user(Role.ADMIN, email="admin@example.org")
    window = make_window(admin=admin)
    window.engagement_deadline = ENGAGEMENT
    people = {}
    for email, name, percent in (("sam@example.org", "Sam Taylor", 95),
                                 ("jo@example.org", "Jo Evans", 60),
                                 ("kim@example.org", "Kim Lee", None)):
        people[email] = make_user(email=email, name=name)
        if percent is not None:
            db.session.add(EngagementRecord(participant_id=people[email].id, npq_code="NPQLTD",
                                            percent=percent, as_of=date(2026, 10, 19),
                                            source="lp.csv"))
    db.session.commit()
    windows.enter_participants(window, "NPQLTD", list(people), admin)
    db.session.commit()  # as the request does
    clock.at(NOW)
    return {"admin": admin, "window": window, "people": people}


@pytest.fixture
def gated(ctx, clock):
    return build(clock)


def update(gated, day, at=NOW, confirm=True):
    window = gated["window"]
    proposed = settings(window, day)
    fingerprint = windows.review_update(window, proposed, at).fingerprint if confirm else None
    return windows.update_window(window, proposed, gated["admin"], at, confirmed=fingerprint)


def mail(kind):
    return OutboxMessage.query.filter_by(kind=kind).order_by(OutboxMessage.to).all()


def by_email(email) -> Entry:
    return Entry.query.join(Entry.participant).filter(User.email == email).one()


def test_everyone_waits_at_the_gate(gated):
    assert [e.entered for e in Entry.query.all()] == [False, False, False]


def test_moving_the_engagement_deadline_earlier_needs_confirming_and_emails_those_waiting(gated):
    """Before: it saved at once, with no notice, and they could be lost the next minute."""
    with pytest.raises(WindowError, match="Confirm the changes before they are saved"):
        update(gated, date(2026, 11, 5), confirm=False)
    db.session.rollback()
    assert gated["window"].engagement_deadline == ENGAGEMENT
    update(gated, date(2026, 11, 5))
    assert gated["window"].engagement_deadline == deadline_closes_at(date(2026, 11, 5),
                                                                     time(23, 59))
    sent = mail("engagement_deadline_moved")
    assert [m.to for m in sent] == WAITING
    assert sent[0].subject == "Your NPQ engagement deadline has moved earlier: Autumn 2026"
    assert ("moved the engagement deadline for your NPQ in Leading Teacher Development (Autumn "
            "2026) earlier: it is now 11:59pm on Thursday 5 November 2026 (it was 11:59pm on "
            "Tuesday 10 November 2026).") in sent[0].body
    assert "ask to defer before it" in sent[0].body
    change = AuditEvent.query.filter_by(action="window.updated").one().detail[
        "engagement_deadline_change"]
    assert change["change"] == "earlier" and change["waiting_notified"] == 3


def test_moving_it_to_a_moment_already_past_is_refused_from_that_instant(gated):
    """23:59 on 5 November ends at 00:00 UTC on the 6th: from then, refused; a second before,
    it is a change to confirm."""
    passed = datetime(2026, 11, 6, 0, 0, tzinfo=UTC)
    with pytest.raises(WindowError) as refused:
        update(gated, date(2026, 11, 5), at=passed)
    assert str(refused.value).startswith(
        "The engagement deadline cannot be 11:59pm on Thursday 5 November 2026: that has "
        "already passed")
    db.session.rollback()
    assert gated["window"].engagement_deadline == ENGAGEMENT and not mail(
        "engagement_deadline_moved")
    update(gated, date(2026, 11, 5), at=passed - timedelta(seconds=1))
    assert len(mail("engagement_deadline_moved")) == 3


def test_moving_it_later_is_an_improvement_emailed_as_such(gated):
    update(gated, date(2026, 11, 17))
    sent = mail("engagement_deadline_moved")
    assert [m.to for m in sent] == WAITING
    assert sent[0].subject == "Your NPQ engagement deadline has moved later: Autumn 2026"
    assert "later: it is now 11:59pm on Tuesday 17 November 2026" in sent[0].body


def test_removing_it_needs_confirming_then_applies_the_gate_to_those_waiting_at_once(gated):
    """Before: it saved with no confirmation and left them waiting for a gate that never came.
    Now Sam (95%) is entered and emailed; Jo (60%) and Kim (no figure) lose the attempt, as at
    the deadline, and are told why."""
    with pytest.raises(WindowError, match="Confirm the changes before they are saved"):
        update(gated, None, confirm=False)
    db.session.rollback()
    update(gated, None)
    assert gated["window"].engagement_deadline is None
    sam, jo, kim = by_email("sam@example.org"), by_email("jo@example.org"), by_email(
        "kim@example.org")
    assert sam.entered and sam.outcome is None
    for lost in (jo, kim):
        assert not lost.entered and lost.outcome == AttemptOutcome.LOST_ENGAGEMENT
        assert lost.completed_at == NOW
    assert [m.to for m in mail("entered")] == ["sam@example.org"]
    lost_mail = mail("engagement_lost")
    assert [m.to for m in lost_mail] == ["jo@example.org", "kim@example.org"]
    assert ("when your provider removed the engagement deadline, at 10:00am on Sunday 1 "
            "November 2026, engagement is 60% (as of 19 October 2026), below the 90% needed, "
            "and no deferral was agreed") in lost_mail[0].body
    lost_events = AuditEvent.query.filter_by(action="attempt.lost").all()
    assert {e.participant_id for e in lost_events} == {jo.participant_id, kim.participant_id}
    assert lost_events[0].detail["reason"].startswith("when the engagement deadline was removed")
    change = AuditEvent.query.filter_by(action="window.updated").one().detail[
        "engagement_deadline_change"]
    assert change["change"] == "cleared"
    assert change["entered_at_once"] == [sam.participant_id]
    assert change["lost_at_once"] == sorted([jo.participant_id, kim.participant_id])


def test_removing_it_is_refused_while_a_deferral_request_waits(gated):
    jo = by_email("jo@example.org")
    db.session.add(DeferralRequest(entry_id=jo.id, reason="Illness.", requested_at=NOW,
                                   requested_by=jo.participant_id))
    db.session.commit()
    with pytest.raises(WindowError, match="cannot be removed while 1 deferral request waits"):
        update(gated, None)
    db.session.rollback()
    assert gated["window"].engagement_deadline == ENGAGEMENT
    assert not any(e.entered or e.outcome for e in Entry.query.all())


def test_once_it_has_passed_it_cannot_change(gated):
    with pytest.raises(WindowError, match="The engagement deadline passed at 11:59pm on Tuesday "
                                          "10 November 2026"):
        update(gated, date(2026, 11, 20), at=ENGAGEMENT)


# Through the admin's edit page ----------------------------------------------------------------

FORM = {"name": "Autumn 2026", "first_day": ["24", "11", "2026"], "length_days": "8",
        "release_time": "00:01", "deadline_time": "23:59", "word_limit": "1500",
        "tolerance_percent": "0", "npq_codes": ["NPQLTD"], "second_marking_percent": "10",
        "max_extension_days": "14", "engagement_deadline": ["10", "11", "2026"]}


@pytest.fixture
def page(app, clock):
    with app.app_context():
        window_id = build(clock)["window"].id

    def signed_in(at):
        clock.at(at)
        client = app.test_client()
        login(client, "admin@example.org")
        url = f"/admin/windows/{window_id}/edit"
        return client, lambda **changes: client.post(url, data={**FORM, **changes})
    return signed_in


def confirm(edit, shown, **changes):
    plan = re.search(r'name="confirmed_plan" type="hidden" value="([0-9a-f]+)"', shown.text)
    assert plan, "the page asks for no confirmation"
    return edit(confirm_changes="y", confirmed_plan=plan.group(1), **changes)


def test_the_edit_page_asks_to_confirm_an_earlier_engagement_deadline_then_emails(app, page):
    _, edit = page(NOW)
    earlier = {"engagement_deadline": ["5", "11", "2026"]}
    shown = edit(**earlier)
    assert shown.status_code == 200 and "Check these changes" in shown.text
    assert ("The engagement deadline moves earlier, from 11:59pm on Tuesday 10 November 2026 to "
            "11:59pm on Thursday 5 November 2026. 3 participants waiting for the 90% engagement "
            "check will have less time") in shown.text
    with app.app_context():
        assert not mail("engagement_deadline_moved")
    assert confirm(edit, shown, **earlier).status_code == 302
    with app.app_context():
        assert [m.to for m in mail("engagement_deadline_moved")] == WAITING


def test_the_edit_page_refuses_an_engagement_deadline_already_past(app, page):
    _, edit = page(datetime(2026, 11, 6, 0, 0, tzinfo=UTC))
    refused = edit(engagement_deadline=["5", "11", "2026"])
    assert refused.status_code == 200 and "govuk-error-summary" in refused.text
    assert "The engagement deadline cannot be 11:59pm on Thursday 5 November 2026: that has " \
           "already passed" in refused.text
    with app.app_context():
        assert AssessmentWindow.query.one().engagement_deadline == ENGAGEMENT


def test_the_edit_page_removes_the_engagement_deadline_only_once_confirmed(app, page):
    _, edit = page(NOW)
    cleared = {"engagement_deadline": ["", "", ""]}
    shown = edit(**cleared)
    assert "3 participants waiting for the 90% engagement check will be checked as soon as " \
           "you save" in shown.text
    with app.app_context():
        assert AssessmentWindow.query.one().engagement_deadline == ENGAGEMENT
    assert confirm(edit, shown, **cleared).status_code == 302
    with app.app_context():
        assert AssessmentWindow.query.one().engagement_deadline is None
        assert {e.participant.email: (e.entered, e.outcome) for e in Entry.query.all()} == {
            "sam@example.org": (True, None),
            "jo@example.org": (False, "lost_engagement"),
            "kim@example.org": (False, "lost_engagement")}


def test_the_form_as_shown_saves_without_touching_the_engagement_deadline(app, page):
    _, edit = page(NOW)
    assert edit(name="Autumn 2026 (NPQLTD)").status_code == 302
    with app.app_context():
        assert AssessmentWindow.query.one().engagement_deadline == ENGAGEMENT
        assert not OutboxMessage.query.filter(OutboxMessage.kind.in_(
            ["engagement_deadline_moved", "engagement_lost"])).count()

