"""A person beside incoming values: what would change, and applying it, audited.

One place for every route that updates people from outside (the DfE's participants today; a
CSV import or an admin's edit page can hand it their values the same way), so each lists the
changes the same way before they are applied and each change leaves the same audit trail.
"""

from dataclasses import dataclass
from datetime import date

from ..models import Role, User
from . import audit

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


def apply(person: User, changes: list[FieldChange], *, actor: User, source: str) -> None:
    """Make the changes and record them in the audit trail, each with what it was (the caller
    commits). `source` says where the values came from ("DfE", "CSV", "admin")."""
    if not changes:
        return
    for change in changes:
        setattr(person, change.field, change.after)
    audit.record("person.updated", actor=actor, source=source, user=person.id,
                 participant_id=person.id if person.role is Role.PARTICIPANT else None,
                 changes={c.field: [_plain(c.before), _plain(c.after)] for c in changes})


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
