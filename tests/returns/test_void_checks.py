"""Voiding and amending a released result go through a check that says what happens to the
attempt and to its row in the DfE return; nothing changes before the check's button, and a
decision the service would refuse comes back on the form instead of a check."""

from datetime import timedelta

from page_html import classed, confirmed_post, one, parse
from returns.conftest import AFTER_CLOSE, add_ec_claim, signed_in
from werkzeug.datastructures import MultiDict

from assessment_app.extensions import db
from assessment_app.models import EcClaim, Entry, OutboxMessage, OutcomeAmendment

LATER = AFTER_CLOSE + timedelta(days=3)


def facts(response) -> dict[str, str]:
    page = parse(response)
    return {one(r, "./dt").text_content().strip(): one(r, "./dd").text_content().strip()
            for r in page.xpath(f"//*[{classed('govuk-summary-list__row')}]")}


def test_voiding_a_released_fail_by_an_ec_decision_is_checked_first(app, released, clock):
    """Jo's released fail: the check says it becomes voided and the DfE row is amended; only
    the button voids it."""
    jo = released.entry_ids[1]
    with app.app_context():
        claim_id = add_ec_claim(db.session.get(Entry, jo), "Bereavement.", "letter.pdf").id
    admin = signed_in(app, clock, "boss@example.org", at=LATER)
    data = {"decision": "void", "reason": "Bereavement during the window."}
    check = admin.post(f"/admin/claims/{claim_id}", data=data)
    shown = facts(check)
    assert one(parse(check), "//h1").text == "Check before you void this attempt"
    assert shown["Decision"] == "Void the attempt (it does not count)"
    assert shown["What happens to the attempt"] == (
        "The attempt's outcome changes from failed to voided (does not count). It is already "
        "in the DfE return: the row is amended (and kept), and the participant is emailed the "
        "amendment.")
    with app.app_context():
        assert db.session.get(Entry, jo).outcome == "failed"
        assert db.session.get(EcClaim, claim_id).decided_at is None
        assert OutboxMessage.query.filter_by(kind="outcome_amended").count() == 0
    assert confirmed_post(admin, f"/admin/claims/{claim_id}", data,
                          follow_redirects=False).status_code == 302
    with app.app_context():
        assert db.session.get(Entry, jo).outcome == "voided"
        assert OutcomeAmendment.query.count() == 1


def test_a_decision_the_service_refuses_comes_back_on_the_form_not_as_a_check(
        app, released, clock):
    """An extension past the window's limit is refused before any check, keeping the text."""
    jo = released.entry_ids[1]
    with app.app_context():
        claim_id = add_ec_claim(db.session.get(Entry, jo), "Illness.", "note.pdf").id
    admin = signed_in(app, clock, "boss@example.org", at=LATER)
    refused = admin.post(f"/admin/claims/{claim_id}", data=MultiDict([
        ("decision", "extension"), ("reason", "Hospital stay."), ("until", "1"),
        ("until", "6"), ("until", "2027")]))
    assert "Check before you" not in refused.text and "Hospital stay." in refused.text
    assert one(parse(refused), "//title").text.startswith("Error: ")
    with app.app_context():
        assert db.session.get(EcClaim, claim_id).decided_at is None
        assert db.session.get(Entry, jo).extended_closes_at is None


def test_an_amendment_is_checked_before_it_is_made(app, released, clock):
    jo = released.entry_ids[1]
    admin = signed_in(app, clock, "boss@example.org", at=LATER)
    with app.app_context():
        entry = db.session.get(Entry, jo)
        url = f"/admin/participants/{entry.participant_id}/entries/{jo}/amend"
    data = {"outcome": "passed", "completion": "keep", "reason": "Review: diagnosis secure."}
    shown = facts(admin.post(url, data=data))
    assert shown["New outcome"] == "Passed"
    assert shown["What happens"].startswith(
        "The attempt's outcome changes from failed to passed. It is already in the DfE return")
    with app.app_context():
        assert db.session.get(Entry, jo).outcome == "failed"
        assert OutcomeAmendment.query.count() == 0
    confirmed_post(admin, url, data)
    with app.app_context():
        assert db.session.get(Entry, jo).outcome == "passed"
