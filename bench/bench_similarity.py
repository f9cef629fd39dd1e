"""Benchmark: a window's similarity check at scale, through the real service and storage: N new
scripts of 1,500 words against each other, against M scripts of earlier windows of the NPQ
(their signatures kept beforehand, as a check keeps them) and against the case study.

Run with `make bench` or `.venv/bin/python bench/bench_similarity.py [--scripts N] [--earlier M]`
(default N = 5,000, M = 5 N). Not a test. Targets: at 20,000 against 100,000, under 60 s and
500 MB peak on this 2-CPU machine; every planted copy found, no other pair over the threshold;
the scripts counted exactly growing no faster than the pairs found (the same check at a quarter
of the size, N/4 against M/4, runs first for comparison; one new script in a hundred is a
planted copy at either size). A third check, at the whole size, adds a ring: 1.5% of the new
scripts copy one earlier script, half verbatim, half lightly paraphrased (more than a stock
phrase's share of the window): every pair of the ring must be found.

The scripts are generated in child processes (tests/essays.py: different texts in a teacher's
vocabulary, so unrelated scripts share stock phrases), with copies planted among the new ones:
verbatim, light paraphrase (one word in ten changed), reordered paragraphs of an earlier
window's script, a third of another script, and case-study text. They are stored in an SQLite
database under --cache (kept for the next run of the same sizes: generating 125,000 scripts
takes minutes), the earlier ones with their kept signatures (script_signatures.row, made in
child processes and not timed). Each check then runs in a fresh process, as the scheduler's
duty would (services/similarity.run_check: signing the new scripts, streaming the earlier
signatures, counting candidates, the case study), and is rolled back, so the database stays as
prepared. Its time and peak memory (ru_maxrss of that process) are printed beside the targets.
"""

import argparse
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from essays import essay, paraphrase, reorder
from sqlalchemy import insert, select

from assessment_app import clock, create_app, similarity
from assessment_app.cli import ensure_npqs
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    Entry,
    ResponseSource,
    Role,
    ScriptSignature,
    SimilarityPair,
    SubmissionVersion,
    User,
)
from assessment_app.newer_draft import sha256_text
from assessment_app.services import script_signatures
from assessment_app.services import similarity as checks
from assessment_app.settings import defaults

THRESHOLD = defaults("")["SIMILARITY_THRESHOLD_PERCENT"]
TARGET_SECONDS, TARGET_MB = 60, 500
RING_SHARE = 0.015  # of a window's scripts copying one earlier script, in the ring's check
BATCH = 1000  # scripts generated (and signed) per child task


def _texts(task: tuple[str, int, int]) -> list[str]:
    seed, count, words = task
    rng = random.Random(seed)  # a string: every batch of every set has its own
    return [essay(rng, words) for _ in range(count)]


def _signed(task: tuple[str, int, int, int]) -> tuple[list[str], list[dict]]:
    """A batch of earlier scripts and their kept signature rows (version ids from first_id)."""
    seed, count, words, first_id = task
    texts = _texts((seed, count, words))
    return texts, [script_signatures.row(first_id + i, sha256_text(t), t)
                   for i, t in enumerate(texts)]


def _app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                       "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})


def _ids(model, rows: list[dict]) -> list[int]:
    return list(db.session.scalars(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def _people(window, npq: str, tag: str, texts: list[str], submitted_at) -> list[int]:
    """Participants entered in the window, each with one submitted script; their version ids."""
    n = User.query.count()
    people = _ids(User, [{"email": f"{tag}{n + i}@example.org", "name": f"Person {n + i}",
                          "role": Role.PARTICIPANT, "programme": npq}
                         for i in range(len(texts))])
    entries = _ids(Entry, [{"window_id": window.id, "participant_id": p, "npq_code": npq,
                            "candidate_number": f"{tag[:2]}{n + i:09d}", "entered": True}
                           for i, p in enumerate(people)])
    return _ids(SubmissionVersion, [
        {"entry_id": e, "number": 1, "text": t, "word_count": len(t.split()), "word_limit": 1500,
         "sha256": sha256_text(t), "source": ResponseSource.TYPED, "declaration_accepted": True,
         "client_token": f"b{e}", "submitted_at": submitted_at}
        for e, t in zip(entries, texts, strict=True)])


def _planted(current: list[str], earlier: dict[int, str], case_study: str, words: int,
             rng: random.Random, each: int) -> list[tuple[str, object]]:
    """`each` copies of each kind: (text, index of its source among the new scripts, or
    ("earlier", version id), or "case")."""
    out = []
    for _ in range(each):
        a = rng.randrange(len(current))
        b = rng.choice(sorted(earlier))
        third = current[a].split("\n\n")
        out += [
            (current[a], a),
            (paraphrase(current[a], rng), a),
            (reorder(earlier[b], rng), ("earlier", b)),
            ("\n\n".join(third[: len(third) // 3] + essay(rng, words * 2 // 3).split("\n\n")), a),
            ("\n\n".join(case_study.split("\n\n")[:8] + essay(rng, words * 2 // 3).split("\n\n")),
             "case"),
        ]
    return out


def prepare(path: Path, n: int, m: int, words: int, seed: int, pool) -> None:
    """The database: for each size (the quarter, then the whole) an earlier window of m
    scripts with kept signatures, and a closed window of n scripts (planted copies included)."""
    from factories import make_user, make_window

    app = _app(f"sqlite:///{path}")
    plan = {}
    with app.app_context():
        db.create_all()
        ensure_npqs()
        admin = make_user(Role.ADMIN, email="bench-admin@example.org", name="Bench Admin")
        now = clock.now()
        for size, npq, scale in (("quarter", "NPQH", 4), ("whole", "NPQLTD", 1)):
            earlier_window = make_window(name=f"Earlier {size}", npqs=(npq,), admin=admin,
                                         first_day=(now - timedelta(days=200)).date())
            window = make_window(name=f"New {size}", npqs=(npq,), admin=admin,
                                 first_day=(now - timedelta(days=30)).date())
            rng = random.Random(f"{seed} {size}")
            case_study = essay(rng, 2000)
            window.papers[0].case_paper.markdown = "# Case study\n\n" + case_study
            db.session.commit()
            submitted = window.release_at + timedelta(days=3)
            count = m // scale
            first_id = (db.session.scalar(select(db.func.max(SubmissionVersion.id))) or 0) + 1
            tasks = [(f"{seed} {size} earlier {at}", min(BATCH, count - at), words,
                      first_id + at) for at in range(0, count, BATCH)]
            sample = {}
            for texts, rows in pool.imap(_signed, tasks):
                ids = _people(earlier_window, npq, f"e{size}", texts,
                              earlier_window.release_at + timedelta(days=3))
                assert ids == [r["version_id"] for r in rows]
                db.session.execute(insert(ScriptSignature), rows)
                db.session.commit()
                if len(sample) < 20:
                    sample.update(zip(ids[:20], texts[:20], strict=False))
            count = n // scale
            current = []
            for texts in pool.imap(_texts, [(f"{seed} {size} new {at}", min(BATCH, count - at),
                                             words) for at in range(0, count, BATCH)]):
                current += _people(window, npq, f"c{size}", texts, submitted)
                db.session.commit()
            texts = dict(zip(current[:200], (db.session.get(SubmissionVersion, v).text
                                             for v in current[:200]), strict=True))
            # One copy in a hundred scripts, so the pairs found grow with the window.
            copies = _planted(list(texts.values()), sample, case_study, words, rng,
                              max(1, count // 500))
            ids = _people(window, npq, f"p{size}", [t for t, _ in copies], submitted)
            db.session.commit()
            keys = list(texts)
            sources = [s if s == "case" else s[1] if isinstance(s, tuple) else keys[s]
                       for _, s in copies]
            plan[size] = {"window": window.id, "new": count + len(copies), "earlier": m // scale,
                          "planted": [[c, s] for c, s in zip(ids, sources, strict=True)],
                          "paper": window.papers[0].paper_id}
    path.with_suffix(".json").write_text(json.dumps(plan))


def _ring(window: AssessmentWindow) -> list[int]:
    """Plant a ring in the window (rolled back with the check): RING_SHARE of its scripts copy
    one earlier script of its NPQ, alternately verbatim and lightly paraphrased, so that its
    values are mostly stock phrases to the short bands. The version ids, the earlier script's
    first."""
    npq = db.session.scalar(select(Entry.npq_code).where(Entry.window_id == window.id).limit(1))
    source = db.session.scalars(
        select(SubmissionVersion).join(Entry, Entry.id == SubmissionVersion.entry_id)
        .where(Entry.window_id != window.id, Entry.npq_code == npq)
        .order_by(SubmissionVersion.id).limit(1)).one()
    count = db.session.scalar(select(db.func.count()).select_from(Entry)
                              .where(Entry.window_id == window.id))
    rng = random.Random("ring")
    texts = [source.text if k % 2 else paraphrase(source.text, rng)
             for k in range(round(count * RING_SHARE))]
    return [source.id, *_people(window, npq, "ring", texts,
                                window.release_at + timedelta(days=3))]


def measure(path: Path, size: str, ring: bool) -> None:
    """Run one window's check in this (fresh) process (with a planted ring if asked), roll it
    back, print what happened."""
    plan = json.loads(path.with_suffix(".json").read_text())[size]
    app = _app(f"sqlite:///{path}")
    counted, signing = [], []
    exact = similarity.overlap
    similarity.overlap = lambda a, b: counted.append(1) or exact(a, b)
    keep = script_signatures.keep

    def timed_keep(versions):
        started = time.perf_counter()
        made = keep(versions)
        signing.append((made, time.perf_counter() - started))
        return made

    script_signatures.keep = timed_keep
    with app.app_context():
        window = db.session.get(AssessmentWindow, plan["window"])
        admin = User.query.filter_by(email="bench-admin@example.org").one()
        copies = _ring(window) if ring else []
        run = checks.request_check(window, admin, clock.now())
        db.session.flush()
        started = time.perf_counter()
        checks.run_check(run, clock.now())
        seconds = time.perf_counter() - started
        pairs = [[p.version_id, p.other_version_id or "case", p.overlap_percent]
                 for p in SimilarityPair.query.filter_by(run_id=run.id)]
        db.session.rollback()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "counted": len(counted),
                      "signed": sum(n for n, _ in signing),
                      "signing": sum(s for _, s in signing), "pairs": pairs, "ring": copies}))


def _check(path: Path, size: str, ring: bool = False) -> dict:
    out = subprocess.run([sys.executable, __file__, "--measure", str(path), size]
                         + ["--ring"] * ring, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _verdict(plan: dict, result: dict) -> tuple[int, int, int, float]:
    """(copies found with their source, planted, unrelated pairs over the threshold, lowest
    overlap of a planted copy)."""
    direct = {frozenset(pair) for pair in plan["planted"]}
    groups: dict = {str(result["ring"][0]): set(result["ring"])} if result["ring"] else {}
    for copy, source in plan["planted"]:
        groups.setdefault(str(source), {source}).add(copy)
    related = {frozenset(p) for g in groups.values() for p in itertools.combinations(g, 2)}
    found = {frozenset(p[:2]): p[2] for p in result["pairs"]}
    lowest = min((v for p, v in found.items() if p in direct), default=0.0)
    return len(direct & set(found)), len(direct), len(set(found) - related), lowest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scripts", type=int, default=5000, help="new scripts in the window")
    parser.add_argument("--earlier", type=int, help="scripts of earlier windows (default 5 N)")
    parser.add_argument("--words", type=int, default=1500, help="words in each script")
    parser.add_argument("--cache", default="/tmp/bench_similarity", help="where the generated "
                        "database is kept for the next run")
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--ring", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(Path(args.measure[0]), args.measure[1], args.ring)
        return
    n, m = args.scripts, args.earlier if args.earlier is not None else 5 * args.scripts
    # The tables' shape is in the name: a database kept from before a migration is made again.
    shape = hashlib.sha256(repr([(t.name, [c.name for c in t.columns])
                                 for t in db.metadata.sorted_tables]).encode()).hexdigest()[:10]
    path = Path(args.cache) / f"n{n}-m{m}-w{args.words}-{shape}.sqlite"
    started = time.perf_counter()
    if not path.with_suffix(".json").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        with multiprocessing.get_context("spawn").Pool(os.cpu_count()) as pool:
            prepare(path, n, m, args.words, 2026, pool)
        print(f"(generated and stored {n + m + (n + m) // 4:,} scripts, signed the earlier "
              f"ones, in {time.perf_counter() - started:.0f} s: {path})")
    plan = json.loads(path.with_suffix(".json").read_text())
    load_before = os.getloadavg()[0]
    results = {size: _check(path, size) for size in ("quarter", "whole")}
    ringed = _check(path, "whole", ring=True)
    print(f"similarity check: {plan['whole']['new']:,} new scripts "
          f"({len(plan['whole']['planted'])} planted copies) against "
          f"each other, {m:,} earlier scripts of the NPQ (signatures kept) and the case study; "
          f"about {args.words:,} words each; threshold {THRESHOLD}%")
    print(f"  (load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on "
          f"{os.cpu_count()} CPUs; each check in a fresh process, signing its new scripts)")
    rows = []
    for size in ("quarter", "whole"):
        result, this = results[size], plan[size]
        found, planted, unrelated, lowest = _verdict(this, result)
        label = f"{this['new']:,} vs {this['earlier']:,}"
        whole = size == "whole"
        rows += [
            (f"time to check, {label}", f"{result['seconds']:.1f} s",
             f"< {TARGET_SECONDS} s" if whole else "", result["seconds"] < TARGET_SECONDS),
            (f"  of which signing {result['signed']:,} new scripts",
             f"{result['signing']:.1f} s", "", True),
            (f"peak memory, {label}", f"{result['peak_mb']:,.0f} MB",
             f"< {TARGET_MB} MB" if whole else "", result["peak_mb"] < TARGET_MB),
            (f"copies found with their source, {label}", f"{found} of {planted}", "all",
             found == planted),
            (f"unrelated pairs over the threshold, {label}", f"{unrelated}", "0", not unrelated),
            (f"lowest overlap of a planted copy, {label}", f"{lowest:.0f}%", f">= {THRESHOLD}%",
             lowest >= THRESHOLD),
            (f"pairs counted exactly / found, {label}",
             f"{result['counted']:,} / {len(result['pairs']):,}", "", True),
        ]
    grew = results["whole"]["counted"] / max(1, results["quarter"]["counted"])
    found_grew = len(results["whole"]["pairs"]) / max(1, len(results["quarter"]["pairs"]))
    # A little slack: the quarter's few planted copies make its own ratio noisy.
    rows.append(("counted exactly, growth at 4x the size",
                 f"{grew:.1f}x (pairs found {found_grew:.1f}x)", "<= found's",
                 grew <= found_grew * 1.1))
    ring = {frozenset(p) for p in itertools.combinations(ringed["ring"], 2)}
    found = ring & {frozenset(p[:2]) for p in ringed["pairs"]}
    unrelated = _verdict(plan["whole"], ringed)[2]
    rows += [
        (f"ring of {len(ringed['ring']) - 1} copies of an earlier script, pairs found",
         f"{len(found):,} of {len(ring):,}", "all", found == ring),
        ("  time and peak memory with the ring",
         f"{ringed['seconds']:.1f} s, {ringed['peak_mb']:,.0f} MB", "", True),
        ("  unrelated pairs over the threshold with the ring", f"{unrelated}", "0",
         not unrelated),
    ]
    width = max(len(r[0]) for r in rows)
    for name, got, target, met in rows:
        print(f"  {name:<{width}}  {got:>26}  target {target:<10} {'met' if met else 'MISSED'}"
              if target else f"  {name:<{width}}  {got:>26}")


if __name__ == "__main__":
    main()
