"""Allocating scripts to markers: a pure function of plain data (no Flask, no database).

The service layer (services/allocations.py) maps rows to `Script` and `Marker`, calls `allocate`
(or `reallocate` for one script), and records the result.

Hard rules, never broken:
  * the marker is qualified for the script's NPQ;
  * the marker has room: current_load + scripts given now <= capacity;
  * the marker is not from the participant's delivery partner or school (names compared after
    Unicode NFKC normalisation, case-folding and collapsing whitespace; a missing or blank
    name never conflicts);
  * the marker is not in the script's excluded_markers (e.g. the first attempt's marker, or a
    marker who handed the script back).

Moderation (`may_moderate`, `only_possible_moderator`): a moderator may decide a script when
qualified for its NPQ, not one of its markers and free of the same conflicts. So that no
disagreement is left with nobody to decide it, second marking never goes to the one moderator
who could otherwise decide the script: the service adds `only_possible_moderator` to the
script's excluded_markers before allocating second marking.

Within those rules, in three steps (`allocate`):
  1. Greedy: scripts are taken most constrained first (fewest eligible markers, then script
     id), so scarce markers are kept for the scripts that need them; each goes to the
     eligible marker with room and the lowest load / share (load counting current_load),
     ties broken by marker id.
  2. Repair: a script left without a marker while another arrangement would place it gets one
     by moving scripts of this batch along a shortest chain of eligible markers (an augmenting
     path). So a script is left unallocated only when no arrangement of this batch could place
     it, which maximises the number allocated.
  3. Rebalance: a script of this batch moves from marker a to an eligible marker b with room
     while (load_b + 1) / share_b < load_a / share_a, until no single move helps. This evens
     out markers of overlapping NPQs, which the greedy order alone leaves uneven.
Ratios are compared exactly (a share of 0.3 is 3/10, not the nearest float), so ties are real
ties. Scripts already held (current_load) are never moved. A marker on share 2.0 ends with
about twice the scripts of one on 1.0 in the same pool.

The output depends only on the data, never on the order of the input lists. Script and
marker ids must be hashable and mutually orderable (e.g. all ints).
"""

from __future__ import annotations

import heapq
import math
import unicodedata
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction

NO_QUALIFIED_MARKER = "no qualified marker"
ALL_AT_CAPACITY = "all qualified markers at capacity"
ALL_CONFLICTED = "every qualified marker has a conflict of interest"


@dataclass(frozen=True)
class Script:
    """One script to mark. excluded_markers: marker ids that must never get it."""

    id: Hashable
    npq: str
    delivery_partner: str | None = None
    school: str | None = None
    excluded_markers: frozenset = frozenset()


@dataclass(frozen=True)
class Marker:
    """A marker's contract for the window.

    share: contracted share of the load (> 0), the weight for balancing.
    current_load: scripts already held in this window (counted against capacity).
    """

    id: Hashable
    npqs: frozenset
    capacity: int
    share: float = 1.0
    delivery_partner: str | None = None
    school: str | None = None
    current_load: int = 0


@dataclass(frozen=True)
class Moderator:
    """A moderator who may decide disagreements on the NPQs they are qualified for."""

    id: Hashable
    npqs: frozenset
    delivery_partner: str | None = None
    school: str | None = None


@dataclass
class AllocationResult:
    """assignments: script id -> marker id; unallocated: script id -> a short reason."""

    assignments: dict = field(default_factory=dict)
    unallocated: dict = field(default_factory=dict)


def normalise_name(name: str | None) -> str | None:
    """The form in which delivery partner and school names are compared; None if blank."""
    if name is None:
        return None
    key = " ".join(unicodedata.normalize("NFKC", name).split()).casefold()
    return key or None


def conflicts(marker: Marker | Moderator, script: Script) -> bool:
    """True if the marker must not mark the script: same partner or school, or excluded."""
    return (
        marker.id in script.excluded_markers
        or _same(marker.delivery_partner, script.delivery_partner)
        or _same(marker.school, script.school)
    )


def can_mark(marker: Marker, script: Script) -> bool:
    """Every hard rule for giving one more script to this marker (capacity from current_load)."""
    return (
        script.npq in marker.npqs
        and marker.current_load < marker.capacity
        and not conflicts(marker, script)
    )


def why_not(marker: Marker, script: Script, excluded_because: Mapping[Hashable, str]) -> str | None:
    """Why this marker may not have the script, in words for an admin (None if they may);
    the same rules as can_mark, capacity last, as the only one an admin may override."""
    if script.npq not in marker.npqs:
        return f"not qualified for {script.npq}"
    if marker.id in script.excluded_markers:
        return excluded_because.get(marker.id, "kept off this script")
    if _same(marker.delivery_partner, script.delivery_partner):
        return "same delivery partner as the participant"
    if _same(marker.school, script.school):
        return "same school as the participant"
    if marker.current_load >= marker.capacity:
        return f"at capacity ({marker.current_load} of {marker.capacity} scripts)"
    return None


def may_moderate(moderator: Moderator, script: Script) -> bool:
    """True if the moderator may decide the script; its markers are in excluded_markers."""
    return script.npq in moderator.npqs and not conflicts(moderator, script)


def only_possible_moderator(script: Script, moderators: Iterable[Moderator]) -> Hashable | None:
    """The one moderator who could decide the script, if exactly one could, else None.

    excluded_markers holds the script's first marker. Whoever this returns must not second-mark
    the script: as its second marker they could not decide it, and no one else could.
    """
    eligible = [m.id for m in moderators if may_moderate(m, script)]
    return eligible[0] if len(eligible) == 1 else None


def allocate(scripts: Iterable[Script], markers: Iterable[Marker]) -> AllocationResult:
    """Give each script a marker, or a reason why none can take it.

    Raises ValueError on duplicate script or marker ids, or a share that is not a positive,
    finite number. The inputs are not modified.
    """
    scripts = list(scripts)
    _check_unique(s.id for s in scripts)
    pool = _Pool(markers)
    return pool.allocate(scripts, dict(pool.base_load))


def reallocate(
    script: Script, markers: Iterable[Marker], current_assignments: Mapping[Hashable, Hashable]
) -> AllocationResult:
    """Return one script to the pool and give it to another eligible marker.

    current_assignments (script id -> marker id) is the allocation in force on top of each
    marker's current_load, e.g. the assignments of an earlier `allocate` with the same markers;
    pass {} when current_load already counts everything. The script's present marker
    (current_assignments.get(script.id)) and its excluded_markers are never chosen; add the
    present marker to excluded_markers yourself if it is not in current_assignments.

    Returns a new result: assignments are current_assignments with this script moved to the
    eligible marker with room and the lowest load / share (ties to the lower id), or removed
    and listed in unallocated with a reason (the present marker counts as excluded, so if only
    they could mark it the reason is the conflict of interest). No other script is moved, and
    nothing is rebalanced. Marker ids in current_assignments that are not in markers (e.g. a
    deactivated marker) are ignored. The inputs are not modified.
    """
    pool = _Pool(markers)
    held = dict(current_assignments)
    previous = held.pop(script.id, None)
    if previous is not None:
        script = replace(script, excluded_markers=frozenset(script.excluded_markers) | {previous})
    loads = dict(pool.base_load)
    for marker_id in held.values():
        if marker_id in loads:
            loads[marker_id] += 1
    blocked = pool.blocked(script)
    candidates = [m for m in pool.eligible(script, blocked) if loads[m] < pool.capacity[m]]
    result = AllocationResult(assignments=held)
    if candidates:
        chosen = min(candidates, key=lambda m: (loads[m] * pool.weight[m], m))
        result.assignments[script.id] = chosen
    else:
        result.unallocated[script.id] = pool.reason(script, blocked)
    return result


# Internals ------------------------------------------------------------------------------


def _same(a: str | None, b: str | None) -> bool:
    a, b = normalise_name(a), normalise_name(b)
    return a is not None and a == b


def _check_unique(ids: Iterable[Hashable]) -> None:
    seen: set = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate id {item!r}")
        seen.add(item)


def _exact(share: object) -> Fraction:
    """A share as an exact fraction, read as written (0.3 -> 3/10)."""
    if isinstance(share, bool) or not isinstance(share, int | float | Fraction | Decimal):
        raise ValueError(f"share must be a number, not {share!r}")
    if isinstance(share, float):
        if not math.isfinite(share):
            raise ValueError(f"share must be finite, not {share!r}")
        value = Fraction(repr(share))
    else:
        value = Fraction(share)
    if value <= 0:
        raise ValueError(f"share must be positive, not {share!r}")
    return value


class _Pool:
    """The markers, indexed for fast eligibility checks."""

    def __init__(self, markers: Iterable[Marker]):
        markers = list(markers)
        _check_unique(m.id for m in markers)
        shares = {m.id: _exact(m.share) for m in markers}
        # load / share * scale, as an exact integer: load * weight.
        scale = math.lcm(*(f.numerator for f in shares.values())) if shares else 1
        self.weight = {i: f.denominator * (scale // f.numerator) for i, f in shares.items()}
        self.capacity = {m.id: m.capacity for m in markers}
        self.base_load = {m.id: m.current_load for m in markers}
        qualified: dict[str, list] = {}
        self.by_partner: dict[str, set] = {}
        self.by_school: dict[str, set] = {}
        for m in markers:
            for npq in m.npqs:
                qualified.setdefault(npq, []).append(m.id)
            for index, name in ((self.by_partner, m.delivery_partner), (self.by_school, m.school)):
                key = normalise_name(name)
                if key is not None:
                    index.setdefault(key, set()).add(m.id)
        self.qualified = {npq: sorted(ids) for npq, ids in qualified.items()}
        self.qualified_set = {npq: frozenset(ids) for npq, ids in qualified.items()}

    def blocked(self, script: Script) -> set:
        """Markers qualified for the script who must not have it (conflict or excluded)."""
        qualified = self.qualified_set.get(script.npq, frozenset())
        out = set(qualified & frozenset(script.excluded_markers))
        for index, name in ((self.by_partner, script.delivery_partner),
                            (self.by_school, script.school)):
            key = normalise_name(name)
            if key is not None and key in index:
                out |= qualified & index[key]
        return out

    def eligible(self, script: Script, blocked: set) -> list:
        """Markers who may have the script, capacity aside, by id."""
        return [m for m in self.qualified.get(script.npq, ()) if m not in blocked]

    def reason(self, script: Script, blocked: set) -> str:
        qualified = self.qualified_set.get(script.npq)
        if not qualified:
            return NO_QUALIFIED_MARKER
        if len(blocked) == len(qualified):
            return ALL_CONFLICTED
        return ALL_AT_CAPACITY

    def allocate(self, scripts: list[Script], loads: dict) -> AllocationResult:
        blocked = {s.id: self.blocked(s) for s in scripts}
        count = {
            s.id: len(self.qualified_set.get(s.npq, ())) - len(blocked[s.id]) for s in scripts
        }
        order = sorted(scripts, key=lambda s: (count[s.id], s.id))
        capacity, weight = self.capacity, self.weight
        # One heap per NPQ, one entry (key, marker id) per marker. A key may be stale, but is
        # never above the marker's true key (loads only grow), so a fresh top entry is the
        # true minimum; stale tops are refreshed in place, full markers dropped for good.
        heaps = {
            npq: [(loads[m] * weight[m], m) for m in ids if loads[m] < capacity[m]]
            for npq, ids in self.qualified.items()
        }
        for heap in heaps.values():
            heapq.heapify(heap)
        assigned: dict = {}
        left: list[Script] = []
        for script in order:
            heap, avoid = heaps.get(script.npq), blocked[script.id]
            chosen, skipped = None, []
            while heap:
                key, m = heap[0]
                if loads[m] >= capacity[m]:
                    heapq.heappop(heap)
                elif key != loads[m] * weight[m]:
                    heapq.heapreplace(heap, (loads[m] * weight[m], m))
                elif m in avoid:
                    skipped.append(heapq.heappop(heap))
                else:
                    chosen = m
                    break
            if chosen is None:
                left.append(script)
            else:
                assigned[script.id] = chosen
                loads[chosen] += 1
                if loads[chosen] < capacity[chosen]:
                    heapq.heapreplace(heap, (loads[chosen] * weight[chosen], chosen))
                else:
                    heapq.heappop(heap)
            for entry in skipped:
                heapq.heappush(heap, entry)
        by_id = {s.id: s for s in scripts}
        if left:
            self._repair(left, by_id, assigned, loads, blocked)
        self._rebalance(by_id, assigned, loads, blocked)
        result = AllocationResult()
        for script in sorted(scripts, key=lambda s: s.id):
            if script.id in assigned:
                result.assignments[script.id] = assigned[script.id]
            else:
                result.unallocated[script.id] = self.reason(script, blocked[script.id])
        return result

    def _repair(self, left, by_id, assigned, loads, blocked) -> None:
        """Place left-over scripts by moving scripts of this batch along augmenting paths.

        A breadth-first search from the left-over script through full eligible markers and the
        scripts they hold, until a marker with room is reached; then each script on the path
        moves one step along it (only the last marker's load grows). Markers reached by a
        failed search can never lead to room later, so they are skipped thereafter. Scripts
        with the same NPQ and the same blocked markers reach the same markers, so a search
        expands only the first of them.
        """
        options: dict = {}  # script id -> eligible markers, capacity aside
        kinds: dict = {}  # script id -> (NPQ, blocked markers)
        holders: dict = {}  # marker id -> scripts of this batch it holds (an ordered set)
        for script_id, marker_id in assigned.items():
            holders.setdefault(marker_id, {})[script_id] = None
        dead: set = set()
        capacity, weight = self.capacity, self.weight
        for start in left:
            via: dict = {}  # marker -> the script from which the search reached it
            queue, seen = deque([start.id]), set()
            found = None
            while queue and found is None:
                script_id = queue.popleft()
                if script_id not in options:
                    options[script_id] = self.eligible(by_id[script_id], blocked[script_id])
                full = []
                for m in options[script_id]:
                    if m in via or m in dead:
                        continue
                    via[m] = script_id
                    if loads[m] >= capacity[m]:
                        full.append(m)
                    elif found is None or (loads[m] * weight[m], m) < (
                            loads[found] * weight[found], found):
                        found = m  # the lightest marker with room at this step
                if found is None:
                    for m in full:
                        for held in holders.get(m, ()):
                            kind = kinds.get(held)
                            if kind is None:
                                kind = kinds[held] = (by_id[held].npq, frozenset(blocked[held]))
                            if kind not in seen:
                                seen.add(kind)
                                queue.append(held)
            if found is None:
                dead.update(via)
                continue
            loads[found] += 1
            m = found
            while True:
                script_id = via[m]
                previous = assigned.get(script_id)
                if previous is not None:
                    del holders[previous][script_id]
                assigned[script_id] = m
                holders.setdefault(m, {})[script_id] = None
                if script_id == start.id:
                    break
                m = previous

    def _rebalance(self, by_id, assigned, loads, blocked) -> None:
        """Move single scripts of this batch from heavier to lighter markers while that helps.

        A script moves from marker a to an eligible marker b with room when b's ratio after the
        move is below a's before it: (load_b + 1) / share_b < load_a / share_a. Each move
        lowers the sum over markers of 1/share + 2/share + ... + load/share, so this ends; at
        the end no single move would help. It corrects what the greedy order cannot see, e.g.
        a marker of two NPQs given the scarce NPQ's scripts early and then the other NPQ's
        too, while a marker of the scarce NPQ only stays light. Nothing is unallocated here.
        """
        capacity, weight = self.capacity, self.weight
        holders: dict = {}  # marker -> NPQ -> scripts of this batch (an ordered set)
        for script_id, marker_id in assigned.items():
            npq = by_id[script_id].npq
            holders.setdefault(marker_id, {}).setdefault(npq, {})[script_id] = None
        npqs_of: dict = {}
        for npq, ids in self.qualified.items():
            for m in ids:
                npqs_of.setdefault(m, []).append(npq)
        # Per NPQ, markers with room by their ratio after one more script. An entry is valid
        # while its version is the marker's version (bumped whenever its load changes).
        version = dict.fromkeys(capacity, 0)
        heaps: dict = {
            npq: [((loads[m] + 1) * weight[m], m, 0) for m in ids if loads[m] < capacity[m]]
            for npq, ids in self.qualified.items()
        }
        for heap in heaps.values():
            heapq.heapify(heap)

        def changed(m) -> None:
            version[m] += 1
            if loads[m] < capacity[m]:
                for npq in npqs_of[m]:
                    heapq.heappush(heaps[npq], ((loads[m] + 1) * weight[m], m, version[m]))

        moved = True
        while moved:
            moved = False
            for a in sorted(holders, key=lambda m: (-loads[m] * weight[m], m)):
                for npq, held in holders[a].items():
                    heap, skipped = heaps[npq], []
                    while held:
                        while heap and (heap[0][2] != version[heap[0][1]]
                                        or loads[heap[0][1]] >= capacity[heap[0][1]]):
                            heapq.heappop(heap)
                        if not heap or heap[0][0] >= loads[a] * weight[a]:
                            break
                        b = heap[0][1]
                        script_id = next((s for s in held if b not in blocked[s]), None)
                        if script_id is None:
                            skipped.append(heapq.heappop(heap))
                            continue
                        del held[script_id]
                        holders.setdefault(b, {}).setdefault(npq, {})[script_id] = None
                        assigned[script_id] = b
                        loads[a] -= 1
                        loads[b] += 1
                        changed(a)
                        changed(b)
                        moved = True
                    for entry in skipped:
                        heapq.heappush(heap, entry)
