"""A mark is final only from its check page: the form's Continue (and Enter, which presses it)
saves a draft; the check page shows every level and comment with a link back to its field,
the outcome the rubric's rule gives and what happens next; its button makes final only the
mark it showed. A mark missing a comment the rubric asks for goes back to the form with the
GOV.UK errors and everything typed."""

import re

import pytest
from marking.conftest import AFTER_CLOSE, rubric_form, submit_through_check
from marking.test_checking_gates import client_for, disagreement
from marking.test_marking_pages import nina_and_her_script
from page_html import by_id, classed, described_by, error_links, one, parse, text_of

from assessment_app.extensions import db
from assessment_app.models import Allocation, AllocationStatus, AuditEvent, Moderation
from assessment_app.services import exports, rubric_store


def npqltd(app):
    with app.app_context():
        return rubric_store.rubric_for("NPQLTD")


def status_and_outcome(app, number):
    with app.app_context():
        allocation = next(a for a in Allocation.query if a.candidate_number == number)
        return allocation.status, allocation.mark.outcome if allocation.mark else None


def fingerprint_on(page_text: str) -> str:
    return re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page_text).group(1)


def test_continue_saves_a_draft_and_nothing_is_final_before_the_check_pages_button(
        app, closed, clock):
    """Continue keeps the draft and goes to the check page; opening the check page changes
    nothing; only its "Submit mark" makes the mark final (status, outcome, audit)."""
    nina, number = nina_and_her_script(app, closed, clock)
    url = f"/marking/scripts/{number}"
    continued = nina.post(url, data={**rubric_form(level="strong"), "action": "continue"})
    assert continued.status_code == 302 and continued.headers["Location"].endswith(f"{url}/check")
    check = nina.get(f"{url}/check")
    assert check.status_code == 200 and "Check your marks before submitting" in check.text
    assert status_and_outcome(app, number) == (AllocationStatus.ALLOCATED, None)
    with app.app_context():
        assert not AuditEvent.query.filter_by(action="mark.submitted").count()
    done = nina.post(f"{url}/check", data={"fingerprint": fingerprint_on(check.text)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/marking/")
    status, outcome = status_and_outcome(app, number)
    assert status is AllocationStatus.SUBMITTED and outcome.value == "pass"
    with app.app_context():
        assert AuditEvent.query.filter_by(action="mark.submitted").count() == 1


@pytest.mark.parametrize("action", ["submit", None, "anything"])
def test_no_post_of_the_form_makes_a_mark_final(app, closed, clock, action):
    """Enter in the form sends its first button (Continue), or no button at all in an old
    browser; an old page's "submit" is no different: each only saves the draft."""
    nina, number = nina_and_her_script(app, closed, clock)
    data = rubric_form(level="strong") | ({"action": action} if action else {})
    answer = nina.post(f"/marking/scripts/{number}", data=data)
    assert answer.headers["Location"].endswith(f"/marking/scripts/{number}/check")
    assert status_and_outcome(app, number) == (AllocationStatus.ALLOCATED, None)


def test_the_form_puts_continue_first_so_enter_goes_there(app, closed, clock):
    """A browser's implicit submission uses the form's first submit button."""
    nina, number = nina_and_her_script(app, closed, clock)
    page = parse(nina.get(f"/marking/scripts/{number}"))
    form = one(page, f"//*[{classed('app-workbench__marking')}]//form[.//fieldset]")
    buttons = form.xpath(".//button[@type='submit']")
    assert [(b.get("value"), text_of(b)) for b in buttons] == [("continue", "Continue"),
                                                               ("save", "Save draft")]
    assert "Submit mark" not in text_of(form)


@pytest.mark.parametrize("levels, shown, borderline", [
    ({"level": "strong"}, "Pass", False),
    ({"level": "secure"}, "Pass", True),
    ({"level": "strong", "diagnosis": "developing"}, "Fail", True),
    ({"level": "developing"}, "Fail", False),
])
def test_the_outcome_shown_is_the_rubrics_rule(app, closed, clock, levels, shown, borderline):
    """The check page's outcome and borderline note are the rule's (Rubric.outcome and
    is_borderline), and the submitted mark records the same."""
    nina, number = nina_and_her_script(app, closed, clock)
    form = rubric_form(**levels)
    rubric = npqltd(app)
    chosen = {c.id: form[f"level-{c.id}"] for c in rubric.criteria}
    assert rubric.outcome(chosen) == shown.lower() and rubric.is_borderline(chosen) == borderline
    nina.post(f"/marking/scripts/{number}", data=form)
    page = parse(nina.get(f"/marking/scripts/{number}/check"))
    outcome = text_of(by_id(page, "outcome"))
    assert f"The rubric’s rule gives: {shown}" in outcome
    assert ("borderline" in outcome) == borderline
    assert rubric.describe_pass_rule() in text_of(page)
    submit_through_check(nina, f"/marking/scripts/{number}", form)
    assert status_and_outcome(app, number)[1].value == shown.lower()


def test_the_check_page_shows_every_level_and_comment_with_a_change_link_to_its_field(
        app, closed, clock):
    nina, number = nina_and_her_script(app, closed, clock)
    url = f"/marking/scripts/{number}"
    form = rubric_form(diagnosis="developing")
    nina.post(url, data=form)
    page = parse(nina.get(f"{url}/check"))
    rubric = npqltd(app)
    cards = page.xpath(f"//*[{classed('govuk-summary-card')}]")
    assert len(cards) == len(rubric.criteria)
    field_page = parse(nina.get(url))
    for card, criterion in zip(cards, rubric.criteria, strict=True):
        text = text_of(card)
        assert criterion.title in text and f"Comment on {criterion.id}" in text
        assert rubric.level(form[f"level-{criterion.id}"]).title in text
        links = card.xpath(".//a[contains(., 'Change')]/@href")
        assert links == [f"{url}#level-{criterion.id}-not_evident", f"{url}#comment-{criterion.id}"]
        for link in links:  # each lands on a field of the form
            by_id(field_page, link.split("#")[1])
    feedback = one(page, "//a[contains(., 'the overall feedback')]")
    assert feedback.get("href") == f"{url}#feedback"
    assert "A clear diagnosis and a workable plan." in text_of(page)
    assert "Every fail and every borderline script is second-marked blind" in text_of(page)
    button = one(page, "//form[.//input[@name='fingerprint']]//button")
    assert text_of(button) == "Submit mark"


def test_a_mark_missing_comments_is_refused_field_by_field_keeping_what_was_typed(
        app, closed, clock):
    """The rubric asks for a comment on every criterion and the feedback: Continue with one
    comment blank and no feedback is refused with an error summary linked to each field,
    each field's own message, "Error:" in the title, everything typed kept on the page and
    in the draft, and the mark not final."""
    nina, number = nina_and_her_script(app, closed, clock)
    form = rubric_form(diagnosis="developing") | {"comment-teaching": "  ", "feedback": ""}
    answer = nina.post(f"/marking/scripts/{number}", data={**form, "action": "continue"})
    assert answer.status_code == 200
    page = parse(answer)
    assert page.findtext(".//title").startswith("Error:")
    assert error_links(page) == ["#comment-teaching", "#feedback"]
    for field in ("comment-teaching", "feedback"):
        assert f"{field}-error" in described_by(by_id(page, field))
        assert text_of(by_id(page, f"{field}-error")).startswith("Error:")
    assert "Enter a comment on “Grounding development in effective teaching”" in text_of(page)
    assert by_id(page, "level-diagnosis-developing").get("checked") is not None
    assert by_id(page, "comment-diagnosis").text == "Comment on diagnosis"
    assert status_and_outcome(app, number) == (AllocationStatus.ALLOCATED, None)
    # The draft holds what was typed, and its check page sends the marker back to the form.
    again = parse(nina.get(f"/marking/scripts/{number}/check"))
    assert error_links(again) == ["#comment-teaching", "#feedback"]
    assert by_id(again, "comment-diagnosis").text == "Comment on diagnosis"


def test_a_stale_check_page_is_refused_and_shows_the_mark_as_it_is_now(app, closed, clock):
    """The check page was opened; the draft then changed in another tab. Its button submits
    nothing, says why, and shows the new mark; that page's button then submits it."""
    nina, number = nina_and_her_script(app, closed, clock)
    url = f"/marking/scripts/{number}"
    nina.post(url, data=rubric_form(level="strong"))
    seen = fingerprint_on(nina.get(f"{url}/check").text)
    nina.post(url, data={**rubric_form(level="strong", diagnosis="developing"), "action": "save"})
    refused = nina.post(f"{url}/check", data={"fingerprint": seen})
    assert refused.status_code == 200
    page = parse(refused)
    assert page.findtext(".//title").startswith("Error:")
    assert "The mark has changed since this page was shown" in text_of(page)
    assert "The rubric’s rule gives: Fail" in text_of(by_id(page, "outcome"))
    assert status_and_outcome(app, number) == (AllocationStatus.ALLOCATED, None)
    assert nina.post(f"{url}/check", data={"fingerprint": ""}).status_code == 200
    assert status_and_outcome(app, number) == (AllocationStatus.ALLOCATED, None)
    nina.post(f"{url}/check", data={"fingerprint": fingerprint_on(refused.text)})
    status, outcome = status_and_outcome(app, number)
    assert status is AllocationStatus.SUBMITTED and outcome.value == "fail"


def test_a_submitted_marks_check_page_goes_back_to_the_mark(app, closed, clock):
    nina, number = nina_and_her_script(app, closed, clock)
    url = f"/marking/scripts/{number}"
    submit_through_check(nina, url, rubric_form(level="strong"))
    for answer in (nina.get(f"{url}/check"), nina.post(f"{url}/check", data={"fingerprint": ""})):
        assert answer.status_code == 302 and answer.headers["Location"].endswith(url)


def test_a_moderators_decision_is_a_draft_until_its_check_page_records_it(app, closed, clock):
    """Continue keeps the levels and reason on the undecided case (not in the export, which
    shows decisions only); a stale check page records nothing; the check page's button records
    the decision the page showed."""
    case_id = disagreement(app, closed)
    priya = client_for(app, clock, "mod@example.org")
    url = f"/marking/moderation/{case_id}"
    form = {**rubric_form(diagnosis="developing"), "reason": "Partial diagnosis."}
    assert priya.post(url, data=form).headers["Location"].endswith(f"{url}/check")
    with app.app_context():
        case = db.session.get(Moderation, case_id)
        assert case.decided_at is None and case.outcome is None and case.reason == "Partial diagnosis."
        rows = "".join(exports.marks_csv(case.entry.window, AFTER_CLOSE))
        assert case.entry.candidate_number in rows and "Partial diagnosis." not in rows
    page = priya.get(f"{url}/check").text
    assert "The rubric’s rule gives: <strong>Fail</strong>" in page
    assert "Partial diagnosis." in page and "Record final mark" in page
    priya.post(url, data={**form, "reason": "Changed in another tab."})
    refused = priya.post(f"{url}/check", data={"fingerprint": fingerprint_on(page)})
    assert "The mark has changed since this page was shown" in refused.text
    with app.app_context():
        assert db.session.get(Moderation, case_id).decided_at is None
    priya.post(f"{url}/check", data={"fingerprint": fingerprint_on(refused.text)})
    with app.app_context():
        case = db.session.get(Moderation, case_id)
        assert case.outcome.value == "fail" and case.reason == "Changed in another tab."


def test_a_moderation_without_a_reason_is_refused_on_its_field(app, closed, clock):
    case_id = disagreement(app, closed)
    priya = client_for(app, clock, "mod@example.org")
    page = parse(priya.post(f"/marking/moderation/{case_id}", data=rubric_form()))
    assert error_links(page) == ["#reason"]
    assert "reason-error" in described_by(by_id(page, "reason"))
    assert page.findtext(".//title").startswith("Error:")
    assert by_id(page, "feedback").text == "A clear diagnosis and a workable plan."
