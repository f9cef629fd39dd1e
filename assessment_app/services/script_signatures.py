"""Each script version's kept shingles and signature (ScriptSignature): made by the first check
that compares the script, made again only when its text or the similarity scheme changed, and
read back a chunk at a time (SIMILARITY_CHUNK_SCRIPTS), so a check's memory never grows with
the number of earlier scripts.

The versions are given as a select of version ids (never a list of them), so no statement
carries thousands of parameters; only shingle_sets takes ids, a batch of them.
"""

from collections.abc import Iterable, Iterator

import numpy as np
from flask import current_app
from sqlalchemy import Select, delete, insert, or_, select

from .. import similarity
from ..extensions import db
from ..models import ScriptSignature, SubmissionVersion

_VALUE = np.dtype("<u8")


def chunk_size() -> int:
    return int(current_app.config["SIMILARITY_CHUNK_SCRIPTS"])


def _values(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=_VALUE)


def keep(versions: Select) -> int:
    """Make the signatures these versions lack, or whose text or scheme changed since they were
    made; how many were made. Texts are read a chunk at a time."""
    made = ScriptSignature.version_id == SubmissionVersion.id
    wanted = list(db.session.scalars(
        select(SubmissionVersion.id).outerjoin(ScriptSignature, made)
        .where(SubmissionVersion.id.in_(versions),
               or_(ScriptSignature.version_id.is_(None),
                   ScriptSignature.text_sha256 != SubmissionVersion.sha256,
                   ScriptSignature.scheme != similarity.SIGNATURE_SCHEME))
        .order_by(SubmissionVersion.id)))
    size = chunk_size()
    for at in range(0, len(wanted), size):
        ids = wanted[at:at + size]
        db.session.execute(delete(ScriptSignature).where(ScriptSignature.version_id.in_(ids)))
        rows = [row(*version) for version in db.session.execute(
            select(SubmissionVersion.id, SubmissionVersion.sha256, SubmissionVersion.text)
            .where(SubmissionVersion.id.in_(ids)))]
        db.session.execute(insert(ScriptSignature), rows)
    return len(wanted)


def row(version_id: int, sha256: str, text: str) -> dict:
    """A version's ScriptSignature row (plain values: bench_similarity.py makes them in child
    processes)."""
    found = similarity.shingles(text)
    signature = similarity.signature(found) if len(found) else found
    return {"version_id": version_id, "text_sha256": sha256,
            "scheme": similarity.SIGNATURE_SCHEME, "shingle_count": len(found),
            "signature": signature.astype(_VALUE).tobytes(),
            "shingles": found.astype(_VALUE).tobytes()}


def _signed(versions: Select) -> Select:
    """The versions' signatures and numbers of shingles (not those of scripts with no
    shingle), in version order."""
    return (select(ScriptSignature.version_id, ScriptSignature.signature,
                   ScriptSignature.shingle_count)
            .where(ScriptSignature.version_id.in_(versions), ScriptSignature.shingle_count > 0)
            .order_by(ScriptSignature.version_id))


def _matrix(blobs: Iterable[bytes], rows: int) -> np.ndarray:
    return _values(b"".join(blobs)).reshape(rows, similarity.SIGNATURE_BINS)


def _columns(rows) -> tuple[list[int], np.ndarray, np.ndarray]:
    return ([r[0] for r in rows], _matrix((r[1] for r in rows), len(rows)),
            np.array([r[2] for r in rows], dtype=np.int64))


def signatures(versions: Select) -> tuple[list[int], np.ndarray, np.ndarray]:
    """The versions' ids, signatures (one row each) and numbers of shingles, all at once: the
    window's own."""
    return _columns(db.session.execute(_signed(versions)).all())


def signature_chunks(versions: Select) -> Iterator[tuple[list[int], np.ndarray, np.ndarray]]:
    """The same of other versions, a chunk at a time (streamed from the database)."""
    result = db.session.execute(_signed(versions).execution_options(yield_per=chunk_size()))
    for part in result.partitions():
        yield _columns(part)


def shingle_sets(ids: set[int]) -> dict[int, np.ndarray]:
    """The kept shingle sets of these versions (a batch: at most a chunk's worth)."""
    return {version_id: _values(blob) for version_id, blob in db.session.execute(
        select(ScriptSignature.version_id, ScriptSignature.shingles)
        .where(ScriptSignature.version_id.in_(sorted(ids))))}


def shingle_chunks(versions: Select) -> Iterator[tuple[int, np.ndarray]]:
    """Each version's kept shingle set, streamed a chunk at a time."""
    result = db.session.execute(
        select(ScriptSignature.version_id, ScriptSignature.shingles)
        .where(ScriptSignature.version_id.in_(versions))
        .order_by(ScriptSignature.version_id).execution_options(yield_per=chunk_size()))
    for version_id, blob in result:
        yield version_id, _values(blob)
