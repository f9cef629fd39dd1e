"""The DfE return and the provider report as admins download them, and amending an outcome."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from docx import Document
from page_html import confirmed_post
from returns.conftest import signed_in
from sqlalchemy.exc import IntegrityError

from assessment_app.dfe_return import dfe_outcome
from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Entry, OutboxMessage, OutcomeAmendment, User

LATER = datetime(2027, 1, 12, 10, 0, tzinfo=UTC)


def rows(client, window_id, report):
    response = client.get(f"/admin/windows/{window_id}/reports/{report}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.text)))


def set_outcomes(app, outcomes):
    """Give entries recorded outcomes directly, as outcomes.settle leaves them: {entry_id:
    (outcome, completed_at)}; one the DfE is told about is what the return reports."""
    with app.app_context():
        for entry_id, (outcome, at) in outcomes.items():
            entry = db.session.get(Entry, entry_id)
            entry.outcome, entry.completed_at = outcome, at
            if dfe_outcome(outcome) is not None:
                entry.reported_outcome, entry.reported_completed_at = outcome, at
        db.session.commit()


def test_the_dfe_return_has_dfe_states_only_with_completion_dates(app, closed, clock):
    """Not submitted and lost at the engagement gate are DfE fails; a deferred attempt has no row;
    voided is reported; nothing is in an internal state."""
    sam, jo, alex = closed.entry_ids
    set_outcomes(app, {sam: ("not_submitted", datetime(2026, 12, 2, tzinfo=UTC)),
                       jo: ("lost_engagement", datetime(2026, 11, 10, 23, 30, tzinfo=UTC)),
                       alex: ("deferred", datetime(2026, 11, 5, tzinfo=UTC))})
    admin = signed_in(app, clock, "boss@example.org")
    got = {r["email"]: r for r in rows(admin, closed.window_id, "dfe-return")}
    assert set(got) == {"sam@example.org", "jo@example.org"}
    assert got["sam@example.org"]["outcome"] == "failed"
    assert got["sam@example.org"]["completion_date"] == "2026-12-02"
    assert got["jo@example.org"]["outcome"] == "failed"
    assert got["jo@example.org"]["completion_date"] == "2026-11-10"
    assert all(r["amended"] == "no" for r in got.values())
    set_outcomes(app, {alex: ("voided", datetime(2026, 12, 5, tzinfo=UTC))})
    assert {r["email"]: r["outcome"] for r in rows(admin, closed.window_id, "dfe-return")}[
        "alex@example.org"] == "voided"


def test_attempts_in_progress_have_no_row_in_the_dfe_return(app, closed, clock):
    admin = signed_in(app, clock, "boss@example.org")
    assert rows(admin, closed.window_id, "dfe-return") == []
    assert {r["outcome"] for r in rows(admin, closed.window_id, "provider-results")} == {"in_progress"}


def test_released_results_are_in_the_dfe_return(app, released, clock):
    admin = signed_in(app, clock, "boss@example.org")
    got = {r["email"]: (r["outcome"], r["completion_date"], r["npq"], r["window"])
           for r in rows(admin, released.window_id, "dfe-return")}
    assert got == {"sam@example.org": ("passed", "2026-12-03", "NPQLTD", "Autumn 2026"),
                   "jo@example.org": ("failed", "2026-12-03", "NPQLTD", "Autumn 2026"),
                   "alex@example.org": ("passed", "2026-12-03", "NPQLTD", "Autumn 2026")}


def test_the_provider_report_keeps_internal_detail_and_iso_timestamps(app, released, clock):
    admin = signed_in(app, clock, "boss@example.org")
    jo = next(r for r in rows(admin, released.window_id, "provider-results")
              if r["email"] == "jo@example.org")
    assert jo["outcome"] == "failed" and jo["dfe_outcome"] == "failed"
    assert jo["school"] == "Riverside Academy" and jo["attempt_number"] == "1"
    assert jo["completed_at"] == "2026-12-03T09:00:00+00:00"
    assert jo["amendments"] == "0"


def amend(client, released, who, data, confirm=False):
    """Post the amendment form; with `confirm`, then press the check page's button."""
    with client.application.app_context():
        entry = db.session.get(Entry, released.entry_ids[who])
        url = f"/admin/participants/{entry.participant_id}/entries/{entry.id}/amend"
    if confirm:
        return url, confirmed_post(client, url, data, follow_redirects=False)
    return url, client.post(url, data=data)


def test_an_admin_amends_an_outcome_after_a_review(app, released, clock):
    """Jo's fail becomes a pass after a review: the entry changes, the amendment is kept with
    who, when and why, audited, emailed, shown on the participant page and marked in the return."""
    admin = signed_in(app, clock, "boss@example.org", at=LATER)
    url, response = amend(admin, released, 1, {"outcome": "passed", "completion": "keep",
                                               "reason": "Review of marking: diagnosis secure."},
                          confirm=True)
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.get(Entry, released.entry_ids[1])
        assert entry.outcome == "passed"
        assert entry.completed_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
        amendment = OutcomeAmendment.query.one()
        assert (amendment.previous_outcome, amendment.new_outcome) == ("failed", "passed")
        assert amendment.amended_by == released.admin_id and amendment.amended_at == LATER
        event = AuditEvent.query.filter_by(action="outcome.amended").one()
        assert event.participant_id == entry.participant_id and event.actor_id == released.admin_id
        assert event.detail["before"] == "failed" and event.detail["after"] == "passed"
        mail = OutboxMessage.query.filter_by(kind="outcome_amended").one()
        assert mail.to == "jo@example.org" and "Review of marking: diagnosis secure." in mail.body
        assert "It was: Failed" in mail.body and "It is now: Passed" in mail.body
        user_id = entry.participant_id
    page = admin.get(f"/admin/participants/{user_id}").text
    assert "Amendments to outcomes" in page and "Review of marking: diagnosis secure." in page
    jo = next(r for r in rows(admin, released.window_id, "dfe-return") if r["email"] == "jo@example.org")
    assert (jo["outcome"], jo["completion_date"]) == ("passed", "2026-12-03")
    assert (jo["amended"], jo["amended_on"]) == ("yes", "2027-01-12")
    assert (jo["previous_outcome"], jo["previous_completion_date"]) == ("failed", "2026-12-03")
    others = [r for r in rows(admin, released.window_id, "dfe-return") if r["email"] != "jo@example.org"]
    assert {r["amended"] for r in others} == {"no"}
    provider = next(r for r in rows(admin, released.window_id, "provider-results")
                    if r["email"] == "jo@example.org")
    assert provider["amendments"] == "1" and provider["last_amended_at"] == "2027-01-12T10:00:00+00:00"


def test_the_participant_sees_the_amended_outcome(app, released, clock):
    admin = signed_in(app, clock, "boss@example.org", at=LATER)
    amend(admin, released, 1, {"outcome": "passed", "completion": "keep", "reason": "Review upheld."},
          confirm=True)
    jo = signed_in(app, clock, "jo@example.org", at=LATER)
    page = jo.get(f"/assessments/{released.entry_ids[1]}/result").text
    assert ">Passed</h2>" in page and "Review upheld." in page
    feedback = Document(io.BytesIO(jo.get(f"/assessments/{released.entry_ids[1]}/result/feedback.docx").data))
    assert "Outcome: Passed" in [p.text for p in feedback.paragraphs]


def test_a_late_ec_decision_voids_a_not_submitted_attempt_dated_today(app, closed, clock):
    """The DfE had a fail (not submitted); the row becomes voided, completed on the day of the
    amendment, and says what it replaced."""
    set_outcomes(app, {closed.entry_ids[0]: ("not_submitted", datetime(2026, 12, 2, tzinfo=UTC))})
    # 23:30 UTC on 30 June 2027 is 1 July in London: the completion date is London's.
    admin = signed_in(app, clock, "boss@example.org", at=datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    url, response = amend(admin, closed, 0, {"outcome": "passed", "completion": "today", "reason": "x"})
    assert response.status_code == 200  # passed is not offered: nothing was marked
    url, response = amend(admin, closed, 0, {"outcome": "voided", "completion": "today",
                                             "reason": "EC accepted late: hospital admission."},
                          confirm=True)
    assert response.status_code == 302
    sam = next(r for r in rows(admin, closed.window_id, "dfe-return") if r["email"] == "sam@example.org")
    assert (sam["outcome"], sam["completion_date"], sam["amended_on"]) == ("voided", "2027-07-01", "2027-07-01")
    assert (sam["previous_outcome"], sam["previous_completion_date"]) == ("failed", "2026-12-02")


def test_an_amendment_without_a_reason_is_refused_and_nothing_changes(app, released, clock):
    admin = signed_in(app, clock, "boss@example.org", at=LATER)
    url, response = amend(admin, released, 1, {"outcome": "passed", "completion": "keep", "reason": " "})
    assert response.status_code == 200
    assert "Give the reason for the amendment" in response.text
    assert 'class="govuk-error-summary' in response.text
    with app.app_context():
        assert db.session.get(Entry, released.entry_ids[1]).outcome == "failed"
        assert OutcomeAmendment.query.count() == 0


def test_only_recorded_outcomes_can_be_amended_and_only_by_admins(app, closed, clock):
    """An attempt in progress (or deferred) has no amendment page; markers and participants
    cannot reach one at all."""
    admin = signed_in(app, clock, "boss@example.org")
    url, response = amend(admin, closed, 0, {})
    person = url.split("/entries/")[0]
    assert admin.get(url).status_code == 404 and url not in admin.get(person).text
    set_outcomes(app, {closed.entry_ids[0]: ("passed", datetime(2026, 12, 3, tzinfo=UTC))})
    assert admin.get(url).status_code == 200 and url in admin.get(person).text
    for email in ("m1@example.org", "sam@example.org"):
        assert signed_in(app, clock, email).get(url).status_code == 403


@pytest.mark.parametrize("change, constraint", [
    ({"new_outcome": "not_submitted"}, "new_outcome_dfe"),
    ({"new_outcome": "failed"}, "outcome_changes"),
    ({"previous_outcome": "deferred"}, "previous_outcome_recorded"),
    ({"reason": "  "}, "reason_given"),
])
def test_the_database_refuses_an_impossible_amendment(app, released, change, constraint):
    with app.app_context():
        values = {"entry_id": released.entry_ids[1], "previous_outcome": "failed",
                  "previous_completed_at": LATER, "new_outcome": "passed",
                  "new_completed_at": LATER, "reason": "Review", "amended_by": released.admin_id,
                  "amended_at": LATER + timedelta(minutes=1)} | change
        db.session.add(OutcomeAmendment(**values))
        with pytest.raises(IntegrityError, match=constraint):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(User, released.admin_id) is not None
