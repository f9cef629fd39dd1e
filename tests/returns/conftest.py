"""A window whose results are released: one script uploaded as Word, one fail moderated."""

import io

import pytest
from docx import Document
from factories import PASSWORD, login
from marking.conftest import AFTER_CLOSE, closed, rubric_form  # noqa: F401
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    EcClaim,
    EcEvidence,
    Entry,
    MarkingRole,
    Moderation,
    User,
)
from assessment_app.services import allocations, checking, marks, moderation, results, submissions
from assessment_app.services.mark_input import MarkInput

PARTICIPANT_SECRETS = ["Sam Taylor", "sam@example.org", "Oakfield Primary", "Midlands Alliance",
                       "Jo Evans", "jo@example.org", "Riverside Academy", "Alex Morgan",
                       "alex@example.org", "St Brendan's", "Coastal Trust"]
UPLOADED_TEXT = "Coaching changes practice when it is sustained over a year."


def signed_docx() -> bytes:
    """A response whose Word properties name its writer, as real uploads do."""
    document = Document()
    document.core_properties.author = "Sam Taylor"
    document.core_properties.last_modified_by = "sam@example.org"
    document.add_paragraph(UPLOADED_TEXT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def mark_input(**overrides) -> MarkInput:
    form = rubric_form(**overrides)
    return MarkInput(levels={k[6:]: v for k, v in form.items() if k.startswith("level-")},
                     comments={k[8:]: v for k, v in form.items() if k.startswith("comment-")},
                     feedback=form["feedback"])


@pytest.fixture
def released(app, closed, clock):  # noqa: F811
    """Sam uploaded a Word file; Jo's fail was second-marked, disputed and moderated; all
    results released at AFTER_CLOSE."""
    sam_entry, jo_entry = closed.entry_ids[0], closed.entry_ids[1]
    clock.at(AFTER_CLOSE)
    with app.app_context():
        entry = db.session.get(Entry, sam_entry)
        upload = submissions.store_upload(entry, "my response.docx", signed_docx(), DURING)
        submissions.submit(entry, upload.text, declaration=True, client_token="docx", at=DURING,
                           upload=upload)
        window = entry.window
        window.second_marking_percent = 0
        db.session.commit()
        allocations.allocate_window(window, AFTER_CLOSE)
        for allocation in Allocation.query.filter_by(role=MarkingRole.FIRST).all():
            failing = allocation.entry_id == jo_entry
            marks.save_mark(allocation, mark_input(diagnosis="not_evident") if failing
                            else mark_input(level="strong"), AFTER_CLOSE, submit=True)
        admin = db.session.get(User, closed.admin_id)
        checking.draw_second_marking_sample(window, AFTER_CLOSE, admin, seed=1)
        second = Allocation.query.filter_by(entry_id=jo_entry, role=MarkingRole.SECOND).one()
        marks.save_mark(second, mark_input(level="strong"), AFTER_CLOSE, submit=True)
        case = Moderation.query.one()
        moderation.moderate(case, db.session.get(User, closed.moderator_id),
                            mark_input(diagnosis="developing"), "Diagnosis is partial.", AFTER_CLOSE)
        results.release_results(window, AFTER_CLOSE, admin, AFTER_CLOSE)
        db.session.commit()  # as the request does
        assert db.session.get(Entry, jo_entry).outcome == "failed"
    return closed


def signed_in(app, clock, email, at=AFTER_CLOSE):
    clock.at(at)
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def add_ec_claim(entry: Entry, description: str, filename: str) -> EcClaim:
    """An EC claim with one small PDF of evidence on `entry` (inside an app context)."""
    claim = EcClaim(entry_id=entry.id, category="illness", description=description,
                    affected_from=entry.window.first_day, affected_to=entry.window.first_day,
                    filed_by=entry.participant_id)
    claim.evidence = [EcEvidence(filename=filename, content_type="application/pdf", size=4,
                                 sha256="0" * 64, data=b"%PDF")]
    db.session.add(claim)
    db.session.commit()
    return claim
