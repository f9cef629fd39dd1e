"""The in-app scheduler: APScheduler 3 with its job store in the application's database.

Every minute it also applies the engagement gate at each engagement deadline, records
non-submissions, allocates scripts whose deadline has passed (so allocation follows a
window's close, and each extension's end), draws the second-marking sample once a window's
first marking is complete, records results whose release time has come (or holds a
release whose checking is incomplete), runs the similarity check of a window once every
participant's deadline has passed, and any check an admin asked for, and sends the calls due
to the DfE's lead-provider API (services/dfe_outbox.py). Moderation packs an admin asked for
are built by a job of their own (build_packs: every PACK_POLL_SECONDS, and at once when asked
in this process), so a long build never holds up the minute's duties.

It runs in exactly one process (the development server with ASSESSMENT_SCHEDULER_ENABLED,
or `flask scheduler` in production), never in every web worker. Each window gets a
date job at its release instant; jobs survive a restart because they live in the
database. At start-up, and every minute, releases that are due are recorded (catch-up
after downtime) and jobs for windows created or moved by other processes are (re)made.
Every job is idempotent, so running one twice or late is harmless.

With several servers, `flask scheduler` runs on two or more of them and exactly one leads:
run_scheduler takes the leader lock (scheduler_lock: a PostgreSQL advisory lock) before it
starts APScheduler, and the others wait as standbys, trying again every few seconds. The
leader checks its lock at every tick and before every job; if the lock is gone it stops at
once. A new leader first waits one tick, so a leader that lost its lock has stopped before
the new one's catch-up runs. Work a dead leader left half done is safe to redo: each duty
runs in its own transaction (one window's at a time) and skips what is already recorded.
"""

import logging
import threading
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from . import clock, metrics
from .extensions import db
from .models import SimilarityRun
from .scheduler_lock import LeaderLock, identity, leader_lock
from .services import (
    allocations,
    checking,
    dfe_api,
    dfe_outbox,
    eligibility,
    heartbeat,
    mail,
    moderation_packs,
    notifications,
    releases,
    results,
    similarity,
)

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
SYNC_JOB_ID = "sync-windows"
PACKS_JOB_ID = "build-packs"
PACKS_NOW_JOB_ID = "build-packs-now"  # a one-off run when a pack is asked for in this process

# The app the jobs run in; set when this process starts its scheduler. Jobs are stored
# by reference ("module:function"), so they need a module-level way to reach it.
_app: Flask | None = None
# The lock this process leads by (None when the scheduler runs inside the development server).
_lock: LeaderLock | None = None

CHECK_SECONDS = 5  # how often the leader checks its lock (ASSESSMENT_SCHEDULER_CHECK_SECONDS)
STANDBY_RETRY_SECONDS = 5  # how often a standby tries (ASSESSMENT_SCHEDULER_STANDBY_RETRY_SECONDS)
STANDBY_LOG_EVERY = 60  # a standby says it is still waiting every this many tries
LOST_LOCK_EXIT_CODE = 75  # EX_TEMPFAIL: systemd restarts the process, which becomes a standby


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
    scheduler.add_job(
        "assessment_app.scheduling:build_packs",
        "interval",
        seconds=float(app.config["PACK_POLL_SECONDS"]),
        id=PACKS_JOB_ID,
        replace_existing=True,
    )
    with app.app_context():
        schedule_release_jobs(scheduler)
    scheduler.resume()
    return scheduler


def stop_scheduler(app: Flask, wait: bool = True) -> None:
    scheduler = app.extensions.pop("scheduler", None)
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=wait)


def run_scheduler(app: Flask, stopping: threading.Event, lock: LeaderLock | None = None) -> int:
    """Wait as a standby until this process holds the leader lock, then run the scheduler
    until `stopping` is set (exit code 0) or the lock is lost (LOST_LOCK_EXIT_CODE)."""
    global _lock
    check = float(app.config.get("SCHEDULER_CHECK_SECONDS", CHECK_SECONDS))
    retry = float(app.config.get("SCHEDULER_STANDBY_RETRY_SECONDS", STANDBY_RETRY_SECONDS))
    if lock is None:
        with app.app_context():
            url = db.engine.url
        lock = leader_lock(url, app.instance_path)
    try:
        if not _wait_for_lock(lock, stopping, retry):
            return 0
        log.info("scheduler %s is the leader; starting in %g s", identity(), check)
        # A leader whose lock vanished under it stops within one check: let it, before catching up.
        if stopping.wait(check):
            return 0
        _lock = lock
        start_scheduler(app)
        log.info("scheduler %s is running the jobs", identity())
        while not stopping.wait(check):
            if not lock.held():
                log.critical("scheduler %s lost the leader lock: stopping at once", identity())
                stop_scheduler(app, wait=False)
                return LOST_LOCK_EXIT_CODE
        return 0
    finally:
        stop_scheduler(app)
        _lock = None
        lock.release()


def _wait_for_lock(lock: LeaderLock, stopping: threading.Event, retry: float) -> bool:
    """Try the lock every `retry` seconds until it is ours (True) or we are stopped (False)."""
    tries = 0
    while not lock.try_acquire():
        if tries % STANDBY_LOG_EVERY == 0:
            log.info("scheduler %s is a standby: another scheduler leads; trying every %g s",
                     identity(), retry)
        tries += 1
        if stopping.wait(retry):
            return False
    return True


def _leading() -> bool:
    """False if this process runs by a lock it no longer holds: a job then does nothing."""
    if _lock is None or _lock.held():
        return True
    log.error("scheduler %s skipped a job: it no longer holds the leader lock", identity())
    return False


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
    if not _leading():
        return
    with app.app_context():
        at = clock.now()
        # First, so /readyz sees the leader even when a duty below takes long or fails.
        _duty("heartbeat", lambda: heartbeat.beat(identity(), at))
        recorded = [window_id for window_id in releases.due_releases(at)
                    if _duty("release", lambda w=window_id: releases.record_release(w, at),
                             of=f"window {window_id}")]
        if recorded:
            log.info("recorded release of windows %s", recorded)
        for window_id in eligibility.windows_with_gate_or_non_submissions(at):
            _duty("engagement gate and non-submissions",
                  lambda w=window_id: _gate_and_non_submissions(w, at), of=f"window {window_id}")
        for window in allocations.windows_in_marking(at):
            _duty("marking", lambda w=window: _mark_window(w, at), of=f"window {window.id}")
        # Checks asked for by the loop above or by an admin (a large one takes a few seconds).
        for run_id in [run.id for run in similarity.pending_runs()]:
            _duty("similarity check",
                  lambda r=run_id: similarity.run_check(db.session.get(SimilarityRun, r), at),
                  of=f"run {run_id}")
        _duty("deadline reminders", lambda: notifications.deadline_reminders(at))
        # Delivery commits each message as the server takes it (services/mail.py).
        _duty("mail", lambda: mail.deliver_pending(at))
        send_to_dfe(at)
        scheduler = app.extensions.get("scheduler")
        if scheduler is not None and scheduler.running:
            schedule_release_jobs(scheduler)


def send_to_dfe(at) -> None:
    """Send the DfE's calls that are due, each in two transactions: `start` is committed before
    the call goes, its answer after (services/dfe_outbox.py), so a crash between them leaves
    the call in doubt, to be looked for at the DfE before it is sent again. A call whose turn
    came when the one before it was done goes in the same run; each is tried once a run."""
    client = dfe_api.client()
    if client is None:
        return
    tried: set[int] = set()
    with client:
        while batch := [c for c in dfe_outbox.due(at) if c not in tried]:
            for call_id in batch:
                tried.add(call_id)
                in_doubt = _duty(f"DfE call {call_id} (start)",
                                 lambda c=call_id: dfe_outbox.start(c, at))
                if in_doubt is None:
                    continue
                answer = _duty(f"DfE call {call_id}",
                               lambda c=call_id, d=in_doubt: dfe_outbox.send(c, client, at, d))
                if answer == "refused":
                    log.error("the DfE refused the API token: no more calls this run")
                    return


def build_packs() -> None:
    """Queue again the packs whose builder died, remove day-old pack files, then claim and build
    queued packs one by one until none is left. Each claim is committed before its build starts
    (the build writes its own progress; services/moderation_packs.py)."""
    app = _require_app()
    if not _leading():
        return
    with app.app_context():
        folder = Path(app.config["EXPORTS_FOLDER"])
        every = int(app.config["PACK_PROGRESS_EVERY"])
        at = clock.now()
        _duty("moderation pack requeue", lambda: moderation_packs.requeue_stale(at))
        _duty("moderation pack clean-up", lambda: moderation_packs.remove_old(folder, at))
        while _leading() and (pack_id := _duty("moderation pack claim",
                                               lambda: moderation_packs.claim(identity(),
                                                                              clock.now()))):
            _duty("moderation pack", lambda p=pack_id: moderation_packs.build(p, folder, every),
                  of=f"pack {pack_id}")


def notify_pack_queued(app: Flask) -> None:
    """Called after a pack is asked for: build it now if this process runs the scheduler (else
    the leader finds it within PACK_POLL_SECONDS)."""
    scheduler = app.extensions.get("scheduler")
    if scheduler is not None and scheduler.running:
        scheduler.add_job("assessment_app.scheduling:build_packs", "date", run_date=clock.now(),
                          id=PACKS_NOW_JOB_ID, replace_existing=True)


def _gate_and_non_submissions(window_id: int, at) -> None:
    eligibility.apply_engagement_gate(at, window_id)
    eligibility.record_non_submissions(at, window_id)


def _mark_window(window, at) -> None:
    allocations.allocate_window(window, at)
    checking.sample_when_first_marking_done(window, at)
    results.record_results(window, at)
    similarity.request_after_deadline(window, at)


def _duty(kind: str, work, of: str = ""):
    """Run one duty (for one window: `of`) in its own transaction, committed once it is done,
    and return what it returned: a duty that fails is rolled back and logged (returning None),
    and the others still run; the next tick tries it again. Runs and failures are counted by
    kind (metrics.py), never by window, so the series stay few."""
    metrics.DUTY_RUNS.labels(kind).inc()
    try:
        done = work()
        db.session.commit()
    except Exception:
        db.session.rollback()
        metrics.DUTY_FAILURES.labels(kind).inc()
        log.exception("scheduler duty failed: %s", f"{kind} of {of}" if of else kind)
        return None
    return done


def release_window(window_id: int) -> None:
    """The job run at a window's release minute."""
    app = _require_app()
    if not _leading():
        return
    with app.app_context():
        at = clock.now()
        if _duty("release", lambda: releases.record_release(window_id, at),
                 of=f"window {window_id}"):
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
