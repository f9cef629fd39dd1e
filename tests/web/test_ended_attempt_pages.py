"""Every participant page, for every way an attempt ends: it says what happened, never "Open"
or the time left, and an ended attempt takes no response, draft or upload."""

import io
from datetime import UTC, datetime, time

import pytest
from docx import Document
from factories import login
from moments import CLOSED, DURING, LAST_SECOND, RELEASED

from assessment_app.attempt_status import HEADLINE
from assessment_app.attempts import AttemptOutcome
from assessment_app.deadlines import deadline_closes_at
from assessment_app.extensions import db
from assessment_app.models import Draft, Entry, ResponseUpload, SubmissionVersion
from assessment_app.services import submissions

LATER = datetime(2027, 1, 20, 12, tzinfo=UTC)
# Each outcome at an instant where it matters most: the window open (so a wrong page would
# show "Open" and the time left) or just closed.
MOMENTS = {
    AttemptOutcome.LOST_ENGAGEMENT: RELEASED,
    AttemptOutcome.VOIDED: LAST_SECOND,
    AttemptOutcome.DEFERRED: DURING,
    AttemptOutcome.WITHDRAWN: DURING,
    AttemptOutcome.NOT_SUBMITTED: CLOSED,
    AttemptOutcome.PASSED: LATER,
    AttemptOutcome.FAILED: LATER,
}
SUBMITTED_FIRST = {AttemptOutcome.VOIDED, AttemptOutcome.DEFERRED, AttemptOutcome.PASSED,
                   AttemptOutcome.FAILED}
WRITING = [
    ("get", "/response"), ("post", "/response"), ("post", "/draft"), ("get", "/upload"),
    ("post", "/upload"), ("get", "/uploads/{upload}"), ("post", "/uploads/{upload}"),
]
READING = [
    ("get", ""), ("get", "/case-study"), ("get", "/case-study/handout"), ("get", "/submissions"),
    ("get", "/submissions/{version}"), ("get", "/result"), ("get", "/result/feedback.docx"),
    ("get", "/deferral"), ("get", "/circumstances"),
]


def _docx(text: str) -> bytes:
    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def ended(app, journey, clock):
    """End the journey's attempt with the given outcome, as the services leave it; returns ids."""

    def end(outcome: AttemptOutcome) -> dict:
        with app.app_context():
            entry = db.session.get(Entry, journey.entry_id)
            at = clock.at(datetime(2026, 11, 25, 10, tzinfo=UTC))
            version = None
            if outcome in SUBMITTED_FIRST:
                version = submissions.submit(entry, "My response text.", declaration=True,
                                             client_token="first", at=at)
            submissions.save_draft(entry.id, "Draft text kept.", at)
            upload = submissions.store_upload(entry, "response.docx", _docx("Uploaded text."), at)
            if outcome is AttemptOutcome.LOST_ENGAGEMENT:
                # The gate enters no one below 90%: the entry was never entered.
                entry.window.engagement_deadline = deadline_closes_at(
                    datetime(2026, 11, 10).date(), time(23, 59))
                entry.entered = False
            if outcome in (AttemptOutcome.PASSED, AttemptOutcome.FAILED):
                entry.window.results_release_at = datetime(2027, 1, 15, tzinfo=UTC)
            entry.outcome, entry.completed_at = outcome, at
            db.session.commit()
            ids = {"upload": upload.id, "version": version.number if version else 0}
        journey.at(MOMENTS[outcome])
        return ids

    return end


def _request(journey, method, path, ids):
    url = journey.url(path.format(**ids))
    if method == "get":
        return journey.client.get(url)
    data = {"text": "Replacement text.", "declaration": "y", "client_token": "again"}
    if path == "/upload":
        data = {"document": (io.BytesIO(_docx("Another file.")), "another.docx")}
    return journey.client.post(url, data=data)


def _saved(app, entry_id):
    with app.app_context():
        draft = db.session.scalar(db.select(Draft).where(Draft.entry_id == entry_id))
        return (draft.text if draft else None,
                SubmissionVersion.query.filter_by(entry_id=entry_id).count(),
                ResponseUpload.query.filter_by(entry_id=entry_id).count())


@pytest.mark.parametrize("outcome", list(AttemptOutcome))
def test_an_ended_attempt_takes_no_response_draft_or_upload_and_says_why(
        app, journey, ended, outcome):
    """Even inside the window's deadline, writing routes refuse with a page (409), not a form."""
    ids = ended(outcome)
    before = _saved(app, journey.entry_id)
    for method, path in WRITING:
        response = _request(journey, method, path, ids)
        route = f"{method.upper()} {path}"
        assert response.status_code == 409, route
        assert f"This attempt has ended: {HEADLINE[outcome]}." in response.text, route
        assert "<textarea" not in response.text and 'type="file"' not in response.text, route
        assert "Time left" not in response.text, route
        assert _saved(app, journey.entry_id) == before, route


@pytest.mark.parametrize("outcome", list(AttemptOutcome))
def test_every_other_page_of_an_ended_attempt_answers_without_open_or_time_left(
        app, journey, ended, outcome):
    ids = ended(outcome)
    for method, path in READING:
        response = _request(journey, method, path, ids)
        route = f"{method.upper()} {path}"
        assert response.status_code in (200, 404), route
        assert "Time left" not in response.text, route
        assert ">Open<" not in response.text, route
        assert "write your response on this site" not in response.text, route


@pytest.mark.parametrize("outcome", list(AttemptOutcome))
def test_home_and_overview_say_what_happened(app, journey, ended, outcome):
    ended(outcome)
    home = journey.client.get("/assessments/").text
    overview = journey.client.get(journey.url()).text
    assert HEADLINE[outcome] in home and ">Open<" not in home
    assert f"This attempt has ended: {HEADLINE[outcome]}." in overview
    assert "Time left" not in overview and "will be released at" not in overview


def test_a_lost_attempt_says_not_entered_from_the_release_instant(app, journey, ended):
    """The issue's words, at the first instant the window is open."""
    ended(AttemptOutcome.LOST_ENGAGEMENT)
    home = journey.client.get("/assessments/").text
    assert "Not entered: engagement below 90% at the deadline" in home
    assert "None: this attempt has ended" in home  # no deadline column for it
    overview = journey.client.get(journey.url()).text
    assert "The engagement deadline was 11:59pm on Tuesday 10 November 2026" in overview
    assert "Your deadline will be" not in overview


def test_a_voided_attempt_keeps_its_version_but_it_will_not_be_marked(app, journey, ended):
    ids = ended(AttemptOutcome.VOIDED)
    overview = journey.client.get(journey.url()).text
    assert "It will not be marked: this attempt has ended." in overview
    assert "will be marked" not in journey.client.get(journey.url("/submissions")).text.lower()
    receipt = journey.client.get(journey.url(f"/submissions/{ids['version']}")).text
    assert "It will not be marked" in receipt


def test_the_other_participant_in_the_same_window_still_sees_it_open(app, journey, ended):
    """Only the ended attempt changes: the window is still open for everyone else."""
    ended(AttemptOutcome.VOIDED)
    jo = app.test_client()
    login(jo, "jo@example.org")
    assert ">Open<" in jo.get("/assessments/").text
    assert "Time left" in jo.get(journey.url(entry_id=journey.other_entry_id)).text
    assert jo.get(journey.url("/response", journey.other_entry_id)).status_code == 200
