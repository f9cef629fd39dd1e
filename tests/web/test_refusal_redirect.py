"""A refused submission answers with a redirect to the editor (POST/redirect/GET), so reloading
the page the participant then types in never sends the old form again; and a form sent again
anyway never overwrites a draft saved after it was rendered."""

from datetime import UTC, datetime

from moments import DURING
from page_html import by_id, error_links, one, page_summary, parse, text_of

from assessment_app.extensions import db
from assessment_app.models import Draft, SubmissionVersion
from assessment_app.participant.forms import NO_DRAFT_SEEN, PostedResponse
from assessment_app.services.submissions import NEWER_DRAFT_KEPT
from assessment_app.word_limits import WordLimit

LIMIT = WordLimit(1500)


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def editor_form(page, **typed) -> dict:
    """The editor's form as its page wrote it, with what the participant typed (or ticked)."""
    page = parse(page)
    fields = {name: by_id(page, name).get("value") for name in ("client_token", "draft_saved_at")}
    return {**fields, "text": by_id(page, "text").text or "", **typed}


def stored(app):
    with app.app_context():
        return (db.session.scalar(db.select(Draft.text)),
                db.session.scalar(db.select(db.func.count(SubmissionVersion.id))))


def test_reloading_after_a_refusal_keeps_the_text_autosaved_since(app, journey, clock):
    """Refused (over the limit), the participant keeps typing and autosave keeps it; the old
    form sent again (as a reload of a page answered to the POST would) is refused without
    overwriting that newer draft, and the editor says the newer draft was kept."""
    journey.at(DURING)
    form = editor_form(journey.client.get(journey.url("/response")),
                       text=words(1501), declaration="y")
    journey.refused_page(journey.client.post(journey.url("/response"), data=form))
    assert stored(app) == (words(1501), 0)
    clock.move(minutes=1)
    newer = words(1490) + " trimmed and rewritten"
    assert journey.client.post(journey.url("/draft"), data={"text": newer}).status_code == 200
    clock.move(minutes=1)
    again = journey.refused_page(journey.client.post(journey.url("/response"), data=form))
    assert stored(app) == (newer, 0)
    page = parse(again)
    assert by_id(page, "text").text == newer
    assert text_of(one(page, "//title")).startswith("Error: ")
    assert text_of(page_summary(page)).endswith(NEWER_DRAFT_KEPT)
    assert error_links(page) == ["#text"]


def test_a_form_sent_after_autosave_moved_the_draft_on_keeps_its_refused_text(
        app, journey, clock):
    """The editor's script writes each autosave's time into the form (init.js): a form so
    brought up to date is a new one, and its refused text is kept as the draft."""
    journey.at(DURING)
    page = journey.client.get(journey.url("/response"))
    clock.move(minutes=1)
    saved = journey.client.post(journey.url("/draft"), data={"text": "Autosaved first."})
    form = editor_form(page, text=words(1502), declaration="y",
                       draft_saved_at=saved.json["saved_at"])
    clock.move(minutes=1)
    refused = journey.refused_page(journey.client.post(journey.url("/response"), data=form))
    assert stored(app) == (words(1502), 0)
    assert LIMIT.over_limit_message(1502) in refused.text


def test_a_form_sent_again_with_the_drafts_own_text_gets_its_own_refusal(app, journey, clock):
    """A draft saved since with the same text (the page's last autosave as it was left) is
    no newer: the refusal says what is wrong with the text, not that a draft was kept."""
    journey.at(DURING)
    form = editor_form(journey.client.get(journey.url("/response")), text="Mine, unticked.")
    clock.move(minutes=1)
    journey.client.post(journey.url("/draft"), data={"text": "Mine, unticked."})
    refused = journey.refused_page(journey.client.post(journey.url("/response"), data=form))
    assert "Confirm that the response is your own work." in refused.text
    assert NEWER_DRAFT_KEPT not in refused.text


def test_a_page_with_no_draft_sent_again_keeps_the_draft_saved_since(app, journey, clock):
    """The editor opened with no draft at all (an empty field): any other draft saved since
    is newer than its form."""
    journey.at(DURING)
    form = editor_form(journey.client.get(journey.url("/response")), text="Old page.")
    assert form["draft_saved_at"] == ""
    journey.client.post(journey.url("/draft"), data={"text": "Typed since."})
    refused = journey.refused_page(journey.client.post(journey.url("/response"), data=form))
    assert stored(app) == ("Typed since.", 0)
    assert NEWER_DRAFT_KEPT in refused.text


def test_the_refusal_is_said_on_the_editor_it_redirects_to_as_a_govuk_error(
        app, journey, clock):
    """303 to the editor; there the error summary (linking to the field), "Error: " in the
    title, the field marked with the limit's own message and kind (for init.js), and the
    declaration ticked as it was sent; said once, so the next visit is a plain editor."""
    journey.at(DURING)
    response = journey.submit(words(1503))
    assert response.status_code == 303
    assert response.headers["Location"] == journey.url("/response")
    page = parse(journey.client.get(response.headers["Location"]))
    assert text_of(one(page, "//title")).startswith("Error: Your response")
    assert error_links(page) == ["#text"]
    assert text_of(one(page_summary(page), ".//li")) == LIMIT.over_limit_message(1503)
    error = by_id(page, "text-error")
    assert error.get("data-error-kind") == "limit"
    assert text_of(error) == f"Error: {LIMIT.over_limit_message(1503)}"
    assert by_id(page, "text").get("aria-invalid") == "true"
    assert by_id(page, "declaration").get("checked") is not None
    again = parse(journey.client.get(journey.url("/response")))
    assert not text_of(one(again, "//title")).startswith("Error: ")
    assert by_id(again, "declaration").get("checked") is None


def test_the_declarations_refusal_marks_the_declaration(app, journey, clock):
    journey.at(DURING)
    page = parse(journey.refused_page(journey.submit("Complete.", declaration=False)))
    assert error_links(page) == ["#declaration"]
    assert text_of(by_id(page, "declaration-error")) == (
        "Error: Confirm that the response is your own work.")


def test_the_session_cookie_carries_the_message_not_the_text(app, journey, clock):
    """The refused text is the draft: only the entry, the message and the tick are carried."""
    journey.at(DURING)
    journey.submit(words(1501))
    cookie = journey.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    carried = app.session_interface.get_signing_serializer(app).loads(cookie)["refusal"]
    assert carried == [journey.entry_id, LIMIT.over_limit_message(1501), True]


def test_a_refusal_is_not_said_on_another_entrys_editor(app, journey, clock):
    journey.at(DURING)
    journey.submit(words(1501))
    with journey.client.session_transaction() as session:
        session["refusal"] = [journey.other_entry_id, *session["refusal"][1:]]
    page = parse(journey.client.get(journey.url("/response")))
    assert not text_of(one(page, "//title")).startswith("Error: ")
    with journey.client.session_transaction() as session:
        assert "refusal" not in session  # dropped: its page was left


def test_the_editor_writes_when_its_draft_was_saved(app, journey, clock):
    journey.at(DURING)
    journey.client.post(journey.url("/draft"), data={"text": "Saved."})
    form = editor_form(journey.client.get(journey.url("/response")))
    assert datetime.fromisoformat(form["draft_saved_at"]) == DURING


def test_the_submission_reads_when_the_pages_draft_was_saved():
    """An aware instant as written; an empty or unreadable one is "no draft" (any draft saved
    since is newer); a form without the field does not say (its refused text is written)."""
    read = PostedResponse.read
    saved = datetime(2026, 11, 26, 14, 30, 0, 123456, tzinfo=UTC)
    assert read({"draft_saved_at": saved.isoformat()}).draft_saved_at == saved
    for unknown in ("", "yesterday", "2026-11-26T14:30:00"):
        assert read({"draft_saved_at": unknown}).draft_saved_at == NO_DRAFT_SEEN
    assert read({}).draft_saved_at is None
