"""Standardisation rules: plain data in, decisions out (no Flask, no database).

A marker's levels on a definitive script are within tolerance when the outcome agrees, no
criterion is more than one level from the agreed level, and at most `criteria_off_allowed`
criteria are one level off (a window's setting). A marker qualifies for live marking in a window
and NPQ by marking its qualification set within tolerance, or when the lead clears them. During
live marking each seeded script checked outside tolerance flags the marker until the lead
decides (feedback and continue, second-mark their recent scripts, or stop them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .rubrics import Rubric


@dataclass(frozen=True)
class Difference:
    criterion: str  # the criterion's title
    given: str  # the marker's level title
    agreed: str  # the definitive level title
    gap: int  # levels apart


@dataclass(frozen=True)
class Comparison:
    outcome_agrees: bool
    differences: tuple[Difference, ...]
    agrees: bool  # within the window's tolerance

    def summary(self) -> str:
        parts = [] if self.outcome_agrees else ["the outcome differs"]
        parts += [f"“{d.criterion}” {d.given} (agreed {d.agreed})" for d in self.differences]
        return "; ".join(parts) or "the same levels as the definitive mark"


def compare(rubric: Rubric, agreed: Mapping[str, str], given: Mapping[str, str],
            criteria_off_allowed: int) -> Comparison:
    """The marker's levels against the definitive ones, judged by the window's tolerance."""
    differences = tuple(
        Difference(c.title, rubric.level(given[c.id]).title, rubric.level(agreed[c.id]).title,
                   abs(rubric.level_index(given[c.id]) - rubric.level_index(agreed[c.id])))
        for c in rubric.criteria if given[c.id] != agreed[c.id]
    )
    outcome_agrees = rubric.outcome(given) == rubric.outcome(agreed)
    agrees = (outcome_agrees and all(d.gap <= 1 for d in differences)
              and len(differences) <= criteria_off_allowed)
    return Comparison(outcome_agrees, differences, agrees)


def criteria_matched(agreed: Mapping[str, str], given: Mapping[str, str]) -> int:
    return sum(given.get(c) == level for c, level in agreed.items())


class Standing(StrEnum):
    """Where a marker stands for one window and NPQ; the text is what the lead reads."""

    NOT_REQUIRED = "no qualification set"  # standardisation not in force: marks live
    NOT_STARTED = "qualification not started"
    QUALIFYING = "qualifying"
    NOT_QUALIFIED = "outside tolerance at qualification: waiting for the lead"
    LIVE = "marking live"
    FLAGGED = "drifted out of tolerance: waiting for the lead"
    STOPPED = "stopped by the lead"

    @property
    def marks_live(self) -> bool:
        """May be given new live scripts (a flagged marker keeps theirs, gets no more)."""
        return self in (Standing.NOT_REQUIRED, Standing.LIVE)

    @property
    def needs_lead(self) -> bool:
        return self in (Standing.NOT_QUALIFIED, Standing.FLAGGED)


@dataclass(frozen=True)
class SeedState:
    qualification: bool
    checked_at: datetime | None  # None until the marker submits it
    agrees: bool | None


@dataclass(frozen=True)
class Decision:
    action: str  # models.LeadAction values
    at: datetime


def standing(in_force: bool, seeds: Iterable[SeedState], decisions: Iterable[Decision]) -> Standing:
    """The marker's standing from their seeds and the lead's decisions, in time order."""
    if not in_force:
        return Standing.NOT_REQUIRED
    seeds, decisions = list(seeds), sorted(decisions, key=lambda d: d.at)
    qualification = [s for s in seeds if s.qualification]
    if not qualification:
        return Standing.NOT_STARTED
    if any(s.checked_at is None for s in qualification):
        return Standing.QUALIFYING
    qualified_at = max(s.checked_at for s in qualification)
    state = Standing.LIVE
    if not all(s.agrees for s in qualification):
        state = Standing.NOT_QUALIFIED
    # Decisions come after seeds checked at the same instant: the lead saw them.
    events = [(s.checked_at, 0, s) for s in seeds if not s.qualification and s.checked_at]
    events += [(d.at, 1, d) for d in decisions if d.at >= qualified_at]
    for _, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(event, SeedState):
            if state is Standing.LIVE and not event.agrees:
                state = Standing.FLAGGED
        elif event.action == "stop":
            state = Standing.STOPPED
        elif event.action in ("clear", "feedback", "second_mark"):
            state = Standing.LIVE
    return state


def last_good_seed(seeds: Iterable[SeedState]) -> datetime | None:
    """When the marker last marked a seed within tolerance (qualification counts)."""
    return max((s.checked_at for s in seeds if s.agrees and s.checked_at), default=None)


def seeds_due(live_scripts: int, seeds_given: int, seed_every: int) -> int:
    """How many more seeds keep one script in `seed_every` a seed: 19 live scripts earn one
    seed at 1 in 20, so the twentieth script in the queue is the seed."""
    return max(0, live_scripts // (seed_every - 1) - seeds_given)
