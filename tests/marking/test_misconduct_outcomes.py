"""An upheld academic-misconduct case fails the attempt as the provider's policy sets: at the
results release if results are not yet recorded, else by an amendment with the reason (the DfE
return marks it amended); no case to answer changes nothing. Every step is audited."""

import csv
import io

from factories import PASSWORD, login
from marking.conftest import AFTER_CLOSE
from marking.test_checking_gates import first_marked, window_of
from page_html import confirmed_post

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Entry, MisconductCase, OutcomeAmendment, User
from assessment_app.services import misconduct, results


def admin_of(closed):
    return db.session.get(User, closed.admin_id)


def release(closed):
    results.release_results(window_of(closed), AFTER_CLOSE, admin_of(closed), AFTER_CLOSE)


def decide(closed, entry_id, decision, reason="Copied from a peer's script."):
    case = misconduct.open_case(db.session.get(Entry, entry_id), "Copied from another script.",
                                admin_of(closed), AFTER_CLOSE)
    applied = misconduct.decide(case, decision, reason, admin_of(closed), AFTER_CLOSE)
    db.session.commit()  # as the request does
    return applied


def test_upheld_before_results_records_a_failed_attempt_at_release(app, closed, clock):
    """Jo's marks pass, but her upheld case makes the release record her attempt as failed;
    Sam, whose case found nothing, and Alex keep their marked outcome."""
    sam, jo, alex = closed.entry_ids
    first_marked(app, closed)
    with app.app_context():
        assert decide(closed, jo, "upheld").value == "at_release"
        assert decide(closed, sam, "no_case").value == "nothing"
        assert db.session.get(Entry, jo).outcome is None  # nothing shows before results
        release(closed)
        assert {e: db.session.get(Entry, e).outcome for e in closed.entry_ids} == {
            sam: "passed", jo: "failed", alex: "passed"}
        decided = AuditEvent.query.filter_by(action="misconduct.decided").order_by(AuditEvent.id)
        assert [(a.detail["decision"], a.actor_id) for a in decided] == [
            ("upheld", closed.admin_id), ("no_case", closed.admin_id)]


def test_upheld_after_results_amends_the_outcome_with_the_reason(app, closed, clock):
    """After release Jo's pass becomes a fail by an amendment carrying the reason, emailed and
    audited; the DfE return shows the row as amended from passed."""
    _, jo, _ = closed.entry_ids
    first_marked(app, closed)
    with app.app_context():
        release(closed)
        assert decide(closed, jo, "upheld", "Two pages copied from a 2025 script.").value == "amend"
        db.session.commit()  # as the request does
        entry = db.session.get(Entry, jo)
        amendment = OutcomeAmendment.query.filter_by(entry_id=jo).one()
        assert entry.outcome == "failed" and amendment.previous_outcome == "passed"
        assert amendment.reason == "Academic misconduct: Two pages copied from a 2025 script."
        assert AuditEvent.query.filter_by(action="outcome.amended").count() == 1
        case = MisconductCase.query.filter_by(entry_id=jo).one()
        assert case.decision == "upheld" and case.decided_by == closed.admin_id
    client = app.test_client()
    login(client, "boss@example.org", PASSWORD)
    report = client.get(f"/admin/windows/{closed.window_id}/reports/dfe-return.csv").text
    row = {r["email"]: r for r in csv.DictReader(io.StringIO(report))}["jo@example.org"]
    assert (row["outcome"], row["amended"], row["previous_outcome"]) == ("failed", "yes", "passed")


def test_no_case_to_answer_after_results_changes_nothing(app, closed, clock):
    _, jo, _ = closed.entry_ids
    first_marked(app, closed)
    with app.app_context():
        release(closed)
        assert decide(closed, jo, "no_case").value == "nothing"
        assert db.session.get(Entry, jo).outcome == "passed"
        assert OutcomeAmendment.query.count() == 0


def test_a_participant_failed_for_misconduct_sees_why_and_how_to_appeal_not_a_review(
        app, closed, clock):
    """Jo's result says the attempt was failed for misconduct, with the reason and how to
    appeal, and offers no review of marking; the admin records the appeal allowed, with a
    reason, and her marks decide again (an amendment she is told about)."""
    _, jo, _ = closed.entry_ids
    first_marked(app, closed)
    with app.app_context():
        release(closed)
        decide(closed, jo, "upheld", "Two pages copied from a 2025 script.")
        db.session.commit()  # as the request does
        case_id = MisconductCase.query.filter_by(entry_id=jo).one().id
    participant = app.test_client()
    login(participant, "jo@example.org", PASSWORD)
    page = participant.get(f"/assessments/{jo}/result").text
    assert "Not passed: academic misconduct" in page
    assert "Two pages copied from a 2025 script." in page and "appeal against it" in page
    assert "ask for a review of marking" not in page
    refused = participant.post(f"/assessments/{jo}/review", data={"grounds": "Marked wrongly"})
    assert "failed for academic misconduct" in refused.text
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    case_url = f"/admin/misconduct/{case_id}"
    assert "Outcome of the appeal" in admin.get(case_url).text
    missing = admin.post(f"{case_url}/appeal", data={"appeal": "allowed", "appeal_reason": " "})
    assert missing.status_code == 400 and "Give the reason" in missing.text
    allowed = confirmed_post(admin, f"{case_url}/appeal", {
        "appeal": "allowed", "appeal_reason": "The 2025 script was her own earlier draft."},
        follow_redirects=False)
    assert allowed.status_code == 302
    with app.app_context():
        assert db.session.get(Entry, jo).outcome == "passed"
        assert [a.new_outcome for a in OutcomeAmendment.query.order_by(OutcomeAmendment.id)] == [
            "failed", "passed"]
        assert AuditEvent.query.filter_by(action="misconduct.appeal_decided").count() == 1
    assert "Passed" in participant.get(f"/assessments/{jo}/result").text


def test_after_results_the_check_says_the_pass_becomes_a_fail_by_an_amendment(
        app, closed, clock):
    jo = closed.entry_ids[1]
    first_marked(app, closed)
    with app.app_context():
        admin = db.session.get(User, closed.admin_id)
        results.release_results(window_of(closed), AFTER_CLOSE, admin, AFTER_CLOSE)
        case = misconduct.open_case(db.session.get(Entry, jo), "Reported by a marker.", admin,
                                    AFTER_CLOSE)
        db.session.commit()
        case_url = f"/admin/misconduct/{case.id}"
    clock.at(AFTER_CLOSE)
    client = app.test_client()
    login(client, "boss@example.org", PASSWORD)
    check = client.post(f"{case_url}/decision", data={"decision": "upheld", "reason": "Copied."})
    assert "Check before you record this decision" in check.text
    assert (
        "The recorded outcome (Passed) becomes failed now, by an amendment: the participant is "
        "emailed and the DfE return shows the row as amended") in check.text
    with app.app_context():
        assert db.session.get(Entry, jo).outcome == "passed"
