"""The NPQs' rubrics: the current file of each, and every version a mark was made under, kept in
the database and parsed once per process."""

import hashlib
from pathlib import Path

from flask import current_app

from ..extensions import db
from ..models import RubricVersion
from ..rubrics import Rubric, RubricError, parse_rubric
from ..version_cache import VersionCache
from .marking_error import MarkingError


class RubricUnavailable(MarkingError):
    """The NPQ's rubric file is missing or broken; the message names the file and the field.
    Pages that need it say so (errors.py) and every other page keeps working."""


def rubric_for(npq_code: str) -> Rubric:
    """The NPQ's current rubric, its text kept in the database by version on first use, so a
    later edit of the file never changes how a past mark reads."""
    path = Path(current_app.config["RUBRIC_DIR"]) / f"{npq_code.lower()}.yaml"
    if not path.is_file():
        raise RubricUnavailable(f"There is no rubric for {npq_code}: rubrics/{path.name} is "
                                "missing.")
    data = path.read_bytes()  # read once: the stored text is exactly what was hashed
    try:
        rubric = _parsed(data, f"rubrics/{path.name}", recorded=False)
    except RubricError as problem:
        raise RubricUnavailable(f"The {npq_code} rubric cannot be used: {problem}.") from None
    if rubric.npq != npq_code:
        raise RubricUnavailable(f"rubrics/{path.name} is the rubric for {rubric.npq}, not "
                                f"{npq_code}.")
    if db.session.get(RubricVersion, rubric.version) is None:
        db.session.add(RubricVersion(version=rubric.version, npq_code=npq_code,
                                     content=data.decode("utf-8")))
        db.session.flush()
    return rubric


def rubric_at(version: str) -> Rubric:
    """The rubric exactly as it was when a mark was made."""
    stored = db.session.get(RubricVersion, version)
    if stored is None:
        raise MarkingError("The rubric used for this mark is not on record.")
    return _parsed(stored.content.encode("utf-8"), f"rubric {version[:12]}", recorded=True)


# Every mark saved or shown needs its rubric; parsing and checking the YAML each time costs far
# more than reading a few KB and hashing them, so each version is parsed once per process.
_PARSED_RUBRICS = VersionCache(maxsize=64)


def _parsed(data: bytes, source: str, *, recorded: bool) -> Rubric:
    """parse_rubric, once per (SHA-256 of the bytes, source, recorded)."""
    key = (hashlib.sha256(data).hexdigest(), source, recorded)
    return _PARSED_RUBRICS.get(key, lambda: parse_rubric(data, source=source, recorded=recorded))
