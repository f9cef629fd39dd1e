"""Every page that shows a submission says when a newer draft waits unsubmitted, with its word
count and a way to submit it while that is still possible; each at a fixed number of SQL
statements (assessment_app/newer_draft.py is the one rule)."""

from datetime import timedelta

from factories import PASSWORD, count_queries, login
from marking.conftest import closed  # noqa: F401
from moments import CLOSED, DURING
from page_html import parse, text_of
from returns.conftest import UPLOADED_TEXT, released  # noqa: F401

from assessment_app.extensions import db
from assessment_app.models import Entry
from assessment_app.services import submissions

SUBMITTED = "Coaching works when it is sustained."
CHANGED = "Coaching works when it is sustained over a whole year."  # 10 words
SAVED_AFTER = DURING + timedelta(minutes=7)  # 2:37pm on Thursday 26 November 2026
PAGES = ["/..", "", "/response", "/submissions", "/submissions/1"]


def _url(journey, path):
    return "/assessments/" if path == "/.." else journey.url(path)


def _submit_then_save(app, entry_id, draft_text=CHANGED):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        submissions.submit(entry, SUBMITTED, declaration=True, client_token=f"s{entry_id}",
                           at=DURING)
        submissions.save_draft(entry_id, draft_text, SAVED_AFTER)
        db.session.commit()  # as the request does


def _warnings(response):
    return [text_of(w) for w in parse(response).xpath("//*[@data-newer-draft]")]


def test_every_page_with_the_submission_says_the_newer_draft_is_not_submitted(app, journey, clock):
    """Submitted, then changed: home, overview, editor, history and receipt each say the
    draft (its time and count) is not submitted, and link to the editor to submit it."""
    _submit_then_save(app, journey.entry_id)
    journey.at(SAVED_AFTER)
    for path in PAGES:
        response = journey.client.get(_url(journey, path))
        warnings = _warnings(response)
        assert len(warnings) == 1, path
        assert ("your draft saved at 2:37pm on Thursday 26 November 2026 (10 words) is not "
                "submitted") in warnings[0], path
        page = parse(response)
        if path != "/response":
            assert page.xpath(f'//*[@data-newer-draft]//a[@href="{journey.url("/response")}"]'), path
    editor = parse(journey.client.get(journey.url("/response")))
    assert "Version 1, submitted at 2:30pm on Thursday 26 November 2026 (6 words), is the one " \
           "that will be marked until you submit this text." in text_of(
               editor.xpath("//*[@data-newer-draft]")[0])
    assert editor.xpath('//button[normalize-space()="Submit response"]')


def test_no_warning_without_a_change_since_submitting(app, journey, clock):
    """A save after the submission with the very text submitted (a save racing the submit) is
    not a newer draft; the overview keeps "the version that will be marked"."""
    _submit_then_save(app, journey.entry_id, draft_text=SUBMITTED)
    journey.at(SAVED_AFTER)
    for path in PAGES:
        assert _warnings(journey.client.get(_url(journey, path))) == [], path
    assert "This is the version that will be marked." in journey.client.get(journey.url()).text
    editor = journey.client.get(journey.url("/response")).text
    assert ("This is version 1, submitted at 2:30pm on Thursday 26 November 2026. Changes you "
            "make are kept as a draft: they are not submitted until you submit again.") in editor


def test_after_the_deadline_the_newer_draft_is_named_but_offers_no_submit(app, journey, clock):
    _submit_then_save(app, journey.entry_id)
    journey.at(CLOSED)
    for path in PAGES:
        response = journey.client.get(_url(journey, path))
        warnings = _warnings(response)
        assert len(warnings) == 1, path
        # The editor says which version counts instead.
        assert path == "/response" or "It can no longer be submitted." in warnings[0], path
        assert not parse(response).xpath("//*[@data-newer-draft]//a"), path


def test_the_result_page_says_a_later_draft_was_not_submitted(app, released, clock):  # noqa: F811
    sam_entry = released.entry_ids[0]
    with app.app_context():
        submissions.save_draft(sam_entry, UPLOADED_TEXT + " One more thought.", DURING
                               + timedelta(hours=1))
        db.session.commit()  # as the request does
    client = app.test_client()
    login(client, "sam@example.org", PASSWORD)
    warnings = _warnings(client.get(f"/assessments/{sam_entry}/result"))
    assert len(warnings) == 1 and "It can no longer be submitted." in warnings[0]


def test_the_pages_cost_the_same_statements_with_or_without_a_newer_draft(app, journey, clock):
    """Each page asks the rule in a fixed number of statements: whether the draft is newer
    or not changes no statement."""
    _submit_then_save(app, journey.entry_id, draft_text=SUBMITTED)
    journey.at(SAVED_AFTER)
    same = {p: count_queries(app, lambda p=p: journey.client.get(_url(journey, p))) for p in PAGES}
    with app.app_context():
        submissions.save_draft(journey.entry_id, CHANGED, SAVED_AFTER)
        db.session.commit()  # as the request does
    assert _warnings(journey.client.get(journey.url()))
    newer = {p: count_queries(app, lambda p=p: journey.client.get(_url(journey, p))) for p in PAGES}
    assert newer == same
