"""Participants in from the DfE: fetch them, list each change beside what we hold, then apply.

A fetch is kept as it came (DfeParticipantFetch) and shown to the admin; applying it works the
changes out again and refuses if they are no longer the ones the admin was shown. A person is
found by the DfE's participant id (or one the DfE merged into it), else by email among
participants the DfE has not linked yet; anyone else is added and emailed a password link, as
a CSV import does. The next fetch asks only for participants updated since the last one applied.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..csv_imports import chunked
from ..dfe.client import DfeClient
from ..dfe.participants import Incoming, read
from ..extensions import db
from ..models import DfeParticipantFetch, Role, User
from ..person_effects import Effect, blocking
from . import accounts, audit, dfe_outbox, person_changes
from .person_changes import LABELS, FieldChange

# The next fetch starts this long before the last one: the DfE's clock and ours may differ a
# little, and a participant fetched twice changes nothing the second time.
OVERLAP = timedelta(minutes=10)


class FetchRefused(Exception):
    """A fetch that cannot be applied as it stands; the message says why."""


@dataclass
class Planned:
    """One incoming participant beside the person we hold (None: to be added)."""

    incoming: Incoming
    person: User | None
    changes: list[FieldChange] = field(default_factory=list)
    problem: str | None = None  # why it, or some of its changes, is left out
    effects: list[Effect] = field(default_factory=list)  # what the changes do (person_effects)

    @property
    def is_new(self) -> bool:
        return self.person is None and self.problem is None


def fetch(client: DfeClient, actor: User, at: datetime) -> DfeParticipantFetch:
    """Fetch participants updated since the last fetch applied, and keep them to be looked at."""
    last = db.session.scalar(select(func.max(DfeParticipantFetch.fetched_at))
                             .where(DfeParticipantFetch.applied_at.is_not(None)))
    since = last - OVERLAP if last else None
    records, skipped = [], 0
    for participant in client.participants(since):
        incoming = read(participant)
        if incoming is None:
            skipped += 1
        else:
            records.append(asdict(incoming))
    fetched = DfeParticipantFetch(fetched_at=at, fetched_by=actor.id, updated_since=since,
                                  records=records, skipped=skipped)
    db.session.add(fetched)
    db.session.flush()
    audit.record("dfe.participants_fetched", actor=actor, fetch=fetched.id, count=len(records),
                 skipped=skipped)
    return fetched


def plan(fetched: DfeParticipantFetch) -> list[Planned]:
    """Each participant of the fetch beside what we hold, in the DfE's order."""
    incoming = [Incoming(**{**r, "earlier_ids": tuple(r["earlier_ids"])})
                for r in fetched.records]
    ids = {i for one in incoming for i in (one.dfe_participant_id, *one.earlier_ids)}
    emails = {one.email for one in incoming if one.email}
    held = [user for some in chunked(sorted(ids)) for user in db.session.scalars(
        select(User).where(User.dfe_participant_id.in_(some)))]
    held += [user for some in chunked(sorted(emails)) for user in db.session.scalars(
        select(User).where(func.lower(User.email).in_(some)))]
    by_id = {u.dfe_participant_id: u for u in held if u.dfe_participant_id}
    by_email = {u.email: u for u in held}
    planned, added = [], set()
    for one in incoming:
        placed = _planned(one, by_id, by_email)
        if placed.is_new and one.email in added:  # the DfE lists two people with one email
            placed.problem = f"{one.email} is also the email of another participant listed here."
        added.update([one.email] if placed.is_new else [])
        planned.append(placed)
    _refuse_blocked(planned)
    return planned


def _refuse_blocked(planned: list[Planned]) -> None:
    """Each change's effects, as the edit page and a people file show them; a change they
    refuse (a programme change while an attempt runs) is left out, saying why."""
    found = person_changes.effects({p.person.id: p.changes for p in planned
                                    if p.person is not None and p.changes})
    for one in planned:
        one.effects = found.get(one.person.id, []) if one.person is not None else []
        refused = blocking(one.effects)
        if refused:
            one.changes = [c for c in one.changes if c.field not in refused]
            one.effects = [e for e in one.effects if not e.blocking]
            one.problem = " ".join(filter(None, [one.problem, *(
                f"{LABELS[name]} not changed: {' '.join(messages)}"
                for name, messages in refused.items())]))


def _planned(one: Incoming, by_id: dict, by_email: dict) -> Planned:
    person = next((by_id[i] for i in (one.dfe_participant_id, *one.earlier_ids) if i in by_id),
                  None)
    owner = by_email.get(one.email) if one.email else None
    if person is None and owner is not None:
        if owner.role is not Role.PARTICIPANT:
            return Planned(one, None, problem=f"{one.email} belongs to a {owner.role.value}'s "
                                              "account.")
        if owner.dfe_participant_id is not None:
            return Planned(one, None, problem=f"{one.email} belongs to another DfE participant.")
        person = owner
    if person is None:
        if not one.name:
            return Planned(one, None, problem="The DfE gives no name, so they cannot be added.")
        if one.email is None or not accounts.looks_like_email(one.email):
            return Planned(one, None, problem="The DfE gives no usable email address, so they "
                                              "cannot be added.")
        return Planned(one, None)
    values = one.values()
    if owner is not None and owner is not person:  # the email is someone else's here
        values.pop("email")
        problem = f"Their email is not changed: {one.email} belongs to another account."
    else:
        problem = None
    return Planned(one, person, person_changes.compare(person, values), problem)


def fingerprint(planned: list[Planned]) -> str:
    """What the admin was shown, so applying can tell that nothing has moved since."""
    shown = [(p.incoming.dfe_participant_id, p.person.id if p.person else None, p.problem,
              [(c.field, str(c.before), str(c.after)) for c in p.changes]) for p in planned]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def apply(fetched: DfeParticipantFetch, shown: str, actor: User, at: datetime) -> tuple[int, int]:
    """Add and update the people as listed; (added, updated). Refused if already applied or if
    the changes differ from those shown (someone changed a person meanwhile)."""
    if fetched.applied_at is not None:
        raise FetchRefused("These changes have already been applied.")
    planned = plan(fetched)
    if fingerprint(planned) != shown:
        raise FetchRefused("The people changed after you looked: check the list again.")
    added = updated = 0
    for one in planned:
        if one.is_new:
            _add(one.incoming, actor, at)
            added += 1
        elif one.person is not None and one.changes:
            linked = one.person.dfe_participant_id is None
            person_changes.apply(one.person, one.changes, actor=actor, source="DfE", at=at)
            if linked:  # outcomes recorded before the link now go to the DfE too
                dfe_outbox.queue_for_person(one.person, at)
            updated += 1
    fetched.applied_at = at
    audit.record("dfe.participants_applied", actor=actor, fetch=fetched.id, added=added,
                 updated=updated)
    return added, updated


def _add(incoming: Incoming, actor: User, at: datetime) -> User:
    person = accounts.add_person(
        {"role": "participant", "name": incoming.name, "email": incoming.email or "",
         "programme": incoming.programme, "cohort": "", "delivery_partner": "", "school": ""},
        actor, at)
    values = {k: v for k, v in incoming.values().items()
              if k not in ("name", "email", "programme")}
    person_changes.apply(person, person_changes.compare(person, values), actor=actor,
                         source="DfE", at=at)
    return person
