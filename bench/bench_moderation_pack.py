"""Benchmark: building the external moderator's pack of one window, as the scheduler does.

Run with `.venv/bin/python bench/bench_moderation_pack.py [N] [--quarter]`. Not a test.
Seeds a window of N marked scripts (5,000 by default; the issue measures 20,000), with
`--quarter` also one of N/4, into a temporary SQLite database or the PostgreSQL database named
by BENCH_DATABASE_URL (its tables are dropped and made afresh: use a scratch database). Each
script is a different 900-word response (tests/essays.py), every tenth second-marked and
moderated, and every 100th uploaded as a Word document, which the pack holds rebuilt to name
nobody: at 20,000 the pack holds what the issue's 60 MB one did (67 MB at zip_stream.LEVEL).

Each pack is asked for and built by the scheduler's job (scheduling.build_packs) in a fresh
child process, so its peak RSS is the build's own, printed beside its time, the CPU time it
took (which a busy machine changes less: all of it, and the main thread's, the build's
critical path on two free cores, its members being compressed in a second thread), its size
and the targets: ready in < 10 s at 20,000 scripts, and memory flat in the size (the
peak at N no more than the peak at N/4 plus a small margin).
"""

import io
import multiprocessing
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bulk import empty_tables, seed_cohort
from docx import Document
from essays import essay
from factories import make_user, make_window
from sqlalchemy import insert, select, update

from assessment_app import clock, create_app, scheduling
from assessment_app.docx_privacy import without_personal_details
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    MarkerProfile,
    ModerationPack,
    ResponseSource,
    ResponseUpload,
    Role,
    SubmissionVersion,
    User,
)
from assessment_app.services import moderation_packs

WORDS = 900
UPLOAD_EVERY = 100
TARGET_SECONDS, TARGET_AT = 10, 20_000
FLAT_MARGIN_MB = 50  # what "flat" allows between N/4 and N: the interpreter's own variation


def _app(url: str, folder: str):
    return create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                       "EXPORTS_FOLDER": folder, "RATELIMIT_ENABLED": False})


def _word_file(words: str) -> bytes:
    document = Document()
    document.core_properties.author = "A participant's name"
    for paragraph in words.split("\n\n"):
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _seed(app, sizes: list[int]) -> dict[int, int]:
    """A closed window of each size, its scripts marked and released; {size: window id}."""
    now = clock.now()
    rng = random.Random(24)
    ids = {}
    with app.app_context():
        markers = []
        for i in range(25):
            user = User(email=f"marker{i}@example.org", name=f"Marker {i:02d}", role=Role.MARKER)
            db.session.add(user)
            db.session.flush()
            db.session.add(MarkerProfile(user_id=user.id, capacity=1000, npq_codes="NPQLTD"))
            markers.append(user)
        make_user(Role.ADMIN, email="bench-admin@example.org", name="Bench Admin")
        db.session.commit()
        start = 0
        for size in sizes:
            window = make_window(name=f"Bench window of {size}",
                                 first_day=(now - timedelta(days=30 + len(ids))).date())
            entries = seed_cohort(window, size, markers, window.release_at + timedelta(days=2),
                                  now - timedelta(days=1), start=start, released=True)
            start += size
            versions = db.session.execute(
                select(SubmissionVersion.id, SubmissionVersion.entry_id)
                .where(SubmissionVersion.entry_id.in_(entries))).all()
            texts = {entry_id: essay(rng, WORDS) for _, entry_id in versions}
            files = [_word_file(essay(rng, WORDS)) for _ in range(20)]
            copies = [without_personal_details(f) for f in files]  # as store_upload keeps
            for i in range(0, len(versions), 1000):
                db.session.execute(update(SubmissionVersion), [
                    {"id": v, "text": texts[e]}
                    for v, e in versions[i:i + 1000]])
            uploaded = versions[::UPLOAD_EVERY]
            upload_ids = db.session.scalars(
                insert(ResponseUpload).returning(ResponseUpload.id, sort_by_parameter_order=True),
                [{"entry_id": e, "filename": "response.docx", "data": files[n % len(files)],
                  "copy_naming_nobody": copies[n % len(files)],
                  "sha256": "0" * 64, "text": texts[e], "word_count": WORDS}
                 for n, (_, e) in enumerate(uploaded)]).all()
            db.session.execute(update(SubmissionVersion), [
                {"id": v, "upload_id": u, "source": ResponseSource.DOCX}
                for (v, _), u in zip(uploaded, upload_ids, strict=True)])
            db.session.commit()
            ids[size] = window.id
    return ids


def _peak_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not carried over from the parent that
    started it)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) / 1024


def _build(url: str, folder: str, window_id: int, results) -> None:
    """In a child process: ask for the window's pack and build it as the scheduler's job does."""
    app = _app(url, folder)
    with app.app_context():
        admin = db.session.scalars(select(User).filter_by(email="bench-admin@example.org")).one()
        window = db.session.get(AssessmentWindow, window_id)
        pack, _ = moderation_packs.request_pack(window, admin, clock.now())
        db.session.commit()
        pack_id = pack.id
    before = _peak_mb()
    scheduling._app = app
    started, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
    scheduling.build_packs()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    main = time.thread_time() - main
    with app.app_context():
        pack = db.session.get(ModerationPack, pack_id)
        results.put((seconds, cpu, main, pack.status.value, pack.size or 0, pack.total,
                     before, _peak_mb()))


def measure(url: str, folder: str, window_id: int):
    results = multiprocessing.get_context("spawn").Queue()
    child = multiprocessing.get_context("spawn").Process(
        target=_build, args=(url, folder, window_id, results))
    child.start()
    outcome = results.get()
    child.join()
    return outcome


def main(n: int, quarter: bool) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    sizes = [n // 4, n] if quarter else [n]
    with tempfile.TemporaryDirectory() as folder:
        url = url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        exports_folder = str(Path(folder) / "exports")
        app = _app(url, exports_folder)
        empty_tables(app)
        started = time.perf_counter()
        ids = _seed(app, sizes)
        print(f"Seeded {' + '.join(f'{s:,}' for s in sizes)} scripts on "
              f"{'SQLite' if url.startswith('sqlite') else 'PostgreSQL'} "
              f"in {time.perf_counter() - started:.1f} s\n")
        target = TARGET_SECONDS * max(n, 1) / TARGET_AT  # the 10 s at 20,000, pro rata
        print(f"{'scripts':>8}{'build':>9}{'CPU':>8}{'main':>8}{'target':>9}{'size':>10}"
              f"{'RSS at start':>14}{'peak RSS':>10}  verdict")
        peaks = {}
        for size in sizes:
            seconds, cpu, main, status, nbytes, total, start_mb, peak_mb = measure(
                url, exports_folder, ids[size])
            assert status == "ready" and total == size, (status, total)
            peaks[size] = peak_mb
            goal = TARGET_SECONDS * size / TARGET_AT
            print(f"{size:>8,}{seconds:>8.1f}s{cpu:>7.1f}s{main:>7.1f}s"
                  f"{'< ' + format(goal, '.1f') + ' s':>9}"
                  f"{nbytes / 1e6:>8.1f}MB{start_mb:>12.0f}MB{peak_mb:>8.0f}MB  "
                  f"{'OK' if seconds < goal else 'MISSED'}")
        if quarter:
            growth = peaks[n] - peaks[n // 4]
            print(f"\nPeak RSS at {n:,} minus at {n // 4:,}: {growth:+.0f} MB "
                  f"(flat: < {FLAT_MARGIN_MB} MB)  {'OK' if growth < FLAT_MARGIN_MB else 'MISSED'}")
        print(f"(target {TARGET_SECONDS} s at {TARGET_AT:,}; taken pro rata at other sizes: "
              f"{target:.1f} s at {n:,})")
        if not url.startswith("sqlite"):
            with app.app_context():
                db.drop_all()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 5000, "--quarter" in sys.argv)
