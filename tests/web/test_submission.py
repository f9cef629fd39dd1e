"""Final submission of a typed response: limits, declaration, deadline, receipts, versions."""

import hashlib
import re

from moments import CLOSED, DURING, LAST_SECOND

from assessment_app.models import Draft, SubmissionVersion


def words(n: int) -> str:
    return " ".join(f"word{i}" for i in range(n))


def versions(app):
    with app.app_context():
        return SubmissionVersion.query.order_by(SubmissionVersion.number).all()


def draft_text(app):
    with app.app_context():
        return Draft.query.one().text


def test_submission_gives_a_receipt_with_time_count_and_sha256(app, journey, clock):
    """A version keeps its time, word count and the SHA-256 of its text, and the receipt shows them."""
    journey.at(DURING)
    text = "My diagnosis of Brookside's professional development.\n\nReferences\nDfE (2022)."
    response = journey.submit(text)
    assert response.status_code == 302
    (version,) = versions(app)
    assert version.word_count == 6  # the reference list is not counted
    assert version.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert version.submitted_at == DURING
    receipt = journey.client.get(response.headers["Location"])
    assert version.sha256 in receipt.text
    assert "2:30pm on Thursday 26 November 2026" in receipt.text


def test_over_the_limit_is_refused_with_count_and_limit_and_keeps_the_text(app, journey, clock):
    """A hard cap: 1,501 words cannot be submitted; the page says so and still holds the text."""
    journey.at(DURING)
    text = words(1501)
    response = journey.refused_page(journey.submit(text))
    assert response.status_code == 200
    assert "<title>Error: Your response" in response.text  # announced first by screen readers
    assert "Your response has 1,501 words. The limit is 1,500 words." in response.text
    assert "word1500" in response.text  # the text is back in the editor
    assert versions(app) == []
    assert draft_text(app) == text


def test_exactly_at_the_limit_is_accepted(app, journey, clock):
    journey.at(DURING)
    assert journey.submit(words(1500)).status_code == 302
    assert versions(app)[0].word_count == 1500


def test_tolerance_allows_words_past_the_limit(app, client, clock):
    """A window with a 10% tolerance accepts 1,650 words and refuses 1,651."""
    from datetime import UTC, datetime

    from factories import login, make_entry, make_user, make_window

    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window(tolerance_percent=10)
        user = make_user()
        email, entry_id = user.email, make_entry(window, user).id
    clock.at(DURING)
    login(client, email)
    url = f"/assessments/{entry_id}/response"
    refused = client.post(url, data={"text": words(1651), "declaration": "y", "client_token": "a"})
    assert refused.status_code == 303
    refused = client.get(refused.headers["Location"])
    assert "up to 1,650 words can be submitted" in refused.text
    accepted = client.post(url, data={"text": words(1650), "declaration": "y", "client_token": "b"})
    assert accepted.status_code == 302


def test_an_empty_response_is_refused(app, journey, clock):
    journey.at(DURING)
    response = journey.refused_page(journey.submit("  — • \n "))
    assert "Your response is empty" in response.text
    assert versions(app) == []


def test_the_own_work_declaration_is_required_and_text_is_kept(app, journey, clock):
    journey.at(DURING)
    response = journey.refused_page(journey.submit("A complete response.", declaration=False))
    assert "Confirm that the response is your own work" in response.text
    assert "A complete response." in response.text
    assert versions(app) == []


def test_submission_at_the_last_second_is_in_time(app, journey, clock):
    """23:59:59 on day 8 is in time."""
    journey.at(LAST_SECOND)
    assert journey.submit("Just in time.").status_code == 302
    assert len(versions(app)) == 1


def test_submission_at_midnight_is_refused_with_a_clear_message_and_the_text_kept(app, journey, clock):
    """00:00:00 after day 8 is late: refused, the deadline named, the text kept as a draft."""
    journey.at(CLOSED)
    response = journey.refused_page(journey.submit("Too late, but keep me."))
    assert response.status_code == 200
    assert "The deadline was 11:59pm on Tuesday 1 December 2026" in response.text
    assert "Too late, but keep me." in response.text
    assert versions(app) == []
    assert draft_text(app) == "Too late, but keep me."


def test_one_second_after_the_deadline_is_refused(app, journey, clock):
    journey.at(LAST_SECOND)
    clock.move(seconds=1)
    journey.submit("One second late.")
    assert versions(app) == []


def test_a_double_clicked_submit_makes_one_version(app, journey, clock):
    """The same form sent twice (same one-time token) gives one version and the same receipt."""
    journey.at(DURING)
    first = journey.submit("Clicked twice.", token="same-token")
    second = journey.submit("Clicked twice.", token="same-token")
    assert first.headers["Location"] == second.headers["Location"]
    assert len(versions(app)) == 1


def test_a_submission_can_be_replaced_until_the_deadline_and_all_versions_are_kept(app, journey, clock):
    """Every version is kept; the latest in time is the one marked; history lists them all."""
    journey.at(DURING)
    journey.submit("First version.", token="one")
    clock.move(hours=1)
    journey.submit("Second, better version.", token="two")
    first, second = versions(app)
    assert (first.number, second.number) == (1, 2)
    history = journey.client.get(journey.url("/submissions")).text
    assert history.count("View receipt") == 2
    assert "Will be marked" in history
    journey.at(CLOSED)
    journey.submit("Third, too late.", token="three")
    assert len(versions(app)) == 2


def test_a_forged_csrf_token_is_refused_and_nothing_is_saved(csrf_app, journey, clock):
    """Every form needs a valid CSRF token; a forged one is a 400 and changes nothing."""
    journey.at(DURING)
    response = journey.client.post(
        journey.url("/response"),
        data={"text": "Forged.", "declaration": "y", "client_token": "x", "csrf_token": "forged"},
    )
    assert response.status_code == 400
    assert "Your response has not been submitted" in response.text
    assert versions(csrf_app) == []
    autosave = journey.client.post(journey.url("/draft"), data={"text": "Forged."})
    assert autosave.status_code == 400


def test_with_the_pages_csrf_token_a_submission_is_taken_and_a_refusal_shows_a_new_one(
        app, journey, clock):
    """The token the page gave is checked once, before the view; a refused text comes back
    on a page whose form carries a token again, so it can be sent once more."""
    journey.at(DURING)  # signed in; from here on every form needs its token
    app.config["WTF_CSRF_ENABLED"] = True
    token = _csrf_token(journey.client.get(journey.url("/response")).text)
    refused = journey.refused_page(journey.client.post(journey.url("/response"), data={
        "text": "Kept.", "client_token": "a", "csrf_token": token}))
    assert refused.status_code == 200 and "own work" in refused.text
    token = _csrf_token(refused.text)
    taken = journey.client.post(journey.url("/response"), data={
        "text": "Kept.", "declaration": "y", "client_token": "b", "csrf_token": token})
    assert taken.status_code == 302
    assert [version.sha256 for version in versions(app)] == [
        hashlib.sha256(b"Kept.").hexdigest()]


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_autosave_keeps_the_draft_and_the_editor_shows_it(app, journey, clock):
    """Autosave stores the editor's text; reopening the page brings it back with its count."""
    journey.at(DURING)
    saved = journey.client.post(journey.url("/draft"), data={"text": "Half a thought, well-being."})
    assert saved.status_code == 200
    assert saved.json["words"] == 4
    page = journey.client.get(journey.url("/response")).text
    assert "Half a thought, well-being." in page
    assert "Counted: 4 words. Reference list: 0 entries, not counted." in page


def test_autosave_after_the_deadline_still_keeps_the_text(app, journey, clock):
    """A draft is never refused for lateness: nothing typed is lost."""
    journey.at(CLOSED)
    assert journey.client.post(journey.url("/draft"), data={"text": "late words"}).status_code == 200
    assert draft_text(app) == "late words"
