"""Benchmark: allocate 5,000 scripts among 100 markers across the ten NPQs, and print the figures.

Run with `make bench` or `.venv/bin/python bench/bench_allocation.py [runs]`. Not a test.
Target: well under a second for one allocation.

Load spread: across all markers it mostly reflects recruitment (an NPQ with more markers per
script gives each fewer); "within one NPQ" is the widest load/share spread among the markers of
one NPQ who still have room, which is what the balancing controls (conflicts and resit
exclusions can widen it a little; one script is 1/share units).

Scenarios (same seed each run, so the figures are comparable between changes):
  realistic  markers qualified for 1-3 NPQs of one kind, recruited in proportion to each NPQ's
             scripts; 25 delivery partners of uneven size, each with its own schools; most
             markers belong to a partner and a school; names spelled inconsistently; 10% resits
             excluding the first attempt's marker; capacity about 1.3x the scripts.
  all-npqs   every marker qualified for every NPQ (the most markers to consider per script).
  tight      as realistic, but capacity about 0.9x the scripts, with loads already held: some
             scripts must stay unallocated.
"""

import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assessment_app.allocation import Marker, Script, allocate
from assessment_app.npqs import NPQS

SCRIPTS, MARKERS, PARTNERS, SCHOOLS_PER_PARTNER = 5000, 100, 25, 40
# Relative cohort sizes: the leadership NPQs and NPQSENCO are the big ones.
VOLUME = {"NPQLT": 9, "NPQLBC": 9, "NPQLL": 6, "NPQLTD": 9, "NPQLPM": 6,
          "NPQSL": 18, "NPQH": 14, "NPQEYL": 5, "NPQEL": 5, "NPQSENCO": 19}
KIND = {n.code: n.kind for n in NPQS}


def misspell(rng: random.Random, name: str) -> str:
    """The same name as typed by different people: case and stray spaces vary."""
    return rng.choice([name, name.upper(), name.lower(), f" {name}", f"{name}  "])


def build(scenario: str = "realistic", seed: int = 2026) -> tuple[list[Script], list[Marker]]:
    rng = random.Random(seed)
    codes = list(VOLUME)
    partners = [f"Delivery Partner {i}" for i in range(PARTNERS)]
    partner_size = [1 / (i + 1) ** 0.8 for i in range(PARTNERS)]  # a few big partners
    schools = {p: [f"{p} School {j}" for j in range(SCHOOLS_PER_PARTNER)] for p in partners}

    demand = Counter(rng.choices(codes, weights=[VOLUME[c] for c in codes], k=SCRIPTS))
    factor = {"realistic": 1.3, "all-npqs": 1.3, "tight": 0.9}[scenario]
    # Recruitment follows demand: each NPQ gets primary markers in proportion to its scripts
    # (at least two), and a marker may also mark one or two other NPQs of the same kind.
    primary = [c for c in codes for _ in range(max(2, round(MARKERS * demand[c] / SCRIPTS)))]
    primary = (primary + rng.choices(codes, weights=[VOLUME[c] for c in codes], k=MARKERS))
    primary = primary[:MARKERS]
    rng.shuffle(primary)
    markers = []
    for m in range(MARKERS):
        if scenario == "all-npqs":
            npqs = frozenset(codes)
        else:
            pool = [c for c in codes if KIND[c] == KIND[primary[m]] and c != primary[m]]
            extra = rng.sample(pool, rng.choice([0, 0, 1, 1, 2]))
            npqs = frozenset([primary[m], *extra])
        share = rng.choice([0.5, 1.0, 1.0, 1.0, 1.5])
        capacity = max(1, round(SCRIPTS * factor / MARKERS * share * rng.uniform(0.8, 1.2)))
        partner = rng.choices(partners, weights=partner_size)[0] if rng.random() < 0.7 else None
        school = rng.choice(schools[partner]) if partner and rng.random() < 0.6 else None
        load = rng.randint(0, capacity // 5) if scenario == "tight" else 0
        markers.append(Marker(id=m, npqs=npqs, capacity=capacity, share=share,
                              delivery_partner=partner and misspell(rng, partner),
                              school=school and misspell(rng, school), current_load=load))
    qualified = {c: [m.id for m in markers if c in m.npqs] for c in codes}

    scripts = []
    for s, code in enumerate(rng.sample(list(demand.elements()), SCRIPTS)):
        partner = rng.choices(partners, weights=partner_size)[0]
        resit = rng.random() < 0.10 and qualified[code]
        scripts.append(Script(
            id=s, npq=code, delivery_partner=misspell(rng, partner),
            school=misspell(rng, rng.choice(schools[partner])),
            excluded_markers=frozenset([rng.choice(qualified[code])]) if resit else frozenset(),
        ))
    return scripts, markers


def report(scenario: str, runs: int) -> None:
    scripts, markers = build(scenario)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = allocate(scripts, markers)
        timings.append(time.perf_counter() - started)
    new = Counter(result.assignments.values())
    loads = {m.id: m.current_load + new[m.id] for m in markers}
    ratios = [loads[m.id] / m.share for m in markers]
    # Markers with room left are the ones balancing could still have given more to.
    with_room = [loads[m.id] / m.share for m in markers if loads[m.id] < m.capacity]
    print(f"[{scenario}] {len(scripts)} scripts, {len(markers)} markers, "
          f"capacity {sum(m.capacity - m.current_load for m in markers)} free")
    print(f"  time: best {min(timings):.4f} s, median {statistics.median(timings):.4f} s "
          f"({runs} runs)")
    print(f"  allocated {len(result.assignments)}, unallocated {len(result.unallocated)}"
          + "".join(f"; {n} {reason!r}" for reason, n in
                    Counter(result.unallocated.values()).most_common()))
    print(f"  load (scripts held): min {min(loads.values())}, max {max(loads.values())}, "
          f"spread {max(loads.values()) - min(loads.values())}")
    print(f"  load / share: min {min(ratios):.1f}, max {max(ratios):.1f}, "
          f"spread {max(ratios) - min(ratios):.1f}; markers at capacity "
          f"{sum(loads[m.id] >= m.capacity for m in markers)}"
          + (f"; among markers with room: spread {max(with_room) - min(with_room):.1f}"
             if with_room else ""))
    within = {}
    for code in VOLUME:
        group = [loads[m.id] / m.share for m in markers
                 if code in m.npqs and loads[m.id] < m.capacity]
        if len(group) > 1:
            within[code] = max(group) - min(group)
    if within:
        code = max(within, key=within.get)
        print(f"  load / share within one NPQ (markers with room): widest spread "
              f"{within[code]:.1f} ({code}), median {statistics.median(within.values()):.1f}")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    for scenario in ("realistic", "all-npqs", "tight"):
        report(scenario, runs)


if __name__ == "__main__":
    main()
