"""Which changes to a window hurt its participants, which help them, and which touch no one.

Plain rules with the clock passed in. Before the case study is released, anything may
change (the release and NPQ checks are the service's) except the engagement deadline, below;
a length other than the usual 8 days, and a release moved earlier (at once, if its new minute
has passed), ask for a confirmation. Once released, judged against
what participants were given:

Refused (they hurt):
- moving the release (day 1 or the release time), or removing an NPQ: its participants
  have the case study already;
- an earlier deadline by any route: fewer days or an earlier deadline time (judged by the
  resulting deadline instant, and the message blames whichever of the two moved earlier);
- a lower word limit; a lower tolerance (each on its own, even if the other rises);
- a longest extension shorter than an extension already granted (measured from the new
  deadline), since that person was promised the later date;
- any change to the engagement deadline: it has passed, and the gate was applied with it;
- any change to the deadline, word limit or tolerance once the window's deadline has passed:
  submissions are closed and marking under way (more time is given by extensions instead).
Confirmed, audited and emailed to everyone entered (they help): a later deadline, a higher
word limit, a higher tolerance.
Neither (they touch no participant): the name, the marking deadline, the second-marking
share, and a longest extension that still covers every extension granted.

The engagement deadline before release. Entries made while it is still to come wait for the
90% gate at it (entered=False): it reaches them, and only them.
- Once it has passed, it cannot change: the gate was applied with it, and entries decided.
- A new deadline already past is refused: whoever waits would lose their attempt at once,
  with no time to reach 90% or ask to defer. (Set where there was none, with nobody waiting,
  it touches no one: everyone was checked when entered.)
- With participants waiting, and the new deadline still to come: moving it later helps them;
  moving it earlier, or clearing it, can cost them their attempt. Each is confirmed, audited
  and emailed to each of them; clearing it applies the gate to them when it is saved (at 90%
  or more entered, otherwise the attempt is lost), and is refused while a deferral request
  waits for a decision (the gate leaves those waiting, and with no deadline it never returns).
- With nobody waiting, a change to it touches no one.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum

from . import deadlines
from .clock import to_london
from .deadlines import DEFAULT_LENGTH_DAYS, deadline_day, is_in_time, is_released
from .timeformat import deadline_text, london_time, plural
from .word_limits import WordLimit


@dataclass(frozen=True)
class Terms:
    """What a window promises its participants, as these rules compare it."""

    release_at: datetime
    closes_at: datetime
    length_days: int
    deadline_time: time
    word_limit: int
    tolerance_percent: int
    max_extension_days: int
    engagement_deadline: datetime | None = None
    npq_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Refusal:
    """A change that would hurt participants, on the form field that asks for it."""

    field: str
    message: str


@dataclass(frozen=True)
class Improvement:
    """A change that helps participants: shown for confirmation, audited and emailed."""

    field: str
    label: str
    before: str
    after: str


class GateChangeKind(StrEnum):
    LATER = "later"  # helps those waiting: more time to reach 90% or ask to defer
    EARLIER = "earlier"  # less time
    CLEARED = "cleared"  # no deadline: the gate is applied to them when the change is saved


@dataclass(frozen=True)
class GateChange:
    """A change to an engagement deadline still to come, with participants waiting at its
    90% gate: confirmed, audited and emailed to each of them."""

    kind: GateChangeKind
    before: str
    after: str
    waiting: int

    @property
    def helps(self) -> bool:
        return self.kind is GateChangeKind.LATER

    def describe(self) -> str:
        people = f"{self.waiting} participant{'' if self.waiting == 1 else 's'}"
        if self.kind is GateChangeKind.CLEARED:
            return (f"The engagement deadline ({self.before}) will be removed. {people} waiting "
                    "for the 90% engagement check will be checked as soon as you save: those "
                    "at 90% or more are entered, the others lose this attempt (it counts). "
                    "Each is emailed the outcome.")
        if self.kind is GateChangeKind.EARLIER:
            return (f"The engagement deadline moves earlier, from {self.before} to {self.after}. "
                    f"{people} waiting for the 90% engagement check will have less time to "
                    "reach 90% or ask to defer, and each is emailed the new deadline.")
        return (f"The engagement deadline moves later, from {self.before} to {self.after}. "
                f"{people} waiting for the 90% engagement check will have more time, and each "
                "is emailed the new deadline.")


@dataclass(frozen=True)
class Review:
    refusals: list[Refusal] = field(default_factory=list)
    improvements: list[Improvement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gate_change: GateChange | None = None

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.improvements or self.warnings or self.gate_change)

    @property
    def fingerprint(self) -> str:
        """Names exactly what was shown for confirmation, so a confirmation of one set of
        changes never confirms another."""
        shown = [f"{i.field}:{i.before}>{i.after}" for i in self.improvements] + self.warnings
        if self.gate_change:
            change = self.gate_change
            shown.append(f"engagement:{change.kind}:{change.before}>{change.after}")
        return hashlib.sha256("\n".join(shown).encode()).hexdigest()[:16]


def length_warning(length_days: int, previous: int | None = None) -> str | None:
    """A window is 8 days unless the admin confirms otherwise (a length already confirmed
    for this window is not asked about again)."""
    if length_days == DEFAULT_LENGTH_DAYS or length_days == previous:
        return None
    return (f"This window will be {length_days} day{'s' if length_days != 1 else ''} long. "
            f"Assessment windows are normally {DEFAULT_LENGTH_DAYS} days.")


def early_release_warning(before: datetime, after: datetime, at: datetime,
                          entered: int) -> str | None:
    """A release moved earlier, before it happens: the case study goes out sooner than anyone
    was told (at once, if the new minute has passed), and a release cannot be undone."""
    if after >= before:
        return None
    people = f"{plural(entered, 'participant')} entered"
    if after <= at:
        return (f"The case study will be released as soon as you save, not at "
                f"{london_time(before)}: {people} can read it straight away. A release cannot "
                "be undone.")
    return (f"The case study will be released earlier, at {london_time(after)} instead of "
            f"{london_time(before)}: {people} can read it from then. A release cannot be "
            "undone.")


def review(current: Terms, proposed: Terms, at: datetime,
           latest_extension: datetime | None = None, waiting: int = 0,
           deferrals_pending: int = 0, entered: int = 0) -> Review:
    """Judge a proposed change to a window at instant `at` (see the module docstring);
    `latest_extension` is the latest personal deadline already granted in the window,
    `waiting` how many entries wait for the engagement gate, `deferrals_pending` how many
    of them have a deferral request waiting for a decision, and `entered` how many can read
    the case study once it is released."""
    warnings = [w for w in [length_warning(proposed.length_days, current.length_days)] if w]
    refusals: list[Refusal] = []
    improvements: list[Improvement] = []
    gate_change = None
    if not is_released(current.release_at, at):
        warnings += [w for w in [early_release_warning(current.release_at, proposed.release_at,
                                                       at, entered)] if w]
        gate_change = _judge_engagement_deadline(current, proposed, at, waiting,
                                                 deferrals_pending, refusals)
    else:
        closed = not is_in_time(current.closes_at, at)
        if not _release_refused(current, proposed, refusals):
            # A moved release is refused whole; its deadline is not judged on top of it.
            _judge_deadline(current, proposed, closed, refusals, improvements)
        _judge_word_limit(current, proposed, closed, refusals, improvements)
        if _day(proposed.engagement_deadline) != _day(current.engagement_deadline):
            refusals.append(Refusal("engagement_deadline", (
                "The engagement deadline cannot change after the case study is released: it "
                f"was {_engagement_text(current.engagement_deadline)}, and entries were decided "
                "by it."
            )))
    refusal = _extension_refusal(current, proposed, latest_extension)
    if refusal:
        refusals.append(refusal)
    return Review(refusals, improvements, warnings, gate_change)


def _judge_engagement_deadline(current: Terms, proposed: Terms, at: datetime, waiting: int,
                               deferrals_pending: int,
                               refusals: list[Refusal]) -> GateChange | None:
    """Before release (see the module docstring): refused, a change for those waiting at the
    gate (returned), or one that touches no one (None)."""
    before, after = current.engagement_deadline, proposed.engagement_deadline
    if _day(after) == _day(before):
        return None
    if before is not None and before <= at:
        refusals.append(Refusal("engagement_deadline", (
            f"The engagement deadline passed at {deadline_text(before)} and entries were "
            "decided by it, so it can no longer change."
        )))
        return None
    if after is not None and after <= at:
        if before is not None or waiting:
            refusals.append(Refusal("engagement_deadline", (
                f"The engagement deadline cannot be {deadline_text(after)}: that has already "
                "passed, so participants waiting for the 90% engagement check would lose their "
                "attempt at once, with no time to reach 90% or ask to defer. Choose a date "
                "still to come."
            )))
        return None
    if before is None or not waiting:
        return None  # nobody waits at a gate
    if after is None:
        if deferrals_pending:
            refusals.append(Refusal("engagement_deadline", (
                f"The engagement deadline cannot be removed while {deferrals_pending} deferral "
                f"request{' waits' if deferrals_pending == 1 else 's wait'} for a decision: "
                "decide them first (removing it checks everyone waiting at once)."
            )))
            return None
        return GateChange(GateChangeKind.CLEARED, deadline_text(before), "none", waiting)
    kind = GateChangeKind.LATER if after > before else GateChangeKind.EARLIER
    return GateChange(kind, deadline_text(before), deadline_text(after), waiting)


def _release_refused(current: Terms, proposed: Terms, refusals: list[Refusal]) -> bool:
    moved = proposed.release_at != current.release_at
    if moved:
        same_day = to_london(proposed.release_at).date() == to_london(current.release_at).date()
        refusals.append(Refusal("release_time" if same_day else "first_day", (
            "The case study has been released, so the release date and time can no longer "
            f"change: it was released at {london_time(current.release_at)}."
        )))
    dropped = sorted(current.npq_codes - proposed.npq_codes)
    if dropped:
        refusals.append(Refusal("npq_codes", (
            f"The case study has been released, so {', '.join(dropped)} can no longer be "
            f"removed: the NPQs are {', '.join(sorted(current.npq_codes))}."
        )))
    return moved


def _judge_deadline(current: Terms, proposed: Terms, closed: bool, refusals: list[Refusal],
                    improvements: list[Improvement]) -> None:
    if proposed.closes_at == current.closes_at:
        return
    now_text = deadline_text(current.closes_at)
    shorter = proposed.length_days < current.length_days
    earlier_time = proposed.deadline_time < current.deadline_time
    if closed:
        refusals.append(Refusal("deadline_time" if earlier_time else "length_days", (
            f"The deadline cannot change after the window has closed: it was {now_text}. "
            "Give individual participants an extension instead."
        )))
    elif proposed.closes_at > current.closes_at:
        improvements.append(Improvement("deadline", "Deadline", now_text,
                                        deadline_text(proposed.closes_at)))
    else:
        if shorter or not earlier_time:
            refusals.append(Refusal("length_days", (
                "The window cannot be shortened after the case study is released: it is "
                f"{current.length_days} days long, with the deadline at {now_text}."
            )))
        if earlier_time:
            refusals.append(Refusal("deadline_time", (
                "The deadline time cannot be made earlier after the case study is released: "
                f"it is {current.deadline_time:%H:%M} on the last day ({now_text})."
            )))


def _judge_word_limit(current: Terms, proposed: Terms, closed: bool, refusals: list[Refusal],
                      improvements: list[Improvement]) -> None:
    before = WordLimit(current.word_limit, current.tolerance_percent)
    after = WordLimit(proposed.word_limit, proposed.tolerance_percent)
    if before == after:
        return
    if closed:
        changed = "word_limit" if proposed.word_limit != current.word_limit else "tolerance_percent"
        refusals.append(Refusal(changed, (
            "The word limit and tolerance cannot change after the window has closed: they are "
            f"{before.describe()}."
        )))
        return
    hurt = False
    if proposed.word_limit < current.word_limit:
        hurt = True
        refusals.append(Refusal("word_limit", (
            "The word limit cannot be lowered after the case study is released: it is "
            f"{current.word_limit:,} words."
        )))
    if proposed.tolerance_percent < current.tolerance_percent:
        hurt = True
        refusals.append(Refusal("tolerance_percent", (
            "The tolerance cannot be lowered after the case study is released: it is "
            f"{current.tolerance_percent}%."
        )))
    if not hurt:
        improvements.append(Improvement("word_limit", "Word limit", before.describe(),
                                        after.describe()))


def _extension_refusal(current: Terms, proposed: Terms,
                       latest_extension: datetime | None) -> Refusal | None:
    """A longest extension that no longer reaches an extension already granted."""
    if latest_extension is None or latest_extension <= deadlines.latest_extension(
            proposed.closes_at, proposed.deadline_time, proposed.max_extension_days):
        return None
    needed = (_day(latest_extension) - _day(proposed.closes_at)).days
    return Refusal("max_extension_days", (
        f"The longest extension cannot be less than {needed} days after the deadline: an "
        f"extension already granted runs to {deadline_text(latest_extension)}. It is "
        f"{current.max_extension_days} days now."
    ))


def _day(closes_at: datetime | None) -> date | None:
    return deadline_day(closes_at) if closes_at else None


def _engagement_text(engagement_deadline: datetime | None) -> str:
    return deadline_text(engagement_deadline) if engagement_deadline else "not set"
