"""A person beside incoming values: what would change, and applying it, audited.

One place for every route that updates people from outside (the DfE's participants today; a
CSV import or an admin's edit page can hand it their values the same way), so each lists the
changes the same way before they are applied and each change leaves the same audit trail.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from .. import attempts, person_effects
from ..csv_imports import chunked
from ..extensions import db
from ..models import Allocation, AllocationStatus, AssessmentWindow, Entry, Role, User
from ..person_effects import Effect, Facts, HeldScript, LiveEntry
from . import audit, notifications

LABELS = {
    "name": "Name",
    "email": "Email",
    "programme": "Programme",
    "cohort": "Cohort",
    "delivery_partner": "Delivery partner",
    "school": "School",
    "school_urn": "School URN",
    "programme_end_date": "Programme end date",
    "dfe_participant_id": "DfE participant id",
    "dfe_training_status": "DfE training status",
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: object
    after: object

    @property
    def label(self) -> str:
        return LABELS[self.field]


def compare(person: User, incoming: dict) -> list[FieldChange]:
    """The changes that would make the person hold the incoming values, in LABELS' order.
    Fields not in `incoming` are left alone; an empty value is no value."""
    unknown = set(incoming) - set(LABELS)
    if unknown:
        raise ValueError(f"not a person's field: {', '.join(sorted(unknown))}")
    return [FieldChange(field, getattr(person, field), incoming[field] or None)
            for field in LABELS
            if field in incoming and (incoming[field] or None) != getattr(person, field)]


def effects(people_changes: dict[int, list[FieldChange]]) -> dict[int, list[Effect]]:
    """{person id: the effects of their changes} (person_effects), the facts gathered in a
    fixed number of statements per thousand people, so an import of any size stays fast."""
    wanted = {i: {c.field: c.after for c in changes}
              for i, changes in people_changes.items() if changes}
    facts = _facts(wanted)
    return {i: person_effects.effects(changes, facts[i]) for i, changes in wanted.items()}


def _facts(wanted: dict[int, dict]) -> dict[int, Facts]:
    ids = sorted(wanted)
    people = {u.id: u for some in chunked(ids) for u in db.session.scalars(
        select(User).where(User.id.in_(some)))}
    emails = sorted({c["email"] for c in wanted.values() if c.get("email")})
    owners = {email: owner for some in chunked(emails) for email, owner in db.session.execute(
        select(func.lower(User.email), User.id).where(func.lower(User.email).in_(some)))}
    entries = [row for some in chunked(ids) for row in db.session.execute(
        select(Entry.participant_id, Entry.npq_code, Entry.outcome, AssessmentWindow.name,
               AssessmentWindow.first_day, AssessmentWindow.length_days)
        .join(AssessmentWindow, AssessmentWindow.id == Entry.window_id)
        .where(Entry.participant_id.in_(some)).order_by(AssessmentWindow.first_day))]
    ended: dict[tuple[int, str], list[str]] = {}
    for row in entries:
        if row.outcome is not None:
            ended.setdefault((row.participant_id, row.npq_code), []).append(row.outcome)
    live: dict[int, list[LiveEntry]] = {}
    for row in entries:
        if row.outcome is None:
            live.setdefault(row.participant_id, []).append(LiveEntry(
                row.name, row.npq_code, row.first_day,
                row.first_day + timedelta(days=row.length_days - 1),
                attempts.ledger(ended.get((row.participant_id, row.npq_code), [])).counted == 0))
    held = _held(ids)
    return {i: Facts(is_participant=people[i].role is Role.PARTICIPANT,
                     live_entries=live.get(i, []), held_scripts=held.get(i, []),
                     email_taken=owners.get(wanted[i].get("email"), i) != i)
            for i in ids}


def _held(ids: list[int]) -> dict[int, list[HeldScript]]:
    """{person id: the scripts being marked on the other side of them}: a participant's
    markers, a marker's participants (by candidate number, as markers see them)."""
    held: dict[int, list[HeldScript]] = {}
    marker, participant = User.__table__.alias("marker"), User.__table__.alias("participant")
    live = Allocation.status == AllocationStatus.ALLOCATED
    for some in chunked(ids):
        for row in db.session.execute(
                select(Entry.participant_id.label("person"), marker.c.name.label("who"),
                       marker.c.delivery_partner, marker.c.school)
                .join(Allocation, Allocation.entry_id == Entry.id)
                .join(marker, marker.c.id == Allocation.marker_id)
                .where(live, Entry.participant_id.in_(some))
                .union_all(
                    select(Allocation.marker_id, Entry.candidate_number,
                           participant.c.delivery_partner, participant.c.school)
                    .join(Entry, Entry.id == Allocation.entry_id)
                    .join(participant, participant.c.id == Entry.participant_id)
                    .where(live, Allocation.marker_id.in_(some)))):
            held.setdefault(row.person, []).append(
                HeldScript(row.who, row.delivery_partner, row.school))
    return held


def apply(person: User, changes: list[FieldChange], *, actor: User, source: str,
          at: datetime) -> None:
    """Make the changes and record them in the audit trail, each with what it was (the caller
    commits). `source` says where the values came from ("DfE", "CSV", "admin"). A new email
    is a new sign-in: every session ends and both addresses are told."""
    if not changes:
        return
    for change in changes:
        setattr(person, change.field, change.after)
    email = next((c for c in changes if c.field == "email"), None)
    if email is not None:
        person.end_sessions()
        notifications.email_changed(person, email.before, at)
    audit.record("person.updated", actor=actor, source=source, user=person.id,
                 participant_id=person.id if person.role is Role.PARTICIPANT else None,
                 changes={c.field: [_plain(c.before), _plain(c.after)] for c in changes})


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
