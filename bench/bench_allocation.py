"""Benchmark: allocate 5,000 scripts among 100 markers across the ten NPQs, and print the figures.

Run with `make bench` (or `.venv/bin/python bench/bench_allocation.py`). Target: well under a
second for one allocation.
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assessment_app.allocation import Marker, Script, allocate  # noqa: E402
from assessment_app.npqs import NPQ_CODES  # noqa: E402

PARTNERS = [f"Partner {i}" for i in range(25)]
SCHOOLS = [f"School {i}" for i in range(800)]


def build(seed: int = 2026) -> tuple[list[Script], list[Marker]]:
    rng = random.Random(seed)
    markers = [
        Marker(id=m, npqs=frozenset(rng.sample(NPQ_CODES, rng.randint(1, 3))),
               capacity=rng.randint(40, 120), share=rng.choice([0.5, 1.0, 1.0, 1.5]),
               delivery_partner=rng.choice(PARTNERS), school=rng.choice(SCHOOLS))
        for m in range(100)
    ]
    scripts = [
        Script(id=s, npq=rng.choice(NPQ_CODES), delivery_partner=rng.choice(PARTNERS),
               school=rng.choice(SCHOOLS),
               excluded_markers=frozenset(rng.sample(range(100), 1)) if rng.random() < 0.1 else frozenset())
        for s in range(5000)
    ]
    return scripts, markers


def main() -> None:
    scripts, markers = build()
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        result = allocate(scripts, markers)
        timings.append(time.perf_counter() - started)
    loads: dict[int, int] = {}
    for marker_id in result.assignments.values():
        loads[marker_id] = loads.get(marker_id, 0) + 1
    ratios = [loads.get(m.id, 0) / m.share for m in markers if loads.get(m.id)]
    print(f"scripts: {len(scripts)}, markers: {len(markers)}")
    print(f"allocated: {len(result.assignments)}, unallocated: {len(result.unallocated)}")
    print(f"best: {min(timings):.3f} s, median: {statistics.median(timings):.3f} s (7 runs)")
    print(f"load per unit of share: min {min(ratios):.1f}, max {max(ratios):.1f}")


if __name__ == "__main__":
    main()
