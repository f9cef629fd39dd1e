"""Benchmark: every admin and marker page that shows a window's scripts, and the CSV exports,
for one window of N marked scripts (`bench_reports.py N`, 5,000 by default; `make bench N=...`).

Not a test. Seeds windows of N, N/4 and SMALL participants (every tenth second-marked and
moderated, results released) in bulk into a temporary SQLite database, or into the
PostgreSQL database named by BENCH_DATABASE_URL (its tables are dropped and made afresh: use
a scratch database; its statistics gathered, as autovacuum would, unless --without-statistics),
then:

- fetches each page REPEATS times through the test client, as an admin or a marker would, and
  prints its p95 beside the target (< 100 ms) and beside the p95 of the same page for the SMALL
  window (fetched in turn with it, so a busy machine slows both alike), its statements at N
  beside those at SMALL (they must be equal: a fixed number whatever the size) and its size;
- fetches each CSV export in a fresh child process per size (so one peak of memory never
  carries over to the next), at N/4 and at N, and prints the time and the child's peak RSS
  beside the targets (results CSV and DfE return < 1 s, marks CSV < 2 s, memory flat: the
  peak at N no more than PEAK_SLACK_MB over the peak at N/4) and whether it was streamed.

Timings on a busy machine are noisy: read p95s in a quiet moment.
"""

import json
import logging
import os
import subprocess
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
from factories import PASSWORD, PASSWORD_HASH, login, make_user, make_window
from sqlalchemy import event, func, select, text

from assessment_app import clock, create_app
from assessment_app.extensions import db
from assessment_app.models import Allocation, Entry, MarkerProfile, Role, User

SMALL = 30  # the statements each page makes for a window this size are the yardstick
REPEATS = 20
PAGE_TARGET = 0.100
PEAK_SLACK_MB = 30  # "flat": what the peak may grow by from N/4 to N

# (name, who fetches it, address): {w} the window, {m} a marker of it with many scripts,
# {c} one of that marker's candidate numbers. Admins see the window's pages; the marker
# (who is also a moderator) their own.
PAGES = [
    ("admin home", "admin", "/admin/"),
    ("window page", "admin", "/admin/windows/{w}"),
    ("window page, filtered, page 7", "admin", "/admin/windows/{w}?status=submitted&page=7"),
    ("window page, search", "admin", "/admin/windows/{w}?q=bulk1"),
    ("marking overview", "admin", "/admin/windows/{w}/marking"),
    ("marking overview, page 40", "admin", "/admin/windows/{w}/marking?page=40"),
    ("marking overview, moderated", "admin", "/admin/windows/{w}/marking?status=moderated"),
    ("marking overview, one marker", "admin", "/admin/windows/{w}/marking?marker={m}"),
    ("dashboard", "admin", "/admin/windows/{w}/dashboard"),
    ("marker report", "admin", "/admin/windows/{w}/reports/markers"),
    ("distribution report", "admin", "/admin/windows/{w}/reports/distribution"),
    ("similarity (integrity)", "admin", "/admin/windows/{w}/similarity"),
    ("marker home", "marker", "/marking/"),
    ("marker home, page 2", "marker", "/marking/?page=2"),
    ("marker's script page", "marker", "/marking/scripts/{c}"),
    ("marker agreement", "marker", "/marking/agreement"),
]
EXPORTS = [("results CSV (provider report)", "/admin/windows/{w}/reports/provider-results.csv", 1),
           ("DfE return CSV", "/admin/windows/{w}/reports/dfe-return.csv", 1),
           ("marks CSV", "/admin/windows/{w}/export/marks.csv", 2)]


def _app(url: str, fresh: bool = True):
    logging.getLogger("assessment_app.requests").disabled = True  # a line per fetch otherwise
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    if fresh:
        empty_tables(app)
    return app


def _marker(email: str, name: str) -> User:
    # One password hash made once: hashing at a safe cost takes a good part of a second.
    user = User(email=email, name=name, role=Role.MODERATOR, password_hash=PASSWORD_HASH)
    db.session.add(user)
    db.session.flush()
    db.session.add(MarkerProfile(user_id=user.id, capacity=100_000, npq_codes="NPQLTD"))
    return user


def _seed(app, n: int) -> dict:
    """Closed windows of n, n/4 and SMALL marked scripts, each marked by markers of its own
    (the small one's by one marker, who so has SMALL scripts)."""
    now = clock.now()
    sizes = {}
    with app.app_context():
        make_user(Role.ADMIN, email="bench-admin@example.org", name="Bench Admin")
        start = 0
        for i, (size, markers) in enumerate(((n, 25), (n // 4, 25), (SMALL, 1))):
            team = [_marker(f"marker{i}-{k}@example.org", f"Marker {i}-{k:02d}")
                    for k in range(markers)]
            db.session.commit()
            window = make_window(name=f"Bench window of {size}",
                                 first_day=(now - timedelta(days=30 + i)).date())
            seed_cohort(window, size, team, window.release_at + timedelta(days=2),
                        now - timedelta(days=1), start=start, released=True)
            start += size
            candidate = db.session.scalar(
                select(Entry.candidate_number).join(Allocation, Allocation.entry_id == Entry.id)
                .where(Allocation.marker_id == team[0].id).group_by(Entry.candidate_number)
                .having(func.count() == 1)  # not both marks (a marker of one): that is 404
                .order_by(Entry.candidate_number).limit(1))
            sizes[size] = {"w": window.id, "m": team[0].id, "c": candidate,
                           "email": team[0].email}
    return sizes


class Statements:
    """Counts the statements sent to the database while it is open."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.count = 0

    def _one(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._one)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._one)


def _get(app, client, url):
    with Statements(app) as sent:
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        seconds = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return seconds, sent.count, len(body)


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _pages(app, sizes: dict, n: int) -> bool:
    clients = {}
    for size in (n, SMALL):
        admin, marker = app.test_client(), app.test_client()
        login(admin, "bench-admin@example.org", PASSWORD)
        login(marker, sizes[size]["email"], PASSWORD)
        clients[size] = {"admin": admin, "marker": marker}
    print(f"{'page (p95 of ' + str(REPEATS) + ')':<34}{'p95':>8}{f'at {SMALL}':>8}{'target':>9}"
          f"{'SQL':>6}{f'at {SMALL}':>7}{'size':>9}  verdict")
    all_ok = True
    for name, who, address in PAGES:
        big, small = address.format(**sizes[n]), address.format(**sizes[SMALL])
        for size, url in ((n, big), (SMALL, small)):  # warm: templates, rubric parsing
            _get(app, clients[size][who], url)
        # Interleaved, so both sizes meet the same moments of a busy machine.
        times, last = {n: [], SMALL: []}, {}
        for _ in range(REPEATS):
            for size, url in ((n, big), (SMALL, small)):
                seconds, *last[size] = _get(app, clients[size][who], url)
                times[size].append(seconds)
        (statements, page_size), (small_sql, _) = last[n], last[SMALL]
        p95 = _p95(times[n])
        ok = p95 < PAGE_TARGET and statements == small_sql
        all_ok &= ok
        print(f"{name:<34}{p95 * 1000:>6.0f}ms{_p95(times[SMALL]) * 1000:>6.0f}ms{'< 100ms':>9}"
              f"{statements:>6}{small_sql:>7}{page_size / 1000:>7.0f}KB  {'OK' if ok else 'MISSED'}")
    return all_ok


def _export_child(url: str, address: str) -> None:
    """In a fresh process: one export fetched as it streams; prints time, statements and RSS."""
    app = _app(url, fresh=False)
    client = app.test_client()
    login(client, "bench-admin@example.org", PASSWORD)
    client.get("/admin/")  # warm: the app, templates and the database's first connection
    before = _rss("VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak (VmHWM) starts again from here: the export's own
    with Statements(app) as sent:
        started = time.perf_counter()
        response = client.get(address, buffered=False)
        streamed, size = response.is_streamed, 0
        for piece in response.response:  # as a server would send it: piece by piece
            size += len(piece)
        response.close()
        seconds = time.perf_counter() - started
    assert response.status_code == 200, (address, response.status_code)
    print(json.dumps({"seconds": seconds, "statements": sent.count, "bytes": size,
                      "streamed": streamed, "rss_before_mb": before, "peak_mb": _rss("VmHWM")}))


def _rss(field: str) -> float:
    """This process's resident memory (VmRSS) or its peak (VmHWM), in MB, from Linux."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def _export_in_child(url: str, address: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--export", url, address],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{address} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _exports(url: str, sizes: dict, n: int) -> bool:
    quarter = n // 4
    print(f"\n{'export (each in a fresh process)':<34}{'time at':>9}{'':>8}{'target':>8}"
          f"{'peak RSS at':>13}{'':>8}{'SQL at':>8}{'':>7}  verdict")
    print(f"{'':<34}{format(quarter, ','):>9}{format(n, ','):>8}{'':>8}{format(quarter, ','):>13}"
          f"{format(n, ','):>8}{format(SMALL, ','):>8}{format(n, ','):>7}")
    all_ok = True
    for name, address, target in EXPORTS:
        small = _export_in_child(url, address.format(**sizes[SMALL]))
        part = _export_in_child(url, address.format(**sizes[quarter]))
        whole = _export_in_child(url, address.format(**sizes[n]))
        ok = (whole["seconds"] < target and whole["streamed"]
              and whole["statements"] == small["statements"]
              and whole["peak_mb"] - part["peak_mb"] <= PEAK_SLACK_MB)
        all_ok &= ok
        print(f"{name:<34}{part['seconds']:>8.2f}s{whole['seconds']:>7.2f}s{'< ' + str(target) + ' s':>8}"
              f"{part['peak_mb']:>11.0f}MB{whole['peak_mb']:>6.0f}MB{small['statements']:>8}"
              f"{whole['statements']:>7}  {'OK' if ok else 'MISSED'}"
              f"{'' if whole['streamed'] else ' (not streamed)'}")
    print(f"(peak RSS of the child while it streamed the export, app included: it was "
          f"{whole['rss_before_mb']:.0f} MB before; flat means at most {PEAK_SLACK_MB} MB more at "
          f"{n:,} than at {quarter:,})")
    return all_ok


def main(n: int, statistics: bool = True) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as folder:
        url = url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        app = _app(url)
        started = time.perf_counter()
        sizes = _seed(app, n)
        if url.startswith("postgresql") and statistics:
            with app.app_context(), db.engine.connect() as conn:
                # The statistics autovacuum would gather soon after a bulk load. Without them
                # (--without-statistics: the minutes between an import and autovacuum's pass,
                # or a server with autovacuum off) the planner guesses; no page or export may
                # then take a plan that grows faster than the window.
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        print(f"Seeded {n:,} + {n // 4:,} + {SMALL} scripts on "
              f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'} "
              f"in {time.perf_counter() - started:.1f} s\n")
        pages_ok = _pages(app, sizes, n)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # the children's connections only, while they run
        exports_ok = _exports(url, sizes, n)
        print(f"\nPages: {'all met' if pages_ok else 'MISSED'}; "
              f"exports: {'all met' if exports_ok else 'MISSED'}")
        if url.startswith("postgresql"):
            with app.app_context():
                db.drop_all()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--export"]:
        _export_child(sys.argv[2], sys.argv[3])
    else:
        sizes = [arg for arg in sys.argv[1:] if not arg.startswith("--")]
        main(int(sizes[0]) if sizes else 5000,
             statistics="--without-statistics" not in sys.argv[1:])
