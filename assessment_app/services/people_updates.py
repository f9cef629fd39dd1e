"""People changed by an admin's edit page or a CSV file: each change and its effects listed
first, then applied by person_changes (audited) only as they were shown.

A CSV file adds the people it does not know and updates the ones it does (found by DfE
participant id when the file has that column, else by email). A file that updates anyone is
kept (PeopleUpload) and previewed; applying it works the changes out again and refuses if
they are no longer the ones shown. A file of new people only is imported at once, as before.
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..csv_imports import ImportRefused, chunked, read_rows
from ..extensions import db
from ..models import PeopleUpload, User
from ..person_effects import Effect, blocking
from . import accounts, audit, person_changes
from .accounts import RowProblem
from .person_changes import FieldChange

OPTIONAL_COLUMNS = ("programme_end_date", "dfe_participant_id")
STALE = "The details changed after you looked: check the changes again."


class UpdateRefused(Exception):
    """Changes that cannot be applied as shown; the message says why."""


@dataclass
class Update:
    """One person's changes and what they do (line: the file's, 0 on the edit page)."""

    person: User
    changes: list[FieldChange]
    effects: list[Effect] = field(default_factory=list)
    line: int = 0

    @property
    def refusals(self) -> dict[str, list[str]]:
        return blocking(self.effects)


@dataclass
class PeoplePlan:
    new: list[tuple]  # accounts.checked_row's values, with the row first
    updates: list[Update]


def fingerprint(updates: list[Update], new_emails: list[str] = ()) -> str:
    """What the admin was shown, so applying can tell that nothing has moved since."""
    shown = [[(u.person.id, [(c.field, str(c.before), str(c.after)) for c in u.changes],
               [e.message for e in u.effects]) for u in updates], list(new_emails)]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()


def _with_effects(updates: list[Update]) -> list[Update]:
    found = person_changes.effects({u.person.id: u.changes for u in updates})
    for update in updates:
        update.effects = found.get(update.person.id, [])
    return updates


# The edit page: one person, their role kept.

def review_edit(person: User, row: dict) -> Update:
    """The changes the form's values make, with their effects; RowProblem for a bad value."""
    email, role, programmes, end_date = accounts.checked_row(
        {**row, "role": person.role.value}, set(), {})
    values = accounts.person_values(row, email, role, programmes, end_date)
    [update] = _with_effects([Update(person, person_changes.compare(person, values))])
    return update


def save_edit(person: User, row: dict, shown: str, actor: User, at: datetime) -> Update:
    """Apply the changes as shown (UpdateRefused if they are not what is there now)."""
    update = review_edit(person, row)
    if update.refusals or fingerprint([update]) != shown:
        raise UpdateRefused(STALE)
    person_changes.apply(person, update.changes, actor=actor, source="admin", at=at)
    try:
        db.session.flush()
    except IntegrityError:  # an email another request gave someone since the check
        raise UpdateRefused(STALE) from None
    return update


# A CSV file: new people added, known people updated.

def plan_import(data: bytes) -> PeoplePlan:
    """Every row checked, the known people's changes and effects worked out; ImportRefused
    listing every problem by line (a change an effect refuses is a problem too)."""
    rows = read_rows(data, accounts.PEOPLE_COLUMNS, optional=OPTIONAL_COLUMNS)
    known = _known([r["email"].lower() for _, r in rows],
                   [r["dfe_participant_id"] for _, r in rows if r["dfe_participant_id"]])
    problems, new, updates, seen, matched = [], [], [], {}, {}
    for line, row in rows:
        person = (known.get(("dfe", row["dfe_participant_id"])) if row["dfe_participant_id"]
                  else None) or known.get(("email", row["email"].strip().lower()))
        try:
            checked = accounts.checked_row(row, set(), seen, line)
            if person is None:
                new.append((row, *checked))
                continue
            if person.id in matched:
                raise RowProblem("email", f"this is the same person as line {matched[person.id]}.")
            matched[person.id] = line
            if person.role is not checked[1]:
                raise RowProblem("role", f"{person.email} already has an account, with the role "
                                         f"{person.role.value}: an import does not change a role.")
            values = accounts.person_values(row, *checked)
            changes = person_changes.compare(person, values)
            if changes:
                updates.append(Update(person, changes, line=line))
        except ValueError as problem:
            problems.append(f"Line {line}: {problem}")
    for update in _with_effects(updates):
        problems += [f"Line {update.line}: {message}"
                     for messages in update.refusals.values() for message in messages]
    if problems:
        raise ImportRefused(sorted(problems, key=_line_number))
    return PeoplePlan(new, updates)


def _line_number(problem: str) -> int:
    return int(problem.split()[1].rstrip(":"))


def _known(emails: list[str], dfe_ids: list[str]) -> dict[tuple[str, str], User]:
    """The people a file names, by ("email", address) and ("dfe", participant id)."""
    known = {}
    for some in chunked(emails):
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(some))):
            known[("email", user.email)] = user
    for some in chunked(dfe_ids):
        for user in db.session.scalars(select(User).where(User.dfe_participant_id.in_(some))):
            known[("dfe", user.dfe_participant_id)] = user
    return known


def import_people(data: bytes, filename: str, actor: User,
                  at: datetime) -> list[User] | PeopleUpload:
    """The people added (a file of new people only), or the file kept to be previewed when it
    updates anyone; ImportRefused if any row has a problem."""
    plan = plan_import(data)
    if not plan.updates:
        return accounts.create_people(plan.new, filename, actor, at)
    upload = PeopleUpload(uploaded_at=at, uploaded_by=actor.id, filename=filename, data=data)
    db.session.add(upload)
    db.session.flush()
    return upload


def shown_plan(upload: PeopleUpload) -> tuple[PeoplePlan, str]:
    """The kept file's plan as it stands now, and its fingerprint."""
    plan = plan_import(upload.data)
    return plan, fingerprint(plan.updates, [email for _, email, *_ in plan.new])


def apply_upload(upload: PeopleUpload, shown: str, actor: User,
                 at: datetime) -> tuple[list[User], list[Update]]:
    """Add and update the people as shown; refused if already applied, if a row now has a
    problem (ImportRefused) or if the changes differ from those shown."""
    if upload.applied_at is not None:
        raise UpdateRefused("This file has already been applied.")
    plan, now = shown_plan(upload)
    if now != shown:
        raise UpdateRefused(STALE)
    for update in plan.updates:
        person_changes.apply(update.person, update.changes, actor=actor, source="CSV", at=at)
    created = accounts.create_people(plan.new, upload.filename, actor, at)
    upload.applied_at = at
    audit.record("people.updated_from_file", actor=actor, file=upload.filename,
                 upload=upload.id, updated=len(plan.updates))
    return created, plan.updates
