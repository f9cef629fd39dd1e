"""Exactly one active scheduler: the leader holds a lock (a PostgreSQL advisory lock, or a file
lock beside SQLite), a second scheduler waits as a standby and takes over when the first dies,
and a leader that loses its lock stops at once."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from factories import make_window
from sqlalchemy import text

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent
from assessment_app.scheduler_lock import AdvisoryLock, FileLock, leader_lock

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TICK = 0.5  # the subprocesses' check and retry interval, so a takeover takes about a second


def on_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def lock_for(app):
    return leader_lock(app.config["SQLALCHEMY_DATABASE_URI"], app.instance_path)


def release_events(app, window_id):
    with app.app_context():
        return AuditEvent.query.filter_by(action="case_study.released",
                                          window_id=window_id).count()


def recorded(app, window_id):
    with app.app_context():
        db.session.expire_all()
        return db.session.get(AssessmentWindow, window_id).release_recorded_at


def window_releasing_at(release_at: datetime) -> int:
    """A window (in 2030, so nothing else is due) whose release is moved to `release_at`."""
    window = make_window(name=f"Window {release_at:%H%M%S%f}", first_day=date(2030, 1, 1))
    window.release_at = release_at
    db.session.commit()
    return window.id


class FakeLock:
    """A lock the test holds or takes away."""

    def __init__(self, acquire=True):
        self.acquire, self.holding, self.released = acquire, True, False

    def try_acquire(self):
        return self.acquire

    def held(self):
        return self.holding

    def release(self):
        self.released = True

    def status(self):
        return []


def wait_for(predicate, seconds, step=0.1):
    """Poll `predicate` until true or `seconds` pass (a bounded loop); returns its last value."""
    give_up = time.monotonic() + seconds
    while not (result := predicate()) and time.monotonic() < give_up:
        time.sleep(step)
    return result


# The lock itself, on the suite's database


def test_a_second_lock_cannot_be_taken_while_the_first_is_held_and_can_after_release(app):
    first, second = lock_for(app), lock_for(app)
    try:
        assert first.try_acquire()
        assert first.held()
        assert not second.try_acquire()
        assert not second.held()
        first.release()
        assert second.try_acquire()
        assert second.held()
    finally:
        first.release()
        second.release()


def test_sqlite_uses_a_file_lock_beside_the_database_file(app):
    """SQLite is one machine: a flock() beside the database file chooses the leader."""
    if on_postgres(app):
        pytest.skip("the SQLite path")
    lock = lock_for(app)
    assert isinstance(lock, FileLock)
    assert lock.path.name == "test.sqlite.scheduler-lock"


def test_a_deleted_lock_file_is_a_lost_lock(tmp_path):
    """Deleting the file would let a second process lock a new one, so the holder stops leading."""
    lock = FileLock(tmp_path / "scheduler-lock")
    try:
        assert lock.try_acquire() and lock.held()
        (tmp_path / "scheduler-lock").unlink()
        assert not lock.held()
    finally:
        lock.release()


def test_postgres_lock_lost_when_its_connection_is_killed_and_another_takes_it(app):
    """The advisory lock is the connection's: when the server ends that session the holder sees
    at its next check that it no longer leads, and a standby's next try succeeds."""
    if not on_postgres(app):
        pytest.skip("PostgreSQL advisory lock")
    leader, standby = lock_for(app), lock_for(app)
    assert isinstance(leader, AdvisoryLock)
    try:
        assert leader.try_acquire()
        assert not standby.try_acquire()
        with app.app_context():
            db.session.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                " AND granted AND objid::bigint = :low"), {"low": leader.key & 0xFFFFFFFF})
            db.session.commit()
        assert not leader.held()
        assert wait_for(standby.try_acquire, 5)
    finally:
        leader.release()
        standby.release()


# The leader's loop, with a lock the test controls


def test_a_standby_never_starts_the_scheduler_while_another_leads(app):
    lock = FakeLock(acquire=False)
    stopping = threading.Event()
    app.config.update(SCHEDULER_CHECK_SECONDS=0.05, SCHEDULER_STANDBY_RETRY_SECONDS=0.05)
    timer = threading.Timer(0.5, stopping.set)
    timer.start()
    try:
        assert scheduling.run_scheduler(app, stopping, lock) == 0
    finally:
        timer.cancel()
    assert "scheduler" not in app.extensions
    assert lock.released


def test_the_leader_stops_its_scheduler_at_once_when_its_lock_is_lost(app):
    """Checked every tick: a lost lock stops the scheduler and ends the run with the
    lost-lock exit code (systemd then restarts the process as a standby)."""
    lock = FakeLock()
    app.config.update(SCHEDULER_CHECK_SECONDS=0.05)
    result = {}
    runner = threading.Thread(
        target=lambda: result.update(code=scheduling.run_scheduler(app, threading.Event(), lock)))
    runner.start()
    try:
        assert wait_for(lambda: "scheduler" in app.extensions, 10)
        lock.holding = False
        runner.join(timeout=10)
        assert not runner.is_alive()
    finally:
        lock.holding = False
        runner.join(timeout=10)
    assert result["code"] == scheduling.LOST_LOCK_EXIT_CODE
    assert "scheduler" not in app.extensions
    assert lock.released


def test_a_job_does_nothing_once_its_process_no_longer_holds_the_lock(app, monkeypatch):
    """Checked before every job too: a release that falls due is left for the new leader."""
    with app.app_context():
        window_id = window_releasing_at(datetime.now(UTC) - timedelta(minutes=1))
    lock = FakeLock()
    lock.holding = False
    monkeypatch.setattr(scheduling, "_app", app)
    monkeypatch.setattr(scheduling, "_lock", lock)
    scheduling.sync_windows()
    scheduling.release_window(window_id)
    assert recorded(app, window_id) is None
    lock.holding = True
    scheduling.sync_windows()
    assert recorded(app, window_id) is not None


# Two real scheduler processes on the suite's database


def start_scheduler_process(app, log_path: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("ASSESSMENT_") and key != "DATABASE_URL"}
    env.update(
        ASSESSMENT_SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        ASSESSMENT_SECRET_KEY="test",
        ASSESSMENT_SCHEDULER_CHECK_SECONDS=str(TICK),
        ASSESSMENT_SCHEDULER_STANDBY_RETRY_SECONDS=str(TICK),
        # Nothing listens here: no mail leaves the machine.
        ASSESSMENT_MAIL_SERVER="127.0.0.1", ASSESSMENT_MAIL_PORT="9", ASSESSMENT_MAIL_TIMEOUT="2",
    )
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            # --stop-after bounds the process even if this test is killed before its finally.
            [sys.executable, "-m", "flask", "--app", "assessment_app", "scheduler",
             "--stop-after", "90"],
            cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )


def says(log_path: Path, words: str) -> bool:
    return words in log_path.read_text(errors="replace")


def test_two_scheduler_processes_one_leads_the_other_takes_over_when_it_dies(app, tmp_path):
    """The second process stays a standby while the first lives, takes over within the bound
    after the first is killed, and each release is recorded once (one audit event)."""
    started = datetime.now(UTC)
    with app.app_context():
        missed = window_releasing_at(started - timedelta(minutes=5))  # caught up at start-up
        later = window_releasing_at(started + timedelta(seconds=15))  # due after the takeover
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    processes = []
    try:
        first = start_scheduler_process(app, first_log)
        processes.append(first)
        assert wait_for(lambda: says(first_log, "is running the jobs"), 30), first_log.read_text()
        assert recorded(app, missed) is not None

        second = start_scheduler_process(app, second_log)
        processes.append(second)
        assert wait_for(lambda: says(second_log, "is a standby"), 30), second_log.read_text()
        time.sleep(6 * TICK)  # many of its tries: still a standby while the first lives
        assert first.poll() is None
        assert not says(second_log, "is the leader")

        os.kill(first.pid, signal.SIGKILL)  # dies without a word: its connection just closes
        first.wait(timeout=10)
        killed = time.monotonic()
        assert wait_for(lambda: says(second_log, "is running the jobs"), 30), \
            second_log.read_text()
        # Within a retry, the new leader's one-tick wait and start-up: well inside a minute.
        assert time.monotonic() - killed < 10

        assert wait_for(lambda: recorded(app, later) is not None, 40), second_log.read_text()
        assert second.poll() is None
    finally:
        for process in processes:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    assert release_events(app, missed) == 1
    assert release_events(app, later) == 1


def test_scheduler_status_names_the_leader(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["scheduler-status"])
    assert result.exit_code == 1
    assert "No scheduler is running." in result.output
    lock = lock_for(app)
    try:
        assert lock.try_acquire()
        result = runner.invoke(args=["scheduler-status"])
    finally:
        lock.release()
    assert result.exit_code == 0
    assert f"leader: {socket.gethostname()} pid {os.getpid()}" in result.output
