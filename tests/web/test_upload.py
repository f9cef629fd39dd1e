"""Uploading a .docx: the text and count are shown before submitting; bad files get clear errors."""

import io
import zipfile

import pytest
from docx import Document
from docx_files import repack
from moments import CLOSED, DURING
from page_html import (
    by_id,
    described_by,
    error_links,
    has_class,
    one,
    page_summary,
    parse,
    text_of,
)

from assessment_app.extensions import db
from assessment_app.models import ResponseSource, ResponseUpload, SubmissionVersion


def docx_bytes(*paragraphs: str) -> bytes:
    document = Document()
    document.add_heading("My response", level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(journey, data: bytes, name="response.docx"):
    return journey.client.post(
        journey.url("/upload"),
        data={"document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_uploaded_docx_shows_text_and_count_then_submits(app, journey, clock):
    """The confirm page shows the extracted text and count; submitting makes a docx version."""
    journey.at(DURING)
    response = upload(journey, docx_bytes("Teachers at Brookside need well-structured CPD."))
    assert response.status_code == 302
    confirm = journey.client.get(response.headers["Location"])
    assert "Teachers at Brookside need well-structured CPD." in confirm.text
    assert "8 words" in confirm.text  # "My response" heading counts
    done = journey.client.post(response.headers["Location"],
                               data={"declaration": "y", "client_token": "u1"})
    assert done.status_code == 302
    with app.app_context():
        version = SubmissionVersion.query.one()
        assert version.source is ResponseSource.DOCX
        assert version.word_count == 8
        assert version.upload.data[:2] == b"PK"


def test_uploaded_docx_over_the_limit_cannot_be_submitted(app, journey, clock):
    journey.at(DURING)
    response = upload(journey, docx_bytes(" ".join(["word"] * 1500)))
    confirm = journey.client.get(response.headers["Location"])
    assert "over the limit" in confirm.text
    refused = journey.client.post(response.headers["Location"],
                                  data={"declaration": "y", "client_token": "u2"})
    assert "1,502 words" in refused.text
    with app.app_context():
        assert SubmissionVersion.query.count() == 0


def test_confirming_an_upload_after_the_deadline_is_refused(app, journey, clock):
    journey.at(DURING)
    location = upload(journey, docx_bytes("On time upload.")).headers["Location"]
    journey.at(CLOSED)
    refused = journey.client.post(location, data={"declaration": "y", "client_token": "u3"})
    assert "The deadline was" in refused.text
    with app.app_context():
        assert SubmissionVersion.query.count() == 0


def test_a_pdf_is_refused_with_a_clear_message(journey, clock):
    journey.at(DURING)
    response = upload(journey, b"%PDF-1.7 not a word document", name="response.pdf")
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert ".docx" in response.text


def test_a_corrupt_docx_is_refused(journey, clock):
    journey.at(DURING)
    response = upload(journey, docx_bytes("whole")[:500])
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text


@pytest.mark.parametrize("part", ["_rels/.rels", "word/fontTable.xml", "word/theme/theme1.xml"])
def test_a_docx_with_a_part_that_is_not_xml_is_refused_as_damaged_and_nothing_kept(
        app, journey, clock, part):
    """Not a server error: the participant is told to save it again from Word, and no upload
    is kept that the moderation pack could not copy."""
    journey.at(DURING)
    damaged = repack(docx_bytes("A whole response."), replace={part: b"<broken"})
    response = upload(journey, damaged)
    assert response.status_code == 200
    assert "could not be opened, it may be damaged" in text_of(page_summary(parse(response)))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ResponseUpload.id))) == 0


def test_a_macro_enabled_document_is_refused(journey, clock):
    journey.at(DURING)
    buffer = io.BytesIO(docx_bytes("with macros"))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"macro")
    response = upload(journey, buffer.getvalue())
    assert "macro" in response.text.lower()


def test_a_zip_bomb_disguised_as_docx_is_refused(journey, clock):
    journey.at(DURING)
    buffer = io.BytesIO(docx_bytes("bomb"))
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/filler.bin", b"\0" * (60 * 1024 * 1024))
    response = upload(journey, buffer.getvalue())
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text


def test_an_oversized_upload_gets_a_friendly_413_page(app, journey, clock):
    journey.at(DURING)
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    # A hand-built multipart body: the test client would spool a dict body to a temp file.
    body = (b'--B\r\nContent-Disposition: form-data; name="document"; filename="big.docx"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n" + b"x" * (2 * 1024 * 1024)
            + b"\r\n--B--\r\n")
    response = journey.client.post(journey.url("/upload"), data=body,
                                   content_type="multipart/form-data; boundary=B")
    assert response.status_code == 413
    assert "The file is too large" in response.text
    assert "smaller than 1 MB" in response.text


def test_another_participants_upload_is_404(app, journey, clock):
    journey.at(DURING)
    location = upload(journey, docx_bytes("Mine.")).headers["Location"]
    upload_id = location.rsplit("/", 1)[1]
    other = journey.url(f"/uploads/{upload_id}", entry_id=journey.other_entry_id)
    assert journey.client.get(other).status_code == 404


def test_the_file_field_is_a_labelled_govuk_file_upload_for_docx_only(journey, clock):
    """The component's settings are applied, not printed: a label, a hint tied to the field,
    GOV.UK styling and a .docx filter in the file chooser."""
    journey.at(DURING)
    page = parse(journey.client.get(journey.url("/upload")))
    field = by_id(page, "document")
    assert field.get("params") is None
    assert field.get("type") == "file" and has_class(field, "govuk-file-upload")
    assert ".docx" in field.get("accept").split(",")
    label = one(page, '//label[@for="document"]')
    assert "Word document (.docx)" in text_of(label)
    assert "document-hint" in described_by(field)
    assert "Only Word documents" in text_of(by_id(page, "document-hint"))


def test_a_refused_file_is_named_on_the_field_and_linked_from_the_summary(journey, clock):
    """The reason sits in the field's own error message and the summary's link reaches it."""
    journey.at(DURING)
    page = parse(upload(journey, b"%PDF-1.7 not a word document", name="response.pdf"))
    field = by_id(page, "document")
    assert error_links(page) == ["#document"]
    assert "document-error" in described_by(field) and has_class(field, "govuk-file-upload--error")
    assert ".docx" in text_of(by_id(page, "document-error"))
