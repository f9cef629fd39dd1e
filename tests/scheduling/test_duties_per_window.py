"""Each scheduler duty runs each window in its own transaction: a window whose duty fails is
rolled back and logged, and every other window's work is still done and committed."""

from datetime import UTC, date, datetime

from factories import make_entry, make_user, make_window
from marking.conftest import AFTER_CLOSE, add_marker
from moments import DURING

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import Allocation, Entry, Role
from assessment_app.services import allocations, submissions


def two_closed_windows(app, clock):
    """Two windows closed at the same minute: Sam submitted in the first, nobody in the second,
    where Jo is entered and submitted nothing."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN)
        first = make_window(name="Autumn A", admin=admin)
        second = make_window(name="Autumn B", first_day=date(2026, 11, 24), npqs=("NPQSL",),
                             admin=admin)
        sam = make_entry(first, make_user(email="sam@example.org"))
        jo = make_entry(second, make_user(email="jo@example.org", programme="NPQSL"), npq="NPQSL")
        add_marker("Martin Doyle", "m1@example.org")
        clock.at(DURING)
        submissions.submit(sam, "A response.", declaration=True, client_token="t", at=DURING)
        db.session.commit()
        return first.id, second.id, sam.id, jo.id


def test_a_failing_window_does_not_stop_the_others(app, clock, monkeypatch, caplog):
    first, second, sam, jo = two_closed_windows(app, clock)
    allocate = allocations.allocate_window

    def broken_for_the_first(window, at, *args, **kwargs):
        if window.id == first:
            raise RuntimeError("a bad row in window A")
        return allocate(window, at, *args, **kwargs)

    monkeypatch.setattr(allocations, "allocate_window", broken_for_the_first)
    scheduling._app = app
    clock.at(AFTER_CLOSE)
    scheduling.sync_windows()
    assert "scheduler duty failed: marking of window" in caplog.text
    with app.app_context():
        # The second window's non-submission is recorded although the first window failed.
        assert db.session.get(Entry, jo).outcome == "not_submitted"
        assert Allocation.query.count() == 0
    monkeypatch.setattr(allocations, "allocate_window", allocate)
    scheduling.sync_windows()
    with app.app_context():
        assert [a.entry_id for a in Allocation.query.all()] == [sam]
