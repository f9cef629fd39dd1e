"""Opening a misconduct case needs a reason and a check; deciding a case and recording an
appeal's outcome each show what will happen to the attempt first. Nothing is recorded before
the check's button; the reason is kept on the case, shown on its page and audited."""

from factories import PASSWORD, login
from integrity.conftest import open_case
from page_html import by_id, classed, confirmed_post, error_links, one, parse

from assessment_app.models import AuditEvent, MisconductCase, OutboxMessage


def admin_client(app, email="boss@example.org"):
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def facts(response) -> dict[str, str]:
    page = parse(response)
    return {one(r, "./dt").text_content().strip(): one(r, "./dd").text_content().strip()
            for r in page.xpath(f"//*[{classed('govuk-summary-list__row')}]")}


def test_opening_a_case_asks_why_then_checks_then_opens_it_with_the_reason(app, scripts, clock):
    admin = admin_client(app)
    entry_id = scripts.entries["verbatim"]
    url = f"/admin/entries/{entry_id}/misconduct"
    form = admin.get(url)
    assert form.status_code == 200 and "Why are you opening a case?" in form.text
    refused = admin.post(url, data={"reason": "  "})
    page = parse(refused)
    assert refused.status_code == 400 and one(page, "//title").text.startswith("Error: ")
    assert error_links(page) == ["#reason"]
    assert "Give the reason for opening the case" in by_id(page, "reason-error").text_content()
    check = admin.post(url, data={"reason": "Word for word the same as the original."})
    shown = facts(check)
    assert "Check before you open a misconduct case" in check.text
    assert shown["Participant"].startswith("Verbatim, candidate ")
    assert shown["Why you are opening it"] == "Word for word the same as the original."
    assert "The participant is not told" in shown["What happens"]
    with app.app_context():
        assert MisconductCase.query.count() == 0
    case_url = open_case(admin, entry_id, "Word for word the same as the original.")
    with app.app_context():
        case = MisconductCase.query.one()
        assert case.opening_reason == "Word for word the same as the original."
        opened = AuditEvent.query.filter_by(action="misconduct.opened").one()
        assert opened.detail["reason"] == "Word for word the same as the original."
    page = parse(admin.get(case_url))
    row = one(page, "//dt[.='Why it was opened']/following-sibling::dd")
    assert row.text_content() == "Word for word the same as the original."
    # The comparison's button leads to the reason, not straight to a case.
    assert admin.get(url).location == case_url


def test_deciding_shows_what_happens_before_anything_is_recorded(app, scripts, clock):
    """Upheld before results: failed at the release, counted; no evidence is a warning. The
    decision is recorded only by the check's button."""
    admin = admin_client(app)
    case_url = open_case(admin, scripts.entries["verbatim"])
    data = {"decision": "upheld", "reason": "The participant admitted copying."}
    check = admin.post(f"{case_url}/decision", data=data)
    shown = facts(check)
    assert shown["Decision"] == "Misconduct found: the attempt is recorded as failed"
    assert shown["What happens to the attempt"].startswith(
        "The attempt will be recorded as failed when results are released, whatever its marks.")
    assert "No evidence is recorded on this case." in check.text
    assert "Confirm and record this decision" in check.text
    with app.app_context():
        assert MisconductCase.query.one().decision is None
    assert confirmed_post(admin, f"{case_url}/decision", data,
                          follow_redirects=False).status_code == 302
    with app.app_context():
        assert MisconductCase.query.one().decision == "upheld"


def test_a_case_decided_meanwhile_is_not_decided_again(app, scripts, clock):
    """Two admins check the same case; the second one's button finds it decided."""
    admin, other = admin_client(app), admin_client(app)
    case_url = open_case(admin, scripts.entries["verbatim"])
    data = {"decision": "no_case", "reason": "Both quote the same report."}
    fingerprint = one(parse(other.post(f"{case_url}/decision", data=data)),
                      "//input[@name='check']").get("value")
    confirmed_post(admin, f"{case_url}/decision",
                   {"decision": "upheld", "reason": "Copied."}, follow_redirects=False)
    late = other.post(f"{case_url}/decision", data=data | {"check": fingerprint})
    assert late.status_code == 200 and "This case already has a decision." in late.text
    assert "Something changed after you checked" in late.text
    with app.app_context():
        assert MisconductCase.query.one().decision == "upheld"


def test_an_appeal_is_recorded_only_from_its_check(app, scripts, clock):
    admin = admin_client(app)
    case_url = open_case(admin, scripts.entries["verbatim"])
    confirmed_post(admin, f"{case_url}/decision", {"decision": "upheld", "reason": "Copied."})
    data = {"appeal": "dismissed", "appeal_reason": "The evidence stands."}
    check = admin.post(f"{case_url}/appeal", data=data)
    assert facts(check)["What happens"].startswith("The finding and the fail stand.")
    with app.app_context():
        assert MisconductCase.query.one().appeal_decision is None
    confirmed_post(admin, f"{case_url}/appeal", data)
    with app.app_context():
        assert MisconductCase.query.one().appeal_decision == "dismissed"
        # Its email's kind fits the outbox's 40 characters (PostgreSQL refused the old one).
        assert OutboxMessage.query.filter_by(kind="misconduct_appeal_decision").count() == 1


def test_a_reason_on_several_lines_is_confirmed_as_typed(app, scripts, clock):
    """A browser sends a textarea's line breaks as CR LF; the check page posts them back as
    they were, so the button confirms the check it showed (not "something changed")."""
    admin = admin_client(app)
    reason = "Pages 1 to 3 match the original.\r\nThe references match too."
    case_url = open_case(admin, scripts.entries["verbatim"], reason)
    with app.app_context():
        assert MisconductCase.query.one().opening_reason == reason
    assert case_url.startswith("/admin/misconduct/")
