"""Chaos test: the web server killed (SIGKILL) in the middle of a submit surge loses nothing.

Run with `make test-chaos` or `.venv/bin/python bench/chaos_kill.py [--participants N]`. Not in
the default test run: it needs PostgreSQL on 127.0.0.1:5432 (user postgres) and takes a minute.
It exits 1 if any check fails.

What it does, in order:
  1. creates a fresh PostgreSQL database (default assessment_chaos) and seeds N participants in
     an open window, as bench/bench_load.py does (its helpers are reused); starts a real SMTP
     server (aiosmtpd) on a loopback port, and gunicorn on another, in a process group of its own;
  2. every participant opens the response page (session cookie, CSRF and submit tokens kept as
     a browser keeps them) and submits over --concurrency connections, while a deliverer
     thread hands the outbox to the SMTP server, as the scheduler does;
  3. once --kill-at of the submissions are acknowledged, SIGKILLs gunicorn's whole process
     group (master and workers at once, by its id): requests in flight get no answer;
  4. restarts gunicorn on the same port; everyone without an answer sends the same form again
     (the same submit token), as a browser's retry would;
  5. checks that every submission that got a receipt is stored with the SHA-256 of the text
     sent, that nobody has two versions, and that each stored version has exactly one receipt
     in the outbox and exactly one receipt email received by the SMTP server (none lost, none
     twice);
  6. stops every process it started (by id) and drops the database, even when interrupted.

Every loop is bounded (a fixed list of requests, time limits), and everything listens on loopback.
"""

import argparse
import asyncio
import hashlib
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import aiohttp
from aiosmtpd.controller import Controller
from bench_load import (
    ROOT,
    Person,
    call,
    free_port,
    hidden_fields,
    new_client,
    receipt_version,
    recreate_database,
    seed,
    session_cookies,
    signed_in,
    submit_body,
    urls,
    wait_ready,
)
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/assessment_chaos"
RECEIPT_SHA = re.compile(r"SHA-256 of the text: ([0-9a-f]{64})")


class Inbox:
    """The SMTP server's side: every message it accepted, in order."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


class Server:
    """gunicorn in a process group of its own, so one signal reaches master and workers."""

    def __init__(self, port: int, env: dict, log: Path, workers: int):
        self.port, self.env, self.log, self.workers = port, env, log, workers
        self.process: subprocess.Popen | None = None

    def start(self, ready_url: str) -> None:
        command = [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
                   "-b", f"127.0.0.1:{self.port}", "--error-logfile", str(self.log),
                   "assessment_app:create_app()"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_ready(self.process, ready_url, self.log)

    def kill(self) -> None:
        """SIGKILL the whole group (the process id is the group id: start_new_session)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


def deliver_until(app, stopping: threading.Event, log: list[str]) -> None:
    """Hand the outbox to the SMTP server every half second, as the scheduler does each minute."""
    from assessment_app import clock
    from assessment_app.extensions import db
    from assessment_app.services import mail

    with app.app_context():
        while not stopping.is_set():
            try:
                mail.deliver_pending(clock.now(), limit=500)
                db.session.commit()  # an outage's retries, as the scheduler's duty commits them
            except SQLAlchemyError as error:  # a database hiccup must not end the deliverer
                db.session.rollback()
                log.append(f"{type(error).__name__}: {error}"[:200])
            db.session.remove()
            stopping.wait(0.5)


async def open_forms(people: list[Person], paths, concurrency: int) -> None:
    gate = asyncio.Semaphore(concurrency)

    async def one(person: Person):
        async with gate:
            response = await call(person.client, "GET", paths(person.entry_id))
            fields = hidden_fields(response.text)
            person.csrf, person.client_token = fields["csrf_token"], fields["client_token"]

    await asyncio.gather(*(one(p) for p in people))


async def submit_all(people: list[Person], paths, concurrency: int,
                     on_answer=None) -> Counter:
    """Each person without an answer posts their form once; returns the failures by kind."""
    gate, failures = asyncio.Semaphore(concurrency), Counter()

    async def one(person: Person):
        async with gate:
            person.submit_sent = True
            try:
                response = await call(person.client, "POST", paths(person.entry_id),
                                      data=submit_body(person))
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                failures[type(error).__name__] += 1
                return
            version = receipt_version(response.headers.get("Location", ""))
            if response.status != 302 or not version:
                failures[f"HTTP {response.status}"] += 1
                return
            person.version = version
            if on_answer is not None:
                on_answer()

    await asyncio.gather(*(one(p) for p in people if p.version is None))
    return failures


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def check(app, people: list[Person], inbox: Inbox) -> list[tuple[str, str, bool]]:
    """The proofs: (what, what was found, whether it holds)."""
    from assessment_app.extensions import db
    from assessment_app.models import OutboxMessage, SubmissionVersion

    with app.app_context():
        versions = db.session.execute(select(SubmissionVersion.number, SubmissionVersion.entry_id,
                                             SubmissionVersion.sha256, SubmissionVersion.text)).all()
        receipts = db.session.execute(
            select(OutboxMessage.to, OutboxMessage.body, OutboxMessage.sent_at)
            .where(OutboxMessage.kind == "submission_receipt")).all()
        unsent = db.session.scalar(select(func.count(OutboxMessage.id))
                                   .where(OutboxMessage.sent_at.is_(None)))
        db.session.remove()
    by_entry = {p.entry_id: p for p in people}
    stored = {(v.entry_id, v.number): v for v in versions}
    acknowledged = {p.version: p for p in people if p.version is not None}
    per_entry = Counter(v.entry_id for v in versions)
    mismatched = [i for i, v in stored.items()
                  if not (v.sha256 == sha256(v.text) == sha256(by_entry[v.entry_id].text))]
    wrong_owner = [key for key, p in acknowledged.items() if key[0] != p.entry_id]
    outbox_shas = Counter(RECEIPT_SHA.search(r.body).group(1) for r in receipts)
    with inbox.lock:
        emails = [(m["To"], m.get_content()) for m in inbox.messages
                  if m["Subject"].startswith("Receipt:")]
    mailed = Counter(RECEIPT_SHA.search(body).group(1) for _, body in emails)
    wanted = Counter(v.sha256 for v in versions)
    owner = {v.sha256: by_entry[v.entry_id].email for v in versions}
    misaddressed = [to for to, body in emails if owner.get(RECEIPT_SHA.search(body).group(1)) != to]
    return [
        ("everyone got a receipt (after the retry)", f"{len(acknowledged)} of {len(people)}",
         len(acknowledged) == len(people)),
        ("every acknowledged submission is stored, as its owner's",
         f"{len(set(acknowledged) - set(stored))} missing, {len(wrong_owner)} misplaced",
         set(acknowledged) <= set(stored) and not wrong_owner),
        ("nothing stored that nobody acknowledged", f"{len(set(stored) - set(acknowledged))}",
         set(stored) == set(acknowledged)),
        ("one version per person (a retry returns the first)",
         f"{sum(n > 1 for n in per_entry.values())} with more than one", max(per_entry.values()) == 1),
        ("SHA-256 stored = of the stored text = of the text sent", f"{len(mismatched)} mismatched",
         not mismatched),
        ("one receipt in the outbox per stored version",
         f"{len(receipts)} receipts for {len(versions)} versions", outbox_shas == wanted),
        ("outbox fully delivered", f"{unsent} unsent", unsent == 0),
        ("one receipt email received per stored version (none lost, none twice)",
         (f"{len(emails)} emails for {len(versions)} versions, "
          f"{sum(n > 1 for n in mailed.values())} sent twice, {len(wanted - mailed)} lost"),
         mailed == wanted),
        ("each receipt email went to the version's owner", f"{len(misaddressed)} misaddressed",
         not misaddressed),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--participants", type=int, default=400)
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help="created fresh and dropped at the end (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kill-at", type=float, default=0.4,
                        help="share of submissions acknowledged when the server is killed")
    parser.add_argument("--max-seconds", type=float, default=180.0,
                        help="wall-time limit of each phase")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    url, secret = args.database, secrets.token_hex(32)
    env = {**os.environ, "DATABASE_URL": url, "ASSESSMENT_SQLALCHEMY_DATABASE_URI": url,
           "ASSESSMENT_SECRET_KEY": secret, "ASSESSMENT_SCHEDULER_ENABLED": "false",
           "ASSESSMENT_RATELIMIT_STORAGE_URI": "memory://"}
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "ASSESSMENT_SQLALCHEMY_DATABASE_URI",
                                           "ASSESSMENT_SECRET_KEY",
                                           "ASSESSMENT_SCHEDULER_ENABLED")})
    logs = Path(tempfile.mkdtemp(prefix="npq-chaos-"))
    inbox, smtp_port, web_port = Inbox(), free_port(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    server = Server(web_port, env, logs / "app.log", args.workers)
    stopping, deliverer_errors = threading.Event(), []
    deliverer, app = None, None
    print(f"Chaos: {args.participants} participants submit, gunicorn -w {args.workers} is "
          f"SIGKILLed at {args.kill_at:.0%} acknowledged, then restarted; logs in {logs}")
    recreate_database(url)
    try:
        from assessment_app import create_app

        app = create_app()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_port, MAIL_TIMEOUT=5)
        window_id, _admin_id, people = seed(app, args.participants)
        cookies = session_cookies(app, [p.user_id for p in people])
        paths = urls(app, window_id)
        smtp.start()
        base = f"http://127.0.0.1:{web_port}"
        server.start(base + paths["login"])
        deliverer = threading.Thread(target=deliver_until, args=(app, stopping, deliverer_errors),
                                     daemon=True)
        deliverer.start()
        failures = asyncio.run(asyncio.wait_for(
            drive(args, people, cookies, paths, base, server, lambda: _stored(app)),
            args.max_seconds * 3))
        for phase, counted in failures.items():
            print(f"  {phase}: " + (", ".join(f"{n} {k}" for k, n in counted.items()) or "no failures"))
        # Let the deliverer finish the outbox (bounded), then stop it.
        for _ in range(int(args.max_seconds)):
            if _all_sent(app):
                break
            time.sleep(1)
        stopping.set()
        deliverer.join(timeout=30)
        results = check(app, people, inbox)
    finally:
        stopping.set()
        server.stop()
        if smtp._thread is not None:
            smtp.stop()
        if app is not None:
            from assessment_app.extensions import db

            with app.app_context():
                db.engine.dispose()
        recreate_database(url, drop_only=True)
    width = max(len(name) for name, *_ in results)
    for name, found, held in results:
        print(f"  {'ok  ' if held else 'FAIL'} {name:<{width}}  {found}")
    if deliverer_errors:
        print(f"  the deliverer met {len(deliverer_errors)} errors (retried): {deliverer_errors[0]}")
    held = all(ok for *_, ok in results)
    print("Nothing lost, nothing twice." if held else "Something was lost or sent twice.")
    return 0 if held else 1


def _count(app, query) -> int:
    from assessment_app.extensions import db

    with app.app_context():
        n = db.session.scalar(query)
        db.session.remove()
    return n


def _all_sent(app) -> bool:
    from assessment_app.models import OutboxMessage

    return _count(app, select(func.count(OutboxMessage.id))
                  .where(OutboxMessage.sent_at.is_(None))) == 0


def _stored(app) -> int:
    from assessment_app.models import SubmissionVersion

    return _count(app, select(func.count(SubmissionVersion.id)))


async def drive(args, people, cookies, paths, base, server, stored) -> dict[str, Counter]:
    pool = aiohttp.TCPConnector(limit=args.concurrency)
    for person in people:
        person.client = new_client(base, pool)
        signed_in(person.client, base, cookies[person.user_id])
    kill_after = max(1, int(len(people) * args.kill_at))
    answered = 0

    def count_and_kill():
        nonlocal answered
        answered += 1
        if answered == kill_after:
            server.kill()  # mid-surge: the other connections are still in flight

    try:
        await asyncio.wait_for(open_forms(people, paths["response"], args.concurrency),
                               args.max_seconds)
        first = await asyncio.wait_for(
            submit_all(people, paths["response"], args.concurrency, count_and_kill),
            args.max_seconds)
        killed_at = answered
        unanswered = sum(p.version is None for p in people)
        print(f"  killed after {killed_at} answers; {unanswered} submissions got none "
              f"(in flight or sent to the dead server), of which {stored() - killed_at} "
              "were stored all the same (their retry must return that version)")
        server.start(base + paths["login"])
        retry = await asyncio.wait_for(submit_all(people, paths["response"], args.concurrency),
                                       args.max_seconds)
    finally:
        for person in people:
            await person.client.close()
        await pool.close()
    if killed_at != kill_after or unanswered == 0:
        raise SystemExit("the server was not killed mid-surge; nothing was proved")
    return {"before and at the kill": first, "the retry after the restart": retry}


if __name__ == "__main__":
    sys.exit(main())
