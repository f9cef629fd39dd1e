"""Allocating scripts to first (or second) markers: a pure function of scripts and markers.

Hard rules: the marker is qualified for the script's NPQ, has spare capacity, shares no
delivery partner or school with the participant, and is not excluded for the script (the
first attempt's marker, or a marker who already had it). Within those rules the load is
balanced by each marker's contracted share: a script goes to the eligible marker with the
lowest load/share, ties broken by id. The most constrained scripts are placed first, so
scarce markers are kept for the scripts that need them.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Script:
    id: int
    npq: str
    delivery_partner: str | None = None
    school: str | None = None
    excluded_markers: frozenset = frozenset()


@dataclass
class Marker:
    id: int
    npqs: frozenset
    capacity: int
    share: float = 1.0
    delivery_partner: str | None = None
    school: str | None = None
    current_load: int = 0


@dataclass
class AllocationResult:
    assignments: dict = field(default_factory=dict)  # script id -> marker id
    unallocated: dict = field(default_factory=dict)  # script id -> reason


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().casefold() == b.strip().casefold())


def conflicts(marker: Marker, script: Script) -> bool:
    return (_same(marker.delivery_partner, script.delivery_partner)
            or _same(marker.school, script.school) or marker.id in script.excluded_markers)


def can_mark(marker: Marker, script: Script) -> bool:
    """Every hard rule, including spare capacity."""
    return (script.npq in marker.npqs and marker.current_load < marker.capacity
            and not conflicts(marker, script))


def allocate(scripts: list[Script], markers: list[Marker]) -> AllocationResult:
    result = AllocationResult()
    loads = {m.id: m.current_load for m in markers}
    eligible = {
        s.id: [m for m in markers if s.npq in m.npqs and not conflicts(m, s)] for s in scripts
    }
    # One heap per marker group is not enough (eligibility is per script), so each script
    # scans its own eligible list; lists are short (markers qualified for one NPQ).
    order = sorted(scripts, key=lambda s: (len(eligible[s.id]), s.id))
    for script in order:
        candidates = [m for m in eligible[script.id] if loads[m.id] < m.capacity]
        if not candidates:
            result.unallocated[script.id] = _reason(script, markers, eligible[script.id])
            continue
        best = min(candidates, key=lambda m: (loads[m.id] / m.share, m.id))
        loads[best.id] += 1
        result.assignments[script.id] = best.id
    return result


def _reason(script: Script, markers: list[Marker], eligible: list[Marker]) -> str:
    if not any(script.npq in m.npqs for m in markers):
        return "no qualified marker"
    if not eligible:
        return "every qualified marker has a conflict of interest"
    return "all qualified markers at capacity"


