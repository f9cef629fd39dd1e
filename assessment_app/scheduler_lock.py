"""Which scheduler process leads: a PostgreSQL advisory lock, or a file lock beside SQLite.

On PostgreSQL the leader holds a session-level advisory lock on a connection of its own, kept
open for the life of the process. If the process dies, the connection closes and PostgreSQL
releases the lock, so a standby's next try succeeds. Keepalives on both ends (and a TCP user
timeout on ours) make a silent network failure end the session within about half a minute:
the leader notices first (its check fails after 10 seconds) and stops, and only then does
the server let the lock go. Advisory locks belong to one database, so servers sharing a
PostgreSQL server but not a database never compete.

On SQLite (one machine, the embedded default) an exclusive flock() on a file beside the
database file plays the same part; the operating system releases it when the process dies.
Where flock() does not exist (Windows) every scheduler leads, as before this lock existed.
"""

import logging
import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

try:
    import fcntl
except ImportError:  # Windows: no flock()
    fcntl = None

log = logging.getLogger(__name__)

# One fixed 64-bit key for "the scheduler of this database" ("NPQSCHED" in ASCII).
LOCK_KEY = int.from_bytes(b"NPQSCHED", "big")
APPLICATION_NAME = "assessment-scheduler"

# pg_locks shows a bigint advisory key as two halves, with objsubid 1.
_HELD_SQL = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low"
    " AND objsubid = 1)"
)
_STATUS_SQL = text(
    "SELECT a.application_name, host(a.client_addr) AS address, a.backend_start,"
    " l.pid IS NOT NULL AS is_leader"
    " FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.granted"
    " AND l.locktype = 'advisory' AND l.classid::bigint = :high AND l.objid::bigint = :low"
    " AND l.objsubid = 1"
    " WHERE a.datname = current_database() AND a.application_name LIKE :name"
    " ORDER BY is_leader DESC, a.backend_start"
)


def identity() -> str:
    """Who this process is, as shown by `flask scheduler-status` and in the logs."""
    return f"{socket.gethostname()} pid {os.getpid()}"


class LeaderLock(Protocol):
    """What the scheduler needs from a lock: try without waiting, check, let go."""

    def try_acquire(self) -> bool: ...

    def held(self) -> bool: ...

    def release(self) -> None: ...

    def status(self) -> list[str]: ...


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock on a dedicated (unpooled) connection."""

    def __init__(self, url: URL | str, key: int = LOCK_KEY):
        self.key = key
        self._url = url
        name = f"{APPLICATION_NAME} {identity()}"[:63]
        self._engine = create_engine(
            url,
            poolclass=NullPool,  # closing the connection must really close it, freeing the lock
            isolation_level="AUTOCOMMIT",  # never sit idle in a transaction
            connect_args={
                "application_name": name,
                "connect_timeout": 10,
                "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
                "keepalives_count": 3, "tcp_user_timeout": 10_000,
                # The server drops a vanished leader's session (and lock) after about 25 s.
                "options": "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5"
                           " -c tcp_keepalives_count=3 -c statement_timeout=10000",
            },
        )
        self._connection = None
        # The main thread's check and a job's check may overlap; a connection is not shared.
        self._mutex = threading.Lock()

    @property
    def _halves(self) -> dict:
        return {"high": self.key >> 32, "low": self.key & 0xFFFFFFFF}

    def try_acquire(self) -> bool:
        with self._mutex:
            try:
                if self._connection is None:
                    self._connection = self._engine.connect()
                return bool(self._connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar())
            except DBAPIError as error:
                log.warning("could not reach PostgreSQL for the scheduler lock: %s",
                            str(error).splitlines()[0])
                self._close()
                return False

    def held(self) -> bool:
        """True only if our connection still answers and still holds the lock."""
        with self._mutex:
            if self._connection is None:
                return False
            try:
                return bool(self._connection.execute(_HELD_SQL, self._halves).scalar())
            except DBAPIError as error:
                log.error("scheduler lock connection lost: %s", str(error).splitlines()[0])
                self._close()
                return False

    def release(self) -> None:
        with self._mutex:
            if self._connection is not None:
                try:
                    # Closing the session would release it too, but only once the server has
                    # ended the session; unlocking first lets a standby take over at its next try.
                    self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                except DBAPIError:
                    pass
            self._close()
        self._engine.dispose()

    def status(self) -> list[str]:
        """One line per scheduler connected to this database: the leader first, then standbys."""
        engine = create_engine(self._url, poolclass=NullPool)  # not named: not a scheduler
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    _STATUS_SQL, {**self._halves, "name": APPLICATION_NAME + " %"}).all()
        finally:
            engine.dispose()
        return [
            f"{'leader' if row.is_leader else 'standby'}:"
            f" {row.application_name.removeprefix(APPLICATION_NAME).strip()}"
            f" (from {row.address or 'a local socket'},"
            f" connected {row.backend_start.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)"
            for row in rows
        ]

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except DBAPIError:
                pass
            self._connection = None


class FileLock:
    """An exclusive flock() on a file; the leader writes who it is into the file."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{identity()}, leading since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC\n"
                 .encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        """True while our file is still the one at the path (a deleted file would let a second
        process lock a new one)."""
        if self._fd is None:
            return False
        try:
            return os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def status(self) -> list[str]:
        if not self.path.exists():
            return []
        probe = FileLock(self.path)
        if probe.try_acquire():
            probe.release()
            return []
        return [f"leader: {self.path.read_text().strip()}"]


class NoLock:
    """No flock() here (Windows): every scheduler leads, so run only one."""

    def try_acquire(self) -> bool:
        return True

    def held(self) -> bool:
        return True

    def release(self) -> None:
        pass

    def status(self) -> list[str]:
        return ["unknown: no scheduler lock on this platform"]


def leader_lock(database_url: URL | str, instance_path: str) -> LeaderLock:
    """The lock that suits the database: advisory on PostgreSQL, a file lock otherwise."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return AdvisoryLock(url)
    if fcntl is None:
        log.warning("no flock() on this platform: run exactly one scheduler process")
        return NoLock()
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return FileLock(Path(url.database + ".scheduler-lock"))
    return FileLock(Path(instance_path) / "scheduler-lock")
