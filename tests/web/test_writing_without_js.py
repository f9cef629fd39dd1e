"""Writing without JavaScript, and after signing out elsewhere: a "Save draft" button that saves
and comes back, a hint that does not promise saving as you type, and text that is never lost
when the server cannot take it (shown back, and kept by the editor for after sign-in)."""

import re

from moments import DURING
from page_html import by_id, classed, one, parse, text_of
from web.test_ended_attempt_pages import ended  # noqa: F401

from assessment_app.attempts import AttemptOutcome
from assessment_app.extensions import db
from assessment_app.models import Draft, SubmissionVersion

TYPED = "Three hundred words typed with JavaScript switched off."


def _saved(app):
    with app.app_context():
        return (db.session.scalar(db.select(Draft.text)),
                db.session.scalar(db.select(db.func.count(SubmissionVersion.id))))


def _token(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)


def test_the_editor_without_javascript_offers_save_draft_and_says_it_is_needed(journey, clock):
    """The hint tells the truth without JavaScript; the button posts the form to the save
    route (the editor's script swaps the hint only once autosave runs)."""
    journey.at(DURING)
    page = parse(journey.client.get(journey.url("/response")))
    hint = text_of(by_id(page, "text-hint"))
    assert "Your text is not saved as you type: select “Save draft”" in hint
    assert "saved as you type." not in hint
    button = one(page, '//form//button[normalize-space()="Save draft"]')
    assert button.get("formaction") == journey.url("/response/draft")
    assert button.get("type") == "submit"


def test_save_draft_saves_and_comes_back_to_the_editor_with_the_time(app, journey, clock):
    journey.at(DURING)
    response = journey.client.post(journey.url("/response/draft"),
                                   data={"text": TYPED, "client_token": "t"})
    assert response.status_code == 302 and response.location.endswith(journey.url("/response"))
    assert _saved(app) == (TYPED, 0)
    page = parse(journey.client.get(journey.url("/response")))
    banner = one(page, f"//*[{classed('govuk-notification-banner--success')}]")
    assert ("Draft saved at 2:30pm on Thursday 26 November 2026. It is not submitted."
            in text_of(banner))
    assert by_id(page, "text").text == TYPED


def test_text_sent_to_an_ended_attempt_is_shown_back(app, journey, ended):  # noqa: F811
    """Saved or submitted after the attempt ended (voided, say), nothing is stored and the
    page shows the text that was sent, to copy."""
    ended(AttemptOutcome.VOIDED)
    before = _saved(app)
    for path in ("/response/draft", "/response"):
        response = journey.client.post(journey.url(path), data={
            "text": TYPED, "declaration": "y", "client_token": "late"})
        assert response.status_code == 409, path
        assert text_of(by_id(parse(response), "posted-text")) == TYPED, path
    assert _saved(app) == before


def test_submitting_after_signing_out_elsewhere_says_not_submitted_and_shows_the_text(
        app, journey, clock):
    """Signed out in another tab, the editor's form is refused (its CSRF token belonged to the
    ended session): the page says the response has not been submitted, and the text is shown
    back to copy; nothing is stored for anyone."""
    journey.at(DURING)  # signed in; from here on every form needs its token
    app.config["WTF_CSRF_ENABLED"] = True
    editor = journey.client.get(journey.url("/response"))
    token = _token(editor)
    journey.client.post("/logout", data={"csrf_token": token})
    for path, said in (("/response", "Your response has not been submitted"),
                       ("/response/draft", "Your response has not been saved")):
        response = journey.client.post(journey.url(path), data={
            "csrf_token": token, "text": TYPED, "declaration": "y", "client_token": "c"})
        page = parse(response)
        assert response.status_code == 400, path
        assert text_of(one(page, "//h1")) == said, path
        assert text_of(one(page, "//title")).startswith(said), path
        assert "Nothing was changed" not in response.text, path
        assert text_of(by_id(page, "posted-text")) == TYPED, path
    assert _saved(app) == (None, 0)


def test_another_refused_form_keeps_the_general_message(csrf_app, journey, clock):
    journey.at(DURING)
    response = journey.client.post(journey.url("/deferral"), data={"reason": "x"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.text
    assert 'id="posted-text"' not in response.text
