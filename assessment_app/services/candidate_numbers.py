"""Candidate numbers: what markers see instead of a name, for entries and seeded scripts alike."""

import secrets

from sqlalchemy import select

from ..extensions import db
from ..models import Entry, Seed

# No 0/O or 1/I: candidate numbers are read aloud and typed by markers and admins.
CANDIDATE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_candidate_number() -> str:
    """A random, unguessable candidate number; unique in the database (checked here and by it),
    among entries and seeded scripts alike, which markers must not tell apart."""
    while True:
        number = "".join(secrets.choice(CANDIDATE_ALPHABET) for _ in range(8))
        if (db.session.scalar(select(Entry.id).where(Entry.candidate_number == number)) is None
                and db.session.scalar(select(Seed.id).where(Seed.candidate_number == number)) is None):
            return number
