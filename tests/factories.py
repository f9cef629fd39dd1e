"""Factories for tests that need rows: users, windows with case studies, entries."""

import hashlib
import io
from datetime import date, time

from assessment_app import clock, password_hashing
from assessment_app.extensions import db
from assessment_app.models import CasePaper, EngagementRecord, PaperHandout, PaperSource, Role, User
from assessment_app.services import windows
from assessment_app.services.papers import text_sha256
from assessment_app.services.windows import WindowSettings

PASSWORD = "correct horse battery staple"
# Hashed once at the real cost and shared by every test account: each hash takes about 0.1 s,
# and a test makes several accounts.
PASSWORD_HASH = password_hashing.hash_password(PASSWORD)


def empty_database(app) -> None:
    """No tables at all, alembic_version included: as `flask init-db` finds a new database."""
    from sqlalchemy import text

    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def migrate(app, *args) -> None:
    """`flask db ...` (upgrade, downgrade REV), which must succeed."""
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output


def rows(query) -> list[tuple]:
    """Every row of a plain SQL query, read on a connection of its own."""
    with db.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def init_db(app) -> None:
    """Build the schema as `flask init-db` does, through the migrations (not create_all)."""
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output


def make_user(role=Role.PARTICIPANT, email=None, name="Test Person", **fields) -> User:
    email = email or f"{role.value}{User.query.count() + 1}@example.org"
    if role is Role.PARTICIPANT:
        fields.setdefault("programme", "NPQLTD")
    user = User(email=email, name=name, role=role, password_hash=PASSWORD_HASH, **fields)
    db.session.add(user)
    db.session.commit()
    return user


def make_window(name="Autumn 2026", first_day=date(2026, 11, 24), npqs=("NPQLTD",), word_limit=1500,
                tolerance_percent=0, length_days=8, release_time=time(0, 1),
                deadline_time=time(23, 59), case_study=True, admin=None):
    """A window with a case study attached for each NPQ (attached before its release)."""
    admin = admin or make_user(Role.ADMIN)
    window = windows.create_window(
        WindowSettings(name=name, first_day=first_day, length_days=length_days,
                       release_time=release_time, deadline_time=deadline_time,
                       word_limit=word_limit, tolerance_percent=tolerance_percent,
                       npq_codes=tuple(npqs)),
        admin,
    )
    if case_study:
        for paper in window.papers:
            paper.case_paper = make_paper(paper.npq_code, f"{name} {paper.npq_code}")
    db.session.commit()  # as the request does
    return window


def make_paper(npq="NPQLTD", name="paper", handout=True) -> CasePaper:
    """A bank paper (a different one per name) with one handout, not yet attached."""
    paper = CasePaper(
        npq_code=npq, title=f"Test case study for {npq}",
        markdown=f"## Brookside School\n\nSECRET-CASE-STUDY-TEXT {npq}\n\nPaper {name}.",
        source=PaperSource.MARKDOWN, original_filename=f"{npq.lower()}-test.md",
        sha256=hashlib.sha256(name.encode()).hexdigest(),
    )
    paper.text_sha256 = text_sha256(paper.markdown)
    if handout:
        paper.handouts = [PaperHandout(filename="handout.docx", content_type="application/vnd."
                                       "openxmlformats-officedocument.wordprocessingml.document",
                                       size=16, sha256="0" * 64, data=b"PK-handout-bytes")]
    db.session.add(paper)
    db.session.commit()
    return paper


def make_entry(window, participant=None, npq="NPQLTD", at=None):
    """An entry made now (or at `at`: entry closes with the window's deadline); where the 90%
    gate applies at entry, the participant has a 95% figure first."""
    participant = participant or make_user(programme=npq)
    admin = make_user(Role.ADMIN)
    at = at or clock.now()
    if window.engagement_deadline is None or window.engagement_deadline <= at:
        db.session.add(EngagementRecord(participant_id=participant.id, npq_code=npq, percent=95,
                                        as_of=clock.to_london(at).date(), source="factory.csv"))
    (entry,) = windows.enter_participants(window, npq, [participant.email], admin, at=at)
    db.session.commit()  # as the request does
    return entry


def login(client, user_or_email, password=PASSWORD):
    email = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": email, "password": password})


def sql_sent(app, request):
    """The result of `request()` and every SQL statement sent while it ran."""
    from sqlalchemy import event

    sent = []
    with app.app_context():
        engine = db.engine
    listener = lambda _conn, _cursor, sql, *args: sent.append(sql)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        result = request()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return result, sent


def count_queries(app, request):
    """How many SQL statements `request()` makes: list pages must not grow with their rows."""
    response, sent = sql_sent(app, request)
    assert response.status_code == 200
    return len(sent)


def word_case_study(title="Oakfield Primary") -> bytes:
    """A short case study in Word: title, headings, emphasis, lists and a table."""
    from docx import Document

    document = Document()
    if title:
        document.add_paragraph(title, style="Title")
    document.add_heading("The school", level=1)
    paragraph = document.add_paragraph("Oakfield has ")
    paragraph.add_run("420 pupils").bold = True
    paragraph.add_run(" and a ")
    paragraph.add_run("new").italic = True
    paragraph.add_run(" head_teacher *now*.")
    document.add_paragraph("First point", style="List Bullet")
    document.add_paragraph("Second point", style="List Bullet")
    document.add_paragraph("Diagnose the problem.", style="List Number")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Year", (0, 1): "Score", (1, 0): "2024", (1, 1): "71%"}.items():
        table.cell(row, col).text = text
    document.add_heading("Your task", level=2)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
