"""Which changes to a window hurt its participants, which help them, and which touch no one.

Plain rules with the clock passed in. Before the case study is released, anything may
change (the release and NPQ checks are the service's); only a length other than the usual
8 days asks for a confirmation. Once released, judged against what participants were given:

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
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time

from . import deadlines
from .clock import to_london
from .deadlines import DEFAULT_LENGTH_DAYS, deadline_day, is_in_time, is_released
from .timeformat import deadline_text, london_time
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


@dataclass(frozen=True)
class Review:
    refusals: list[Refusal] = field(default_factory=list)
    improvements: list[Improvement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.improvements or self.warnings)

    @property
    def fingerprint(self) -> str:
        """Names exactly what was shown for confirmation, so a confirmation of one set of
        changes never confirms another."""
        shown = [f"{i.field}:{i.before}>{i.after}" for i in self.improvements] + self.warnings
        return hashlib.sha256("\n".join(shown).encode()).hexdigest()[:16]


def length_warning(length_days: int, previous: int | None = None) -> str | None:
    """A window is 8 days unless the admin confirms otherwise (a length already confirmed
    for this window is not asked about again)."""
    if length_days == DEFAULT_LENGTH_DAYS or length_days == previous:
        return None
    return (f"This window will be {length_days} day{'s' if length_days != 1 else ''} long. "
            f"Assessment windows are normally {DEFAULT_LENGTH_DAYS} days.")


def review(current: Terms, proposed: Terms, at: datetime,
           latest_extension: datetime | None = None) -> Review:
    """Judge a proposed change to a window at instant `at` (see the module docstring);
    `latest_extension` is the latest personal deadline already granted in the window."""
    warnings = [w for w in [length_warning(proposed.length_days, current.length_days)] if w]
    refusals: list[Refusal] = []
    improvements: list[Improvement] = []
    if is_released(current.release_at, at):
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
    return Review(refusals, improvements, warnings)


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
