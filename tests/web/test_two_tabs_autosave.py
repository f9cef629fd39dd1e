"""Two tabs open on one response: their first autosaves at the same moment, on separate
connections, both succeed and leave one draft (the upsert never trips the unique draft row).
Two submits from two tabs: tests/web/test_submit_path.py."""

import threading

from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import Draft
from assessment_app.services import submissions


def test_two_first_autosaves_at_once_both_succeed_and_keep_one_draft(app, journey, clock,
                                                                    monkeypatch):
    """Both tabs pass the check (no draft yet) before either writes: neither gets a 500."""
    tabs = [app.test_client(), app.test_client()]
    for tab in tabs:
        journey.client = tab
        journey.at(DURING)
    meet = threading.Barrier(2)
    check = submissions.draft_target

    def check_then_wait(*args):
        found = check(*args)
        try:
            meet.wait(timeout=2)
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(submissions, "draft_target", check_then_wait)
    texts = ["Typed in the first tab.", "Typed in the second tab, a little more."]
    answers = [None, None]

    def save(i):
        answers[i] = tabs[i].post(journey.url("/draft"), data={"text": texts[i]})

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [answer.status_code for answer in answers] == [200, 200]
    with app.app_context():
        (draft,) = db.session.scalars(db.select(Draft)).all()
    assert draft.text in texts
