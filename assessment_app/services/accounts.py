"""People: checking and creating them, deactivating them, and single-use links to set a password."""

import hashlib
import re
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import password_hashing
from ..csv_imports import check_no_formulas
from ..extensions import db
from ..models import MarkerProfile, PasswordToken, Role, User
from ..npqs import NPQ_CODES
from ..single_line import has_line_break
from . import audit, notifications

TOKEN_LIFETIME = timedelta(hours=48)
LINK_GONE = "This link has expired or has already been used. Ask for a new one."
MIN_PASSWORD_LENGTH = 10
PEOPLE_COLUMNS = ("role", "name", "email", "programme", "cohort", "delivery_partner", "school")


class AccountError(Exception):
    """An account action that cannot be done; the message says why."""



def looks_like_email(email: str) -> bool:
    """Something@something.something, one @ and no space: checked by a scan, in time linear in
    its length (the pattern it replaces backtracked over a long run of dots)."""
    local, at, domain = email.partition("@")
    return (bool(local) and bool(at) and "@" not in domain and "." in domain[1:-1]
            and not any(c.isspace() for c in email))

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _fingerprint(password_hash: str | None) -> str | None:
    return _hash(password_hash) if password_hash is not None else None


def issue_password_link(user: User, at: datetime, *, first_time: bool) -> None:
    """Email a single-use link (the caller commits). Only the token's hash is stored, with a
    fingerprint of the password it replaces; the link voids every earlier one."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordToken(user_id=user.id, token_hash=_hash(token), created_at=at,
                                 expires_at=at + TOKEN_LIFETIME,
                                 password_fingerprint=_fingerprint(user.password_hash)))
    notifications.password_link(user, token, at, first_time=first_time)


def request_reset(email: str, at: datetime, links_per_hour: int = 5) -> None:
    """Send a reset link if the address belongs to an active account; say nothing either way.

    Whoever asks, an account is sent at most `links_per_hour` links an hour: asking again sends
    nothing new, and the newest link sent still works, so someone asking for a victim's links
    from elsewhere neither floods their inbox nor uses up their own requests."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.active and _links_sent_within_the_hour(user, at) < links_per_hour:
        issue_password_link(user, at, first_time=False)
        audit.record("password.reset_requested", actor=user)


def _links_sent_within_the_hour(user: User, at: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(PasswordToken).where(
        PasswordToken.user_id == user.id, PasswordToken.created_at > at - timedelta(hours=1)))


def authenticate(email: str, password: str) -> tuple[User | None, str | None]:
    """(the user, None) for the right password of an active account, else (None, why not).
    One password check whatever the answer, so the time taken does not reveal who has an account."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    matches = password_hashing.verify(user.password_hash if user else None, password)
    if user is None:
        return None, "no such account"
    if not user.active:
        return None, "account deactivated"
    if not matches:
        return None, "wrong password"
    if password_hashing.needs_rehash(user.password_hash):
        # The same password, hashed anew: not a change, so the account's sessions go on.
        user.password_hash = password_hashing.hash_password(password)
    return user, None


def valid_token(token: str, at: datetime) -> PasswordToken | None:
    """The link's record if it still works: not used, not expired, the newest link for an
    active account, and made since the account's last password change."""
    newer = aliased(PasswordToken)
    stored = db.session.scalar(
        select(PasswordToken).where(
            PasswordToken.token_hash == _hash(token),
            ~exists().where(newer.user_id == PasswordToken.user_id, newer.id > PasswordToken.id)))
    if stored is None or stored.used_at is not None or stored.expires_at <= at \
            or not stored.user.active \
            or stored.password_fingerprint != _fingerprint(stored.user.password_hash):
        return None
    return stored


def set_password_with_token(token: str, password: str, at: datetime) -> User:
    stored = valid_token(token, at)
    if stored is None:
        raise AccountError(LINK_GONE)
    check_password_strength(password)
    # Used up by one conditional UPDATE, so two requests racing with the same link cannot
    # both set a password: the second finds it used.
    taken = db.session.execute(update(PasswordToken).where(PasswordToken.id == stored.id,
                                                           PasswordToken.used_at.is_(None))
                               .values(used_at=at))
    if taken.rowcount != 1:
        raise AccountError(LINK_GONE)
    user = stored.user
    user.set_password(password)  # which voids every other link made before it
    audit.record("password.set", actor=user)
    return user


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Your password must be at least {MIN_PASSWORD_LENGTH} characters.")
    if len(set(password)) < 4:
        raise AccountError("Your password is too easy to guess. Use a few words together.")


def set_active(user: User, active: bool, actor: User) -> None:
    if user.id == actor.id:
        raise AccountError("You cannot deactivate your own account.")
    user.active = active
    if not active:
        user.end_sessions()  # so reactivating the account revives none of its old sessions
    audit.record("user.activated" if active else "user.deactivated", actor=actor,
                 participant_id=user.id if user.role is Role.PARTICIPANT else None, user=user.id)


class RowProblem(ValueError):
    """What is wrong with one field of a person's row (the message names it)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def checked_row(row: dict, taken: set[str], seen: dict[str, int],
             line: int = 0) -> tuple[str, Role, list[str], date | None]:
    """(email, role, programmes, programme end date) for a valid person, else RowProblem saying
    what is wrong. `seen` maps the emails of earlier rows to their line."""
    for column, value in row.items():
        try:
            check_no_formulas({column: value})
        except ValueError as problem:
            raise RowProblem(column, str(problem)) from None
    email, role = row["email"].strip().lower(), row["role"].strip().lower()
    programmes = [p.upper() for p in re.split(r"[\s;]+", row["programme"]) if p]
    if role not in ("participant", "marker", "moderator"):
        raise RowProblem("role", "role must be participant, marker or moderator.")
    if not row["name"].strip():
        raise RowProblem("name", "name is missing.")
    if has_line_break(row["name"]):
        raise RowProblem("name", "name must be on one line: remove the line break.")
    if not looks_like_email(email):
        raise RowProblem("email", f"“{row['email']}” is not an email address.")
    if email in taken:
        raise RowProblem("email", f"{email} already has an account.")
    if email in seen:
        raise RowProblem("email", f"{email} appears twice in the file (first on line "
                                  f"{seen[email]}).")
    if any(p not in NPQ_CODES for p in programmes):
        raise RowProblem("programme", "programme must be NPQ codes such as NPQLTD.")
    if role == "participant" and len(programmes) != 1:
        raise RowProblem("programme", "a participant needs exactly one programme.")
    end_date = _end_date(row.get("programme_end_date", "").strip(), role)
    seen[email] = line
    return email, Role(role), programmes, end_date


def person_values(row: dict, email: str, role: Role, programmes: list[str],
                  end_date: date | None) -> dict:
    """A checked row as person_changes.compare takes it. A marker's NPQs are their marker
    profile's, changed on their marker page, so a row leaves them alone."""
    values = {"name": row["name"].strip(), "email": email, "cohort": row["cohort"].strip(),
              "delivery_partner": row["delivery_partner"].strip(),
              "school": row["school"].strip()}
    if role is Role.PARTICIPANT:
        values |= {"programme": programmes[0], "programme_end_date": end_date}
    return values


def _end_date(text: str, role: str) -> date | None:
    if not text:
        return None
    if role != "participant":
        raise RowProblem("programme_end_date", "a programme end date is only for participants.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowProblem("programme_end_date",
                         f"programme_end_date “{text}” must be a date like 2026-07-31.") from None


def create_person(row: dict, email: str, role: Role, programmes: list[str], end_date: date | None,
            at: datetime) -> User:
    user = User(email=email, name=row["name"].strip(), role=role,
                cohort=row["cohort"].strip() or None,
                programme=programmes[0] if role is Role.PARTICIPANT else None,
                programme_end_date=end_date,
                delivery_partner=row["delivery_partner"].strip() or None,
                school=row["school"].strip() or None)
    db.session.add(user)
    db.session.flush()
    if role is not Role.PARTICIPANT:
        db.session.add(MarkerProfile(user_id=user.id, npq_codes=" ".join(programmes)))
    issue_password_link(user, at, first_time=True)
    return user


def add_person(row: dict, actor: User, at: datetime) -> User:
    """Create one person (the same checks as an import); they are emailed a password link."""
    taken = set(db.session.scalars(
        select(User.email).where(func.lower(User.email) == row["email"].strip().lower())))
    try:
        email, role, programmes, end_date = checked_row(row, taken, {})
    except ValueError as problem:
        raise AccountError(as_sentence(problem)) from None
    try:
        user = create_person(row, email, role, programmes, end_date, at)
    except IntegrityError:  # added by another request since the check (a double click)
        raise AccountError(f"{email} already has an account.") from None
    audit.record("person.added", actor=actor, user=user.id, role=role.value,
                 participant_id=user.id if role is Role.PARTICIPANT else None)
    return user


def as_sentence(problem: ValueError) -> str:
    """A row's problem on its own, out of a file's numbered list: a capital letter first,
    unless it starts with an address."""
    message = str(problem)
    return message if "@" in message.split()[0] else message[0].upper() + message[1:]


def create_people(people: list[tuple], filename: str, actor: User, at: datetime) -> list[User]:
    """Create the checked rows of a file ((row, email, role, programmes, end date) each); each
    is emailed a link to set their password."""
    created = [create_person(row, *person, at) for row, *person in people]
    audit.record("people.imported", actor=actor, file=filename, rows=len(created))
    return created
