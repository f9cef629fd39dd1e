"""The in-app scheduler: APScheduler 3 with its job store in the application's database.

Every minute it also applies the engagement gate at each engagement deadline, records
non-submissions, allocates scripts whose deadline has passed (so allocation follows a
window's close, and each extension's end), draws the second-marking sample once a window's
first marking is complete, and records results whose release time has come (or holds a
release whose checking is incomplete).

It runs in exactly one process (the development server with ASSESSMENT_SCHEDULER_ENABLED,
or `flask scheduler` in production), never in every web worker. Each window gets a
date job at its release instant; jobs survive a restart because they live in the
database. At start-up, and every minute, releases that are due are recorded (catch-up
after downtime) and jobs for windows created or moved by other processes are (re)made.
Every job is idempotent, so running one twice or late is harmless.
"""

import logging

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from . import clock
from .extensions import db
from .services import eligibility, mail, marking, notifications, releases

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
SYNC_JOB_ID = "sync-windows"

# The app the jobs run in; set when this process starts its scheduler. Jobs are stored
# by reference ("module:function"), so they need a module-level way to reach it.
_app: Flask | None = None


def release_job_id(window_id: int) -> str:
    return f"release-window-{window_id}"


def build_scheduler(app: Flask) -> BackgroundScheduler:
    with app.app_context():
        engine = db.engine
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(2)},
        # A job missed while the app was down still runs, once, when it comes back.
        job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        timezone="UTC",
    )


def start_scheduler(app: Flask) -> BackgroundScheduler:
    """Catch up on due releases, schedule the future ones, then start running jobs."""
    global _app
    _app = app
    scheduler = build_scheduler(app)
    app.extensions["scheduler"] = scheduler
    sync_windows()
    # Paused first: jobs reach the database job store only once the scheduler has started.
    scheduler.start(paused=True)
    scheduler.add_job(
        "assessment_app.scheduling:sync_windows",
        "interval",
        minutes=1,
        id=SYNC_JOB_ID,
        replace_existing=True,
    )
    with app.app_context():
        schedule_release_jobs(scheduler)
    scheduler.resume()
    return scheduler


def stop_scheduler(app: Flask) -> None:
    scheduler = app.extensions.pop("scheduler", None)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown()


def schedule_release_jobs(scheduler: BackgroundScheduler) -> None:
    """Make (or move) a date job for every window whose release is still to come."""
    for window_id, release_at in releases.upcoming_releases(clock.now()):
        scheduler.add_job(
            "assessment_app.scheduling:release_window",
            "date",
            run_date=release_at,
            args=[window_id],
            id=release_job_id(window_id),
            replace_existing=True,
        )


def sync_windows() -> None:
    """Record releases that are due, allocate scripts whose deadline has passed, record
    released results, and keep the job store in step with the windows."""
    app = _require_app()
    with app.app_context():
        at = clock.now()
        recorded = releases.record_due_releases(at)
        if recorded:
            log.info("recorded release of windows %s", recorded)
        eligibility.apply_engagement_gate(at)
        eligibility.record_non_submissions(at)
        for window in marking.windows_in_marking(at):
            marking.allocate_window(window, at)
            marking.sample_when_first_marking_done(window, at)
            marking.record_results(window, at)
        notifications.deadline_reminders(at)
        db.session.commit()
        mail.deliver_pending(at)
        scheduler = app.extensions.get("scheduler")
        if scheduler is not None and scheduler.running:
            schedule_release_jobs(scheduler)


def release_window(window_id: int) -> None:
    """The job run at a window's release minute."""
    app = _require_app()
    with app.app_context():
        if releases.record_release(window_id, clock.now()):
            log.info("released case studies of window %s", window_id)


def notify_window_changed(app: Flask) -> None:
    """Called after a window is created or moved: reschedule now if this process runs the scheduler."""
    scheduler = app.extensions.get("scheduler")
    if scheduler is not None and scheduler.running:
        schedule_release_jobs(scheduler)


def _require_app() -> Flask:
    if _app is None:
        raise RuntimeError("the scheduler was not started with start_scheduler(app)")
    return _app
