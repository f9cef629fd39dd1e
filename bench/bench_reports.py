"""Benchmark: the exports and the paged admin lists of one window of 5,000 marked scripts.

Run with `make bench-reports` or `.venv/bin/python bench/bench_reports.py [N]`. Not a test.
Seeds N participants (5,000 by default; every tenth second-marked and moderated, results
released) in bulk into a temporary SQLite database, or into the PostgreSQL database named by
BENCH_DATABASE_URL (its tables are dropped and made afresh: use a scratch database), then
fetches each export and page through the test client as an admin would and prints, beside
each target, the time, the SQL statements and the size.

Targets (issue 9): each export under 1 s and a fixed number of statements (the same as for a
window of 30); each list page under 200 KB with a fixed number of statements.
"""

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bulk import seed_cohort
from factories import PASSWORD, login, make_user, make_window
from sqlalchemy import event, text

from assessment_app import clock, create_app
from assessment_app.cli import ensure_npqs
from assessment_app.extensions import db
from assessment_app.models import MarkerProfile, Role, User

PAGES = [("results CSV (provider report)", "reports/provider-results.csv", "export"),
         ("DfE return CSV", "reports/dfe-return.csv", "export"),
         ("marks CSV", "export/marks.csv", "export"),
         ("external-moderator zip", "export/scripts.zip", "export"),
         ("window page", "", "page"),
         ("marking overview", "marking", "page"),
         ("window page, filtered", "?status=submitted&page=7", "page"),
         ("marking overview, page 40", "marking?page=40", "page")]
SMALL = 30  # the statements each export makes for a window this size are the yardstick


def _app(url: str):
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS apscheduler_jobs"))
        db.create_all()
        ensure_npqs()
    return app


def _seed(app, n: int) -> dict[int, int]:
    """A closed window of n marked scripts and one of SMALL; returns {size: window id}."""
    now = clock.now()
    ids = {}
    with app.app_context():
        markers = []
        for i in range(25):
            # No password: hashing one at a safe cost takes a good part of a second.
            user = User(email=f"marker{i}@example.org", name=f"Marker {i:02d}", role=Role.MARKER)
            db.session.add(user)
            db.session.flush()
            db.session.add(MarkerProfile(user_id=user.id, capacity=250, npq_codes="NPQLTD"))
            markers.append(user)
        make_user(Role.ADMIN, email="bench-admin@example.org", name="Bench Admin")
        db.session.commit()
        for size, start in ((n, 0), (SMALL, n)):
            first_day = (now - timedelta(days=30 + len(ids))).date()
            window = make_window(name=f"Bench window of {size}", first_day=first_day)
            seed_cohort(window, size, markers, window.release_at + timedelta(days=2),
                        now - timedelta(days=1), start=start, released=True)
            ids[size] = window.id
    return ids


def _fetch(app, client, url):
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(1)
    event.listen(engine, "before_cursor_execute", listener)
    started = time.perf_counter()
    try:
        response = client.get(url)
        streamed = response.is_streamed  # before reading, which buffers it
        body = response.get_data()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, (url, response.status_code)
    return time.perf_counter() - started, len(statements), len(body), streamed


def main(n: int) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        app = _app(url or f"sqlite:///{Path(folder) / 'bench.sqlite'}")
        started = time.perf_counter()
        ids = _seed(app, n)
        print(f"Seeded {n:,} + {SMALL} scripts on {'PostgreSQL' if url else 'SQLite'} "
              f"in {time.perf_counter() - started:.1f} s\n")
        client = app.test_client()
        login(client, "bench-admin@example.org", PASSWORD)
        print(f"{'at ' + format(n, ','):<34}{'time':>8}{'target':>8}{'SQL':>6}{f'at {SMALL}':>7}"
              f"{'size':>11}{'target':>10}  verdict")
        for name, path, kind in PAGES:
            prefix = f"/admin/windows/{{}}/{path}" if path and not path.startswith("?") \
                else f"/admin/windows/{{}}{path}"
            _fetch(app, client, prefix.format(ids[n]))  # warm: templates, rubric parsing
            seconds, sql, size, streamed = _fetch(app, client, prefix.format(ids[n]))
            _, small_sql, _, _ = _fetch(app, client, prefix.format(ids[SMALL]))
            if kind == "export":
                ok = seconds < 1 and sql == small_sql and streamed
                target, size_target = "< 1 s", "streamed" if streamed else "NOT streamed"
            else:
                ok = size < 200_000 and sql == small_sql
                target, size_target = "", "< 200 KB"
            print(f"{name:<34}{seconds:>7.2f}s{target:>8}{sql:>6}{small_sql:>7}"
                  f"{size / 1000:>9.0f}KB{size_target:>10}  {'OK' if ok else 'MISSED'}")
        if url:
            with app.app_context():
                db.drop_all()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
