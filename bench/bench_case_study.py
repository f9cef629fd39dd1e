"""Benchmark: the case-study page for many signed-in participants, beside a bare Flask page.

Run with `.venv/bin/python bench/bench_case_study.py [--participants N] [--database URL]`.
Not a test. In-process through the WSGI test client, one thread: it measures what one worker
spends on a request (the app's own cost), not a server under load; the gunicorn load harness
(`make bench`) does that. Each participant has their own signed session cookie, as after sign-in.

Printed beside targets:
  case-study page   p95 (target < 250 ms) and requests/s (a cohort of N in one minute needs N/60)
  uncached          the same page with the render cache switched off, as before issue 9
  bare Flask page   one route returning a string, the ceiling for this interpreter and client
  statements        SQL statements per case-study request (fixed: user + one for the page)
"""

import argparse
import statistics
import sys
import tempfile
import time
from datetime import time as wall_time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask
from flask_login.utils import _create_identifier
from sqlalchemy import event, insert

from assessment_app import case_studies, clock, create_app
from assessment_app.cli import ensure_npqs
from assessment_app.extensions import db
from assessment_app.models import CasePaper, Entry, PaperSource, Role, User
from assessment_app.services import windows
from assessment_app.services.papers import text_sha256
from assessment_app.services.windows import WindowSettings

P95_TARGET_MS = 250
USER_AGENT = "bench-case-study"


def build_app(database: str | None, workdir: str) -> Flask:
    url = database or f"sqlite:///{workdir}/bench.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_npqs()
    return app


def seed(app: Flask, participants: int) -> list[tuple[int, int]]:
    """A released NPQLTD window with the full-length demo paper and N entered participants."""
    with app.app_context():
        admin = User(email="admin@bench.example", name="Admin", role=Role.ADMIN)
        db.session.add(admin)
        db.session.flush()
        today = clock.to_london(clock.now()).date()
        window = windows.create_window(WindowSettings(
            name="Bench window", first_day=today - timedelta(days=1), length_days=8,
            release_time=wall_time(0, 1), deadline_time=wall_time(23, 59), word_limit=1500,
            tolerance_percent=0, npq_codes=("NPQLTD",)), admin)
        study = case_studies.parse_case_study(
            (ROOT / "case_studies" / "npqltd-autumn-2026.md").read_bytes(), "npqltd-autumn-2026.md")
        paper = CasePaper(npq_code="NPQLTD", title=study.title, markdown=study.body_markdown,
                          source=PaperSource.MARKDOWN, original_filename="npqltd.md",
                          sha256="b" * 64, text_sha256=text_sha256(study.body_markdown))
        window.papers[0].case_paper = paper
        db.session.commit()
        now = clock.now()
        db.session.execute(insert(User), [
            {"email": f"p{i}@bench.example", "name": f"Participant {i}", "role": Role.PARTICIPANT,
             "programme": "NPQLTD", "created_at": now} for i in range(participants)])
        users = db.session.scalars(db.select(User.id).where(User.role == Role.PARTICIPANT)).all()
        db.session.execute(insert(Entry), [
            {"window_id": window.id, "participant_id": uid, "npq_code": "NPQLTD",
             "candidate_number": f"B{uid:09d}", "entered": True, "created_at": now}
            for uid in users])
        db.session.commit()
        return [tuple(row) for row in db.session.execute(db.select(Entry.id, Entry.participant_id))]


def session_cookies(app: Flask, entries) -> list[tuple[int, str]]:
    """A signed session per participant, exactly what signing in stores (no password hashing)."""
    serializer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context(headers={"User-Agent": USER_AGENT},
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        identifier = _create_identifier()
    signed_in_at = int(time.time())
    return [(entry_id, serializer.dumps({"_user_id": str(uid), "_fresh": True, "_id": identifier,
                                         "_permanent": True, "_generation": 0,
                                         "_signed_in_at": signed_in_at}))
            for entry_id, uid in entries]


def timed(client, requests) -> list[float]:
    times = []
    for path, cookie in requests:
        headers = {"User-Agent": USER_AGENT, "Cookie": f"session={cookie}"} if cookie else {}
        start = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    return times


def summary(times: list[float]) -> tuple[float, float]:
    p95 = statistics.quantiles(times, n=20)[-1] * 1000
    return len(times) / sum(times), p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=2000)
    parser.add_argument("--database", help="a SQLAlchemy URL (its tables are dropped); "
                                           "default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        app = build_app(args.database, workdir)
        started = time.perf_counter()
        cookies = session_cookies(app, seed(app, args.participants))
        print(f"seeded {args.participants} participants in {time.perf_counter() - started:.1f} s")
        client = app.test_client(use_cookies=False)
        page = [(f"/assessments/{entry_id}/case-study", cookie) for entry_id, cookie in cookies]

        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *_: statements.append(1)
        event.listen(engine, "before_cursor_execute", listener)
        cached = timed(client, page)
        event.remove(engine, "before_cursor_execute", listener)

        uncached_cache = case_studies._RENDERED
        case_studies._RENDERED = case_studies.VersionCache(maxsize=0)  # renders every time
        uncached = timed(client, page[: max(50, len(page) // 10)])
        case_studies._RENDERED = uncached_cache

        bare = Flask("bare")
        bare.get("/")(lambda: "ok")
        ceiling = timed(bare.test_client(), [("/", None)] * len(page))

    need = args.participants / 60
    rows = [("case-study page (cached)", *summary(cached)),
            ("case-study page (render every time)", *summary(uncached)),
            ("bare Flask page", *summary(ceiling))]
    print(f"\n{'':38} {'req/s':>8} {'p95 ms':>8}   target")
    for name, rps, p95 in rows:
        print(f"{name:38} {rps:8.0f} {p95:8.1f}")
    rps, p95 = rows[0][1], rows[0][2]
    print(f"\ncase-study p95 {p95:.1f} ms, target < {P95_TARGET_MS} ms: "
          f"{'met' if p95 < P95_TARGET_MS else 'NOT met'} (ratio {p95 / P95_TARGET_MS:.2f})")
    print(f"one process serves {rps:.0f}/s; {args.participants} participants in a minute need "
          f"{need:.0f}/s: {'met' if rps >= need else 'NOT met'} (ratio {rps / need:.1f})")
    print(f"share of the bare Flask ceiling: {rps / rows[2][1]:.0%}; "
          f"caching the render saves {1000 / rows[1][1] - 1000 / rps:.1f} ms a request")
    print(f"SQL statements per request: {len(statements) / len(page):.2f} (target: 2, fixed)")


if __name__ == "__main__":
    main()
