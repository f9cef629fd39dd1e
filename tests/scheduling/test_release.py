"""The scheduled release: recorded by itself at the release minute, caught up at start-up, idempotent,
with its jobs kept in the application's database across a restart."""

import time
from datetime import UTC, date, datetime, timedelta

from factories import make_window
from sqlalchemy import text

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent
from assessment_app.services.releases import record_due_releases, record_release


def recorded(app, window_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.get(AssessmentWindow, window_id).release_recorded_at


def release_events(app):
    with app.app_context():
        return AuditEvent.query.filter_by(action="case_study.released").count()


def test_recording_a_release_is_idempotent(app, clock):
    """Running the release twice records it once, with one audit event."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window_id = make_window().id
    release_at = datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    with app.app_context():
        assert record_release(window_id, release_at - timedelta(seconds=1)) is False
        assert record_release(window_id, release_at) is True
        assert record_release(window_id, release_at + timedelta(minutes=1)) is False
        db.session.commit()  # as the scheduler's duty does
    assert recorded(app, window_id) == release_at
    assert release_events(app) == 1


def test_catch_up_records_only_releases_that_are_due(app, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        due = make_window(name="Due", first_day=date(2026, 11, 24)).id
        later = make_window(name="Later", first_day=date(2027, 3, 1)).id
        assert record_due_releases(datetime(2026, 11, 25, tzinfo=UTC)) == [due]
    assert recorded(app, later) is None


def test_start_up_catches_up_a_release_missed_while_the_app_was_down(app, clock):
    """The app was down at the release minute: starting the scheduler records the release."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window_id = make_window().id
    clock.at(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    scheduling.start_scheduler(app)
    try:
        assert recorded(app, window_id) == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    finally:
        scheduling.stop_scheduler(app)


def test_release_jobs_live_in_the_database_and_survive_a_restart(app, clock):
    """A future window gets a date job at its release instant, stored in apscheduler_jobs;
    a new scheduler (a restarted app) finds the same job there."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window_id = make_window().id
    scheduler = scheduling.start_scheduler(app)
    job = scheduler.get_job(scheduling.release_job_id(window_id))
    assert job.next_run_time == datetime(2026, 11, 24, 0, 1, tzinfo=UTC)
    scheduling.stop_scheduler(app)
    with app.app_context():
        stored = db.session.execute(text("SELECT id FROM apscheduler_jobs")).scalars().all()
    assert scheduling.release_job_id(window_id) in stored
    restarted = scheduling.build_scheduler(app)
    restarted.start(paused=True)
    try:
        assert restarted.get_job(scheduling.release_job_id(window_id)) is not None
    finally:
        restarted.shutdown()


def test_the_release_job_runs_by_itself_at_the_release_minute(app):
    """With the real clock: a window releasing two seconds from now is recorded by its job."""
    with app.app_context():
        window = make_window(first_day=date(2030, 1, 1))
        # Bring the release to two seconds from now, as if day 1 had come.
        window.release_at = datetime.now(UTC) + timedelta(seconds=2)
        db.session.commit()
        window_id = window.id
    scheduler = scheduling.start_scheduler(app)
    try:
        assert scheduler.get_job(scheduling.release_job_id(window_id)) is not None
        assert recorded(app, window_id) is None
        give_up = time.monotonic() + 15
        while recorded(app, window_id) is None and time.monotonic() < give_up:
            time.sleep(0.2)
        assert recorded(app, window_id) is not None
    finally:
        scheduling.stop_scheduler(app)
    assert release_events(app) == 1
