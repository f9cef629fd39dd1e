"""Two tabs open on one response: their first autosaves at the same moment, on separate
connections, both succeed and leave one draft (the upsert never trips the unique draft row).
Two submits from two tabs: tests/web/test_submit_path.py."""

from moments import DURING
from together import at_once, hold_after

from assessment_app.extensions import db
from assessment_app.models import Draft
from assessment_app.services import submissions


def test_two_first_autosaves_at_once_both_succeed_and_keep_one_draft(app, journey, clock,
                                                                    monkeypatch):
    """Both tabs are in their transactions (no draft yet) before either writes: neither gets a
    500."""
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        journey.client = tab
        journey.at(DURING)
    # Each has begun its transaction and counted its text before either upsert runs.
    hold_after(monkeypatch, submissions.wordcount, "count_words")
    texts = ["Typed in the first tab.", "Typed in the second tab, a little more."]
    answers = at_once(lambda i: tabs[i].post(journey.url("/draft"), data={"text": texts[i]}))
    assert [answer.status_code for answer in answers] == [200, 200]
    with app.app_context():
        (draft,) = db.session.scalars(db.select(Draft)).all()
    assert draft.text in texts
