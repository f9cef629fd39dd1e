"""Benchmark: the similarity check of a window of 5,000 scripts of 1,500 words against each other,
against 5,000 scripts of an earlier window and against the case study, and print the figures.

Run with `make bench` or `.venv/bin/python bench/bench_similarity.py [--scripts N]`. Not a test.
Target: under 60 s on this 2-CPU machine, every planted copy found, no other pair over the
threshold. The scripts are generated (tests/essays.py: different texts in a teacher's
vocabulary, so unrelated scripts share stock phrases); copies are planted among them: verbatim,
light paraphrase (one word in ten changed), reordered paragraphs of an earlier window's script,
a third of another script, and case-study text. This times the comparison itself
(assessment_app/similarity.py), which is what grows with the cohort; loading the texts and
storing the pairs are one query and one insert each.
"""

import argparse
import itertools
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from essays import essay, paraphrase, reorder

from assessment_app import similarity
from assessment_app.settings import defaults

THRESHOLD = defaults("")["SIMILARITY_THRESHOLD_PERCENT"]
TARGET_SECONDS = 60


def corpus(n: int, words: int, seed: int = 2026):
    """n current and n earlier scripts, a case study, the pairs of each copy and its source
    (which must be found), and every pair within a source's group (which may be: copies of
    one source share its text)."""
    rng = random.Random(seed)
    current = {i: essay(rng, words) for i in range(n)}
    earlier = {n + i: essay(rng, words) for i in range(n)}
    case_study = essay(rng, 2000)
    groups: dict = {}
    direct = set()
    planted = 2 * n
    for _ in range(10):  # ten of each kind
        a, b = rng.randrange(n), n + rng.randrange(n)
        third = current[a].split("\n\n")
        copies = [
            (current[a], a),  # verbatim
            (paraphrase(current[a], rng), a),
            (reorder(earlier[b], rng), b),
            ("\n\n".join(third[: len(third) // 3] + essay(rng, words * 2 // 3).split("\n\n")), a),
            ("\n\n".join(case_study.split("\n\n")[:8]
                          + essay(rng, words * 2 // 3).split("\n\n")), "case"),
        ]
        for text, source in copies:
            current[planted] = text
            groups.setdefault(source, {source}).add(planted)
            direct.add(frozenset({planted, source}))
            planted += 1
    related = {frozenset(pair) for group in groups.values()
               for pair in itertools.combinations(group, 2)}
    return current, earlier, {"case": case_study}, direct, related


def unrelated_overlaps(current, earlier, related, scripts=300) -> list[float]:
    """The exact overlap of every pair among a sample of scripts, less the planted ones: what
    the threshold must stay above."""
    keys = random.Random(1).sample(sorted({**earlier, **current}), scripts)
    texts = {**earlier, **current}
    sets = {k: similarity.shingles(texts[k]) for k in keys}
    return [similarity.overlap(sets[a], sets[b])[1] for a, b in itertools.combinations(keys, 2)
            if frozenset({a, b}) not in related]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=5000, help="scripts in each window")
    parser.add_argument("--words", type=int, default=1500, help="words in each script")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    current, earlier, sources, direct, related = corpus(args.scripts, args.words)
    generated = time.perf_counter() - started
    counted = []
    exact = similarity.overlap
    similarity.overlap = lambda a, b: counted.append(1) or exact(a, b)

    started = time.perf_counter()
    found = similarity.find_matches(current, earlier, sources, THRESHOLD)
    seconds = time.perf_counter() - started
    similarity.overlap = exact

    pairs = {frozenset({m.key, m.other}) for m in found}
    lowest_copy = min(m.percent for m in found if frozenset({m.key, m.other}) in direct)
    background = unrelated_overlaps(current, earlier, related)
    n_current = len(current)
    possible = n_current * (n_current - 1) // 2 + n_current * len(earlier)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"similarity check: {n_current:,} scripts (with {len(direct)} planted copies) against "
          f"each other, {len(earlier):,} earlier scripts and the case study; about "
          f"{args.words:,} words each; threshold {THRESHOLD}%")
    print(f"  (generating the scripts took {generated:.1f} s; load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs)")
    rows = [
        ("time to check", f"{seconds:.1f} s", f"< {TARGET_SECONDS} s",
         seconds < TARGET_SECONDS),
        ("copies found with their source", f"{len(pairs & direct)} of {len(direct)}", "all",
         direct <= pairs),
        ("copies found with each other", f"{len(pairs & (related - direct))}", "", True),
        ("unrelated pairs over the threshold", f"{len(pairs - related)}", "0",
         not pairs - related),
        ("lowest overlap of a planted copy", f"{lowest_copy:.0f}%", f">= {THRESHOLD}%",
         lowest_copy >= THRESHOLD),
        ("unrelated pairs: highest overlap", f"{max(background):.1f}% of {len(background):,}",
         f"< {THRESHOLD}%", max(background) < THRESHOLD),
        ("pairs counted exactly", f"{len(counted):,} of {possible:,} possible", "near-linear",
         len(counted) < possible / 100),
        ("peak memory", f"{peak_mb:,.0f} MB", "", True),
    ]
    width = max(len(r[0]) for r in rows)
    for name, got, target, met in rows:
        print(f"  {name:<{width}}  {got:>28}  target {target:<12} {'met' if met else 'MISSED'}"
              if target else f"  {name:<{width}}  {got:>28}")


if __name__ == "__main__":
    main()
