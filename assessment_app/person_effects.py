"""What changing a person does to their entries, sign-in and marking (no Flask, no database).

One rule for every path that changes people (an admin's edit page, a CSV import, the DfE's
participants): each lists these effects before the change is applied, and a blocking one stops
it. The facts are gathered by services/person_changes.py.

- Programme: an entry is for one NPQ, so the programme cannot change while an attempt at it has
  no outcome (entered for an upcoming or open window, or being marked): the entry must first be
  deferred or withdrawn, or reach its outcome.
- Email: it is how they sign in. An address held by someone else is refused; otherwise every
  session of the account ends and both addresses are told.
- Programme end date: a first attempt's window outside three months of the new date is named
  (the rule warns, it never stops an entry).
- School and delivery partner: a script now held by a marker who shares either is named, as
  allocation would never have given it to them (allocation.conflicts).
"""

from dataclasses import dataclass, field
from datetime import date

from .allocation import normalise_name
from .programme_dates import outside_assessment_period


@dataclass(frozen=True)
class LiveEntry:
    """An attempt without an outcome yet."""

    window_name: str
    npq_code: str
    first_day: date
    last_day: date
    first_attempt: bool  # the three-month rule holds a first attempt only


@dataclass(frozen=True)
class HeldScript:
    """A script being marked, seen from the other side: its marker (for a participant) or its
    participant (for a marker). `who` is what an admin reads: a marker's name or a candidate
    number."""

    who: str
    delivery_partner: str | None
    school: str | None


@dataclass(frozen=True)
class Facts:
    """What a change to one person touches."""

    is_participant: bool
    live_entries: list[LiveEntry] = field(default_factory=list)
    held_scripts: list[HeldScript] = field(default_factory=list)
    email_taken: bool = False  # the new email is another account's


@dataclass(frozen=True)
class Effect:
    field: str
    message: str
    blocking: bool = False


def effects(changes: dict, facts: Facts) -> list[Effect]:
    """The effects of changing the person's fields to `changes` ({field: new value})."""
    found = []
    if "programme" in changes and facts.live_entries:
        found += [Effect("programme", (
            f"They are entered for {e.npq_code} in {e.window_name} and that attempt has no "
            "outcome yet. An entry is for one NPQ, so the programme cannot change while it runs: "
            "defer or withdraw the entry first, or wait for its outcome."), blocking=True)
            for e in facts.live_entries]
    if "email" in changes:
        if facts.email_taken:
            found.append(Effect("email", f"{changes['email']} is already another person's "
                                         "email address. Each person signs in with their own.",
                                blocking=True))
        else:
            found.append(Effect("email", (
                f"They will sign in with {changes['email']} from now on. They are signed out "
                "everywhere, and both the old and the new address are emailed about the change.")))
    if "programme_end_date" in changes:
        found += [Effect("programme_end_date", (
            f"{e.window_name}, where they are entered, is not within three months of the new "
            "end date. They stay entered: the rule warns, it does not stop an entry."))
            for e in facts.live_entries if e.first_attempt
            and outside_assessment_period(changes["programme_end_date"], e.first_day, e.last_day)]
    for name, label in (("delivery_partner", "delivery partner"), ("school", "school")):
        if name not in changes or normalise_name(changes[name]) is None:
            continue
        other = ("Their script is being marked by {who}, of the same {label}."
                 if facts.is_participant else
                 "They are marking the script of candidate {who}, of the same {label}.")
        found += [Effect(name, other.format(who=s.who, label=label) + " Move the script to "
                         "another marker: nobody marks someone from their own " + label + ".")
                  for s in facts.held_scripts
                  if normalise_name(getattr(s, name)) == normalise_name(changes[name])]
    return found


def blocking(found: list[Effect]) -> dict[str, list[str]]:
    """{field: messages} of the effects that stop the change."""
    stopped: dict[str, list[str]] = {}
    for effect in found:
        if effect.blocking:
            stopped.setdefault(effect.field, []).append(effect.message)
    return stopped
