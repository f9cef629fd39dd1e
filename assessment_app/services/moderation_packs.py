"""The external moderator's pack as a job: an admin asks (queued), the scheduler's leader claims
it and builds it into EXPORTS_FOLDER with exports.scripts_zip, saying how far it has gone, and
the admin downloads the file once it is ready.

The build runs in the scheduler (scheduling.build_packs), never in a request. The session reads
the window's scripts through one cursor the whole time, so the build's progress and its end are
written each in a short transaction of their own (`_write`), never through the session. Claiming
is a conditional UPDATE (the pack still queued), so two schedulers never build one pack; a build
whose heartbeat stopped more than a minute ago (its process died) is queued again, and failed
after MAX_ATTEMPTS claims. Each write names the claim (its attempt number), so a builder taken
for dead that is in fact still running stops at its next write instead of racing the new one.
"""

import hashlib
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..extensions import db
from ..models import AssessmentWindow, ModerationPack, PackStatus, User
from ..models.packs import LIVE
from ..savepoints import savepoint
from . import audit, exports

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=1)  # a build silent this long has lost its process
KEPT_FOR = timedelta(days=1)  # a built pack's file is removed this long after it was made
MAX_ATTEMPTS = 3  # claims before a pack that keeps killing its builder is failed
_TABLE = ModerationPack.__table__


class Superseded(Exception):
    """This build's claim is no longer the pack's: it was taken for dead and queued again."""


def live(window_id: int) -> ModerationPack | None:
    """The window's pack waiting for or being built, if any (at most one: a unique index)."""
    return db.session.scalars(select(ModerationPack).where(
        ModerationPack.window_id == window_id, ModerationPack.status.in_(LIVE))).first()


def latest(window_id: int) -> ModerationPack | None:
    return db.session.scalars(select(ModerationPack).where(ModerationPack.window_id == window_id)
                              .order_by(ModerationPack.id.desc()).limit(1)).first()


def of_window(window_id: int, pack_id: int) -> ModerationPack | None:
    """A pack by id, only as one of this window's (another window's id finds nothing)."""
    pack = db.session.get(ModerationPack, pack_id)
    return pack if pack is not None and pack.window_id == window_id else None


def request_pack(window: AssessmentWindow, user: User, at: datetime) -> tuple[ModerationPack, bool]:
    """The window's pack being built if there is one, else a new one queued (True) and audited.
    Two admins asking at one moment get the same pack: the second insert breaks the unique
    index, under a savepoint, and finds the first."""
    pack = live(window.id)
    if pack is not None:
        return pack, False
    pack = ModerationPack(window_id=window.id, requested_by=user.id, requested_at=at)
    try:
        with savepoint():
            db.session.add(pack)
            db.session.flush()
    except IntegrityError:
        return live(window.id), False
    audit.record("moderation_pack.queued", actor=user, window_id=window.id, pack=pack.id)
    return pack, True


def claim(builder: str, at: datetime) -> int | None:
    """The oldest queued pack, now this builder's (its id), or None. A conditional UPDATE: of
    two schedulers reaching for one pack, only one changes the row."""
    for pack_id in db.session.scalars(select(ModerationPack.id)
                                      .where(ModerationPack.status == PackStatus.QUEUED)
                                      .order_by(ModerationPack.id).limit(5)):
        claimed = db.session.execute(
            update(_TABLE).where(_TABLE.c.id == pack_id, _TABLE.c.status == PackStatus.QUEUED)
            .values(status=PackStatus.BUILDING, builder=builder, started_at=at, heartbeat_at=at,
                    attempts=_TABLE.c.attempts + 1, done=0, total=0, stage="Starting"))
        if claimed.rowcount == 1:
            return pack_id
    return None


def requeue_stale(at: datetime) -> list[int]:
    """Queue again each build whose heartbeat is over a minute old (failed after MAX_ATTEMPTS);
    the ids requeued or failed."""
    cutoff = at - STALE_AFTER
    stale = _TABLE.c.status == PackStatus.BUILDING, _TABLE.c.heartbeat_at < cutoff
    done = []
    for pack_id, attempts in db.session.execute(select(_TABLE.c.id, _TABLE.c.attempts).where(*stale)):
        values = ({"status": PackStatus.QUEUED, "builder": None,
                   "stage": "Starting again: the server building it stopped"}
                  if attempts < MAX_ATTEMPTS else
                  {"status": PackStatus.FAILED, "finished_at": at,
                   "error": f"The server building it stopped {attempts} times before it was "
                            "finished."})
        if db.session.execute(update(_TABLE).where(_TABLE.c.id == pack_id, *stale)
                              .values(**values)).rowcount:
            done.append(pack_id)
            log.warning("moderation pack %s: its builder stopped; %s", pack_id, values["status"])
    return done


def remove_old(folder: Path, at: datetime) -> int:
    """Remove the files of packs built more than a day ago (the rows stay, as removed), and any
    part-written file a dead build left that long ago; how many packs."""
    old = db.session.scalars(select(ModerationPack).where(
        ModerationPack.status == PackStatus.READY, ModerationPack.finished_at < at - KEPT_FOR)).all()
    for pack in old:
        (folder / pack.file_name).unlink(missing_ok=True)
        pack.status, pack.stage = PackStatus.REMOVED, "Removed a day after it was built"
    if folder.is_dir():
        for part in folder.glob("*.part*"):
            if part.stat().st_mtime < (at - KEPT_FOR).timestamp():
                part.unlink(missing_ok=True)
    db.session.flush()
    return len(old)


def path_of(pack: ModerationPack, folder: Path) -> Path | None:
    """The ready pack's file, if it is still there."""
    if pack.status is not PackStatus.READY or not pack.file_name:
        return None
    path = folder / pack.file_name
    return path if path.is_file() else None


def _write(pack_id: int, attempt: int, **values) -> None:
    """Write to a building pack in a transaction of its own, as long as the claim is still
    this build's."""
    with db.engine.begin() as connection:
        changed = connection.execute(
            update(_TABLE).where(_TABLE.c.id == pack_id, _TABLE.c.attempts == attempt,
                                 _TABLE.c.status == PackStatus.BUILDING).values(**values)).rowcount
    if changed != 1:
        raise Superseded(pack_id)


class _Progress:
    """scripts_zip's progress callback: written at each new stage and every `every` scripts,
    each write moving the heartbeat."""

    def __init__(self, pack_id: int, attempt: int, every: int):
        self.pack_id, self.attempt, self.every = pack_id, attempt, every
        self.stage, self.written, self.done, self.total = None, 0, 0, 0

    def __call__(self, done: int, total: int, stage: str) -> None:
        self.done, self.total = done, total
        if stage != self.stage or done - self.written >= self.every:
            _write(self.pack_id, self.attempt, done=done, total=total, stage=stage,
                   heartbeat_at=clock.now())
            self.stage, self.written = stage, done


BLOCK = 1 << 20


def _blocks(pieces) -> Iterator[bytes]:
    """The pack's pieces (a few kB, one a script) joined into blocks of about BLOCK bytes: each
    hash update and write lets go of the GIL, and getting it back from the compressing thread
    (exports._Packer) cost more per small piece than the hashing did."""
    held, size = [], 0
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size >= BLOCK:
            yield b"".join(held)
            held, size = [], 0
    yield b"".join(held)


def build(pack_id: int, folder: Path, every: int) -> None:
    """Build a claimed pack: written to a part file in `folder` as scripts_zip makes it, then
    renamed into place and recorded ready with its size and SHA-256; a failure is recorded with
    its error. Progress is written every `every` scripts. Memory stays flat: each piece goes to
    the file as it comes."""
    pack = db.session.get(ModerationPack, pack_id)
    attempt, window = pack.attempts, pack.window
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"window-{window.id}-moderation-pack-{pack.id}.zip"
    part = final.with_name(f"{final.name}.part{attempt}")
    progress = _Progress(pack_id, attempt, every)
    started = time.perf_counter()
    try:
        digest, size = hashlib.sha256(), 0
        with open(part, "wb") as out:
            for block in _blocks(exports.scripts_zip(window, clock.now(), progress)):
                out.write(block)
                digest.update(block)
                size += len(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, final)
        _write(pack_id, attempt, status=PackStatus.READY, done=progress.done,
               total=progress.total, stage="Ready to download", heartbeat_at=clock.now(),
               finished_at=clock.now(), file_name=final.name, size=size,
               sha256=digest.hexdigest())
        log.info("moderation pack %s built: %s scripts, %s bytes in %.1f s", pack_id,
                 progress.total, size, time.perf_counter() - started)
    except Superseded:
        part.unlink(missing_ok=True)
        log.warning("moderation pack %s: stopped, its claim was given to another build", pack_id)
    except Exception as problem:
        part.unlink(missing_ok=True)
        log.exception("moderation pack %s failed", pack_id)
        _write(pack_id, attempt, status=PackStatus.FAILED, finished_at=clock.now(),
               stage="Stopped", error=f"{type(problem).__name__}: {problem}"[:1000])
