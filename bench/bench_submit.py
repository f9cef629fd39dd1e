"""Benchmark: the submit POST against a bare Flask app doing one INSERT of the same 10 KB body.

Run with `.venv/bin/python bench/bench_submit.py [requests] [database-url]`. Not a test.
Both apps run in this process through Flask's WSGI test client, one request at a time, on the
same database (default: PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432/
assessment_bench_submit, re-created on each run; pass a sqlite:/// URL to use SQLite), so the
ratio compares the work each request does, not the server in front of it.
Target (issue 9): the submit POST reaches at least 50% of the bare app's rate.

The submit path is the real one: signed-in participants, CSRF tokens from the page, the
declaration, a fresh one-time token per submission, the draft kept, a version, its audit
row and its receipt email. The bare app is Flask plus one SQLAlchemy INSERT and a commit.
Afterwards it checks that every submission was stored with the SHA-256 of its text.
"""

import hashlib
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from flask import Flask, request  # noqa: E402
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, func, select  # noqa: E402

TARGET = 0.50
PARTICIPANTS = 20
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/assessment_bench_submit"
BODY = ("A diagnosis of the school's professional development, with evidence. " * 150)[:10240]


def bare_app(url: str) -> Flask:
    """Flask and one INSERT of the posted text: the ceiling the submit path is measured against."""
    engine = create_engine(url)
    metadata = MetaData()
    bodies = Table("bench_body", metadata, Column("id", Integer, primary_key=True),
                   Column("text", Text))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    app = Flask("bare")

    @app.post("/submit")
    def submit():
        with engine.begin() as conn:
            conn.execute(bodies.insert().values(text=request.form["text"]))
        return "", 302, {"Location": "/done"}

    app.extensions["bench_engine"] = engine
    return app


def assessment_app(url: str):
    """The real app with a window open now and PARTICIPANTS signed-in participants."""
    from factories import PASSWORD, make_entry, make_user, make_window

    from assessment_app import clock, create_app
    from assessment_app.cli import ensure_npqs
    from assessment_app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    clients = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_npqs()
        today = clock.to_london(clock.now()).date()
        window = make_window(first_day=today - timedelta(days=1))
        for n in range(PARTICIPANTS):
            user = make_user(email=f"bench{n}@example.org", name=f"Bench {n}")
            entry = make_entry(window, user)
            clients.append((entry.id, user.email))
    signed_in = []
    for entry_id, email in clients:
        client = app.test_client()
        login_page = client.get("/login").text
        client.post("/login", data={"email": email, "password": PASSWORD,
                                    "csrf_token": _csrf(login_page)})
        page = client.get(f"/assessments/{entry_id}/response")
        assert page.status_code == 200, page.status_code
        signed_in.append((client, entry_id, _csrf(page.text)))
    return app, signed_in


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def timed(send, count: int) -> float:
    """Requests per second for `count` calls of send(i)."""
    start = time.perf_counter()
    for i in range(count):
        send(i)
    return count / (time.perf_counter() - start)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    url = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_URL
    if url.startswith("postgresql"):
        subprocess.run([sys.executable, str(ROOT / "scripts" / "create_test_database.py"), url],
                       check=True, capture_output=True)
    bare = bare_app(url).test_client()
    app, participants = assessment_app(url)

    def post_bare(i):
        assert bare.post("/submit", data={"text": BODY}).status_code == 302

    def post_submit(i):
        client, entry_id, csrf = participants[i % len(participants)]
        answer = client.post(f"/assessments/{entry_id}/response", data={
            "text": BODY, "declaration": "y", "client_token": f"bench-{i}", "csrf_token": csrf})
        assert answer.status_code == 302, answer.status_code

    # Warm both up (connections, templates, imports) before timing.
    for i in range(20):
        post_bare(i)
        post_submit(-1 - i)
    bare_rate = timed(post_bare, count)
    submit_rate = timed(post_submit, count)
    ratio = submit_rate / bare_rate

    from assessment_app.extensions import db
    from assessment_app.models import SubmissionVersion

    with app.app_context():
        stored = db.session.scalar(select(func.count(SubmissionVersion.id)))
        digests = set(db.session.scalars(select(SubmissionVersion.sha256)))
        db.engine.dispose()
    expected = count + 20
    sha = hashlib.sha256(BODY.encode()).hexdigest()
    print(f"database: {url.split('://')[0]}, {count} requests each, one at a time, in-process")
    print(f"bare Flask, one INSERT of {len(BODY):,} bytes: {bare_rate:8.1f}/s")
    print(f"submit POST (same body, {PARTICIPANTS} participants):  {submit_rate:8.1f}/s")
    print(f"ratio: {ratio:.0%} (target >= {TARGET:.0%}) {'OK' if ratio >= TARGET else 'BELOW TARGET'}")
    print(f"stored versions {stored} of {expected} accepted, every SHA-256 matches: "
          f"{digests == {sha}}")
    bare.application.extensions["bench_engine"].dispose()


if __name__ == "__main__":
    main()
