"""Deadline night: a submission is one transaction of a fixed few statements, versions never
collide between tabs, and autosave is one upsert that checks as it writes and says "later" (503 with
Retry-After) rather than failing when the database is briefly unavailable."""

import dataclasses
import html
import re
import threading

import pytest
from factories import sql_sent
from moments import DURING
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Draft, Entry, OutboxMessage, SubmissionVersion
from assessment_app.services import submissions

TEN_KB = ("A diagnosis of the school's professional development, with evidence. " * 150)[:10240]


def statements(app, request, whole=False) -> tuple[object, list[str]]:
    """The response of `request()` and every SQL statement (its first word) sent meanwhile."""
    response, sent = sql_sent(app, request)
    return response, [sql if whole else sql.split()[0].upper() for sql in sent]


def test_a_typed_submission_is_one_transaction_of_a_fixed_few_statements(app, journey, clock):
    """The entry with its window, NPQ, account and version numbering (one query, which is the
    sign-in check too), then the numbered version, its audit row and its receipt email (one
    statement on PostgreSQL, three INSERTs on SQLite): no lazy loads, no second commit, and no
    draft rewritten (the editor shows the newest version)."""
    journey.at(DURING)
    response, sent = statements(app, lambda: journey.submit(TEN_KB, token="one"), whole=True)
    assert response.status_code == 302
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    if postgresql:
        assert [sql.split()[0] for sql in sent] == ["SELECT", "WITH"], sent
        assert [re.findall(r"INSERT INTO (\w+)", sql) for sql in sent[1:]] == [
            ["submission_version", "audit_event", "outbox_message"]]
    else:
        assert [sql.split()[0] for sql in sent] == ["SELECT", "INSERT", "INSERT", "INSERT"]
    with app.app_context():
        version = db.session.scalars(db.select(SubmissionVersion)).one()
        assert response.headers["Location"].endswith("/submissions/1")
        assert version.number == 1 and version.text == TEN_KB
        assert db.session.scalars(db.select(Draft)).all() == []
        assert db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.action == "response.submitted")).one()
        assert db.session.scalars(
            db.select(OutboxMessage).where(OutboxMessage.kind == "submission_receipt")).one()
    assert TEN_KB in html.unescape(journey.client.get(journey.url("/response")).text)


def test_on_postgresql_the_rows_and_the_commit_go_in_one_round_trip(app, journey, clock):
    """psycopg's pipeline mode: the statement of the three rows nobody reads back is queued
    with the COMMIT (the entry, with the version's number, is read first)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("pipelines are PostgreSQL's (psycopg); SQLite runs them one by one")
    from psycopg.pq import PipelineStatus

    journey.at(DURING)
    pipelined = []

    def record(_conn, cursor, sql, *_args):
        pipelined.append((sql.split()[0],
                          cursor.connection.pgconn.pipeline_status != PipelineStatus.OFF))

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = journey.submit(TEN_KB, token="one")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 302
    assert pipelined == [("SELECT", False), ("WITH", True)]


def _waits_for_postgresql(app, request) -> tuple[object, list[str]]:
    """The response of `request()` and what each of its round trips to PostgreSQL sent: the
    frontend messages before each ReadyForQuery (the server's answer to a query or a Sync),
    from libpq's own protocol trace of every connection the request checked out."""
    import tempfile

    from psycopg.pq import Trace

    with app.app_context():
        engine = db.engine

    def traced(dbapi_connection, *_args):
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

    def untraced(dbapi_connection, *_args):
        dbapi_connection.pgconn.untrace()

    with tempfile.TemporaryFile("w+") as trace:
        event.listen(engine, "checkout", traced)
        event.listen(engine, "checkin", untraced)
        try:
            response = request()
        finally:
            event.remove(engine, "checkout", traced)
            event.remove(engine, "checkin", untraced)
        trace.seek(0)
        lines = trace.read().splitlines()
    waits, sent = [], []
    for line in lines:
        # e.g. F 76 Parse "_pg3_4" "SELECT entry.id ..." 3 ... / F 10 Query "BEGIN"
        found = re.match(r'F\t\d+\t(?:Query\t "|Parse\t "[^"]*" ")(\w+)', line)
        if found:
            sent.append(found.group(1))
        elif re.match(r"B\t\d+\tReadyForQuery", line):
            waits.append(" ".join(sent))
            sent = []
    return response, waits


def test_on_postgresql_a_submission_waits_for_the_database_three_times(app, journey, clock):
    """BEGIN, the entry with the version's number, then the statement of the version, the
    audit row and the receipt, and the COMMIT, together: leaving the pipeline is their only
    wait (the driver's own commit() would wait once more, as would a Sync of its own), as many
    waits as the bare INSERT of the load benchmark's ceiling makes."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("round trips to PostgreSQL, traced by libpq")
    journey.at(DURING)
    response, waits = _waits_for_postgresql(app, lambda: journey.submit(TEN_KB, token="one"))
    assert response.status_code == 302
    assert waits == ["BEGIN", "SELECT", "WITH COMMIT"], waits


def test_a_failure_among_the_last_inserts_stores_nothing(app, journey, clock, monkeypatch):
    """An INSERT that fails inside the pipeline fails at its sync, and the whole submission
    rolls back: no version without its receipt (on both databases), and the connection goes
    back to the pool usable (a pipeline leaves an aborted transaction, not an ended one)."""
    from assessment_app.services import mail

    journey.at(DURING)
    monkeypatch.setattr(mail, "_row", lambda *args: {"to": None, "subject": "x", "body": "x",
                                                     "kind": "x", "attempts": 0})
    with pytest.raises(IntegrityError):
        journey.submit(TEN_KB, token="one")
    with app.app_context():
        assert db.session.scalars(db.select(SubmissionVersion)).all() == []
        assert db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action == "response.submitted")).all() == []
    monkeypatch.undo()
    assert journey.submit(TEN_KB, token="two").status_code == 302


def test_the_editor_opens_with_the_newer_of_the_draft_and_the_last_version(app, journey, clock):
    """Autosaved after submitting: the draft. Submitted after the last autosave: the version."""
    journey.at(DURING)
    journey.client.post(journey.url("/draft"), data={"text": "Autosaved first."})
    clock.move(seconds=1)
    journey.submit("Submitted later.", token="one")
    assert "Submitted later." in journey.client.get(journey.url("/response")).text
    clock.move(seconds=1)
    journey.client.post(journey.url("/draft"), data={"text": "Edited after submitting."})
    page = journey.client.get(journey.url("/response")).text
    assert "Edited after submitting." in page and "Submitted later." not in page


def test_a_refused_submission_keeps_its_text_as_the_draft(app, journey, clock):
    """Refused (here: no declaration): the text is the draft and the page says it was saved."""
    journey.at(DURING)
    refused = journey.refused_page(journey.client.post(journey.url("/response"), data={
        "text": "Kept though refused.", "client_token": "no-declaration"}))
    assert refused.status_code == 200 and "Draft saved at" in refused.text
    with app.app_context():
        assert db.session.scalars(db.select(Draft)).one().text == "Kept though refused."
        assert db.session.scalars(db.select(SubmissionVersion)).all() == []


def test_a_submission_locks_only_its_entry_row_on_postgresql(app, journey, clock):
    """FOR UPDATE OF entry: one entry's submissions wait for each other, nobody else's do."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's; SQLite lets one writer in at a time")
    journey.at(DURING)
    _, sent = statements(app, lambda: journey.submit("Locked.", token="one"), whole=True)
    locking = [sql for sql in sent if "FOR UPDATE" in sql]
    assert len(locking) == 1 and locking[0].rstrip().endswith("FOR UPDATE OF entry")


def test_the_statement_count_does_not_grow_with_versions(app, journey, clock):
    """The tenth version of a response costs what the first did."""
    journey.at(DURING)
    _, first = statements(app, lambda: journey.submit("Version one.", token="t0"))
    for number in range(1, 9):
        journey.submit(f"Version {number + 1}.", token=f"t{number}")
    response, tenth = statements(app, lambda: journey.submit("Version ten.", token="t9"))
    assert response.status_code == 302
    assert len(tenth) == len(first)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.max(SubmissionVersion.number))) == 10


def test_a_resent_submission_makes_no_second_version_in_fewer_statements(app, journey, clock):
    """The same token again answers with the first version's receipt and writes nothing: the
    entry's query finds the version the token made, so no INSERT, audit row or email."""
    journey.at(DURING)
    first = journey.submit("Once.", token="same")
    _, first_sent = statements(app, lambda: journey.submit("Twice.", token="other"))
    again, sent = statements(app, lambda: journey.submit("Once.", token="same"))
    assert again.headers["Location"] == first.headers["Location"]
    assert {"INSERT", "WITH"} & set(first_sent) and sent == ["SELECT"], sent
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SubmissionVersion.id))) == 2
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
            AuditEvent.action == "response.submitted")) == 2
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "submission_receipt")) == 2


def test_an_upload_is_submitted_in_one_transaction_too(app, journey, clock):
    """Confirming an uploaded document: user, upload+entry+window+NPQ, the version numbering,
    the numbered version, audit and receipt email."""
    import io

    from docx import Document

    journey.at(DURING)
    document = Document()
    document.add_paragraph("My uploaded response.")
    buffer = io.BytesIO()
    document.save(buffer)
    uploaded = journey.client.post(journey.url("/upload"), data={
        "document": (io.BytesIO(buffer.getvalue()), "response.docx")})
    confirm = uploaded.headers["Location"]
    response, sent = statements(app, lambda: journey.client.post(
        confirm, data={"declaration": "y", "client_token": "upload-1"}))
    assert response.status_code == 302
    with app.app_context():
        rows = 1 if db.engine.dialect.name == "postgresql" else 3  # in one statement there
    assert (sent.count("SELECT"), len(sent)) == (3, 3 + rows), sent


def _two_tabs_at_once(app, journey, tokens, monkeypatch):
    """Both tabs are inside their transactions before either inserts its version, unless a
    row lock holds one back."""
    clients = [app.test_client() for _ in tokens]
    for tab in clients:
        journey.client = tab
        journey.at(DURING)
    meet = threading.Barrier(len(tokens))
    insert = submissions._insert_rows

    def wait_then_insert(*args):
        try:
            meet.wait(timeout=1)  # with the lock, the other tab is still waiting for the row
        except threading.BrokenBarrierError:
            pass
        return insert(*args)

    monkeypatch.setattr(submissions, "_insert_rows", wait_then_insert)
    answers = [None] * len(tokens)

    def send(i):
        answers[i] = clients[i].post(journey.url("/response"), data={
            "text": f"Written in tab {i}.", "declaration": "y", "client_token": tokens[i]})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_two_tabs_submitting_at_the_same_moment_both_succeed_as_versions_n_and_n_plus_1(
        app, journey, clock, monkeypatch):
    """Different tokens, same instant, separate connections: two versions numbered 1 and 2,
    never a 500 (PostgreSQL locks the entry's row; without it a collision is retried)."""
    answers = _two_tabs_at_once(app, journey, ["tab-a", "tab-b"], monkeypatch)
    assert [answer.status_code for answer in answers] == [302, 302]
    with app.app_context():
        rows = db.session.execute(db.select(SubmissionVersion.number, SubmissionVersion.client_token)
                                  .order_by(SubmissionVersion.number)).all()
    assert [number for number, _ in rows] == [1, 2]
    assert {token for _, token in rows} == {"tab-a", "tab-b"}


@pytest.mark.parametrize("token, number", [("two", 2), ("one", 1)])
def test_a_numbering_read_before_another_version_committed_is_read_again(
        app, journey, clock, token, number):
    """What a request kept waiting by the row lock read before the other's version committed:
    its INSERT collides (number, or token too), the numbering is read again, and it becomes
    the next version, or, for the same token, the first request's version."""
    journey.at(DURING)
    journey.submit("First.", token="one")
    with app.app_context():
        entry = db.session.get(Entry, journey.entry_id)
        stale = dataclasses.replace(submissions.SubmissionTarget.of(entry),
                                    numbering=submissions.Numbering(1, None))
        assert submissions.submit_to(stale, "Second.", declaration=True, client_token=token,
                                     at=DURING) == number
        assert db.session.scalar(db.select(db.func.count(SubmissionVersion.id))) == number
        assert db.session.scalar(db.select(db.func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "submission_receipt")) == number


def test_the_same_token_from_two_connections_at_once_stays_one_version(
        app, journey, clock, monkeypatch):
    """A resent form racing the original: one version, and both answers show its receipt."""
    answers = _two_tabs_at_once(app, journey, ["same", "same"], monkeypatch)
    assert [answer.status_code for answer in answers] == [302, 302]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SubmissionVersion.id))) == 1


def test_autosave_is_one_upsert_that_checks_as_it_writes(app, journey, clock):
    """One upsert joining entry, window, paper and account (the sign-in check too): the first
    save and the hundredth cost the same, and neither the account nor the entry is loaded."""
    journey.at(DURING)
    first, sent_first = statements(app, lambda: journey.client.post(
        journey.url("/draft"), data={"text": "First words."}))
    again, sent_again = statements(app, lambda: journey.client.post(
        journey.url("/draft"), data={"text": TEN_KB}))
    assert (first.status_code, again.status_code) == (200, 200)
    assert sent_first == sent_again == ["INSERT"]
    assert again.json["words"] == len(TEN_KB.split())
    with app.app_context():
        draft = db.session.scalars(db.select(Draft)).one()
    assert (draft.text, draft.saved_at) == (TEN_KB, DURING)


def _in_transaction(dbapi_connection) -> bool:
    """Whether the driver has a transaction open (psycopg and sqlite3 say so differently)."""
    info = getattr(dbapi_connection, "info", None)
    if hasattr(info, "transaction_status"):
        from psycopg.pq import TransactionStatus

        return info.transaction_status != TransactionStatus.IDLE
    return dbapi_connection.in_transaction


def test_autosave_sends_no_begin_or_commit_each_statement_commits_as_it_runs(
        app, journey, clock):
    """Its one write is atomic by itself, so it runs in autocommit mode: no transaction is open
    after either statement (two round trips saved per save), and the next request on the
    same pooled connection is a transaction again."""
    journey.at(DURING)
    open_after = []
    with app.app_context():
        engine = db.engine

    def record(_conn, cursor, *_args):
        open_after.append(_in_transaction(cursor.connection))

    event.listen(engine, "after_cursor_execute", record)
    try:
        saved = journey.client.post(journey.url("/draft"), data={"text": "Kept at once."})
        autosave_open, open_after[:] = list(open_after), []
        journey.submit("Submitted in one transaction.", token="one")
    finally:
        event.remove(engine, "after_cursor_execute", record)
    assert saved.status_code == 200
    assert autosave_open == [False]
    assert open_after[-1] is True  # the submission's last INSERT, before its COMMIT
    with app.app_context():
        assert db.session.scalars(db.select(Draft.text)).one() == "Kept at once."


@pytest.mark.parametrize("failure", [
    OperationalError("SELECT 1", {}, Exception("server closed the connection")),
    PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
])
def test_autosave_answers_503_with_retry_after_when_the_database_is_unavailable(
        app, journey, clock, monkeypatch, failure):
    """A database outage or an exhausted pool is "try again in N seconds", never a 500."""
    journey.at(DURING)

    def unavailable(*args, **kwargs):
        raise failure

    monkeypatch.setattr(submissions, "autosave_draft", unavailable)
    response = journey.client.post(journey.url("/draft"), data={"text": "Kept in the browser."})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "kept in this browser" in response.json["error"]


def test_autosave_503s_when_the_sign_in_check_itself_cannot_reach_the_database(
        app, journey, clock, monkeypatch):
    """When the upsert saved nothing, the account is loaded to say why: an outage there is a
    503 too."""
    journey.at(DURING)
    from assessment_app.extensions import login_manager

    def unavailable(_user_id):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(login_manager, "_user_callback", unavailable)
    response = journey.client.post(journey.url("/draft", entry_id=journey.other_entry_id),
                                   data={"text": "Kept."})
    assert response.status_code == 503
    assert "Retry-After" in response.headers


def test_a_page_answers_503_with_retry_after_when_the_database_drops_the_connection(
        app, journey, clock, monkeypatch):
    """No ping before each request: a dropped connection fails that one request with "try
    again shortly" (and SQLAlchemy replaces the pool), never a 500."""
    journey.at(DURING)
    journey.client.get(journey.url("/response"))  # signed in, user loaded once

    def dropped(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(submissions, "entry_for_writing", dropped)
    response = journey.client.get(journey.url("/response"))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert "Nothing you wrote has been lost" in response.text
    with app.app_context():
        assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_the_editor_page_loads_the_autosave_decisions(app, journey, clock):
    """The response page includes autosave.js, which the editor (init.js) sends by."""
    journey.at(DURING)
    page = journey.client.get(journey.url("/response")).text
    assert re.search(r"/static/js/autosave\.[0-9a-f]{12}\.js", page)  # by its fingerprinted name


@pytest.mark.parametrize("fields", [
    {"text": "Mine.", "declaration": "y", "client_token": "abc"},
    {"text": "Mine.", "declaration": "false", "client_token": "abc"},
    {"text": "Mine.", "declaration": "", "client_token": ""},
    {"declaration": "on"},
    {},
])
def test_the_submission_reads_its_fields_as_the_response_form_does(app, fields):
    """The submit view reads the posted fields without making the form: the same values."""
    from werkzeug.datastructures import MultiDict

    from assessment_app.participant.forms import PostedResponse, ResponseForm

    with app.test_request_context("/", method="POST", data=fields):
        form = ResponseForm(MultiDict(fields), meta={"csrf": False})
        read = PostedResponse.read(MultiDict(fields))
    assert read[:3] == (form.text.data or "", form.declaration.data,
                        form.client_token.data or "")
    assert read.draft_saved_at is None  # none of these says when a draft was saved
