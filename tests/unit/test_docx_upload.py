"""Reading responses from real .docx files made with python-docx, and refusing unsafe ones."""

import io
import zipfile

import pytest
from docx import Document

from assessment_app.docx_upload import DocxRejected, read_response_docx
from assessment_app.wordcount import count_words, docx_text


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def full_response() -> bytes:
    document = Document()
    document.sections[0].header.paragraphs[0].text = "HEADER Candidate name"
    document.sections[0].footer.paragraphs[0].text = "FOOTER page one"
    document.add_heading("Diagnosis", level=1)
    document.add_paragraph("Staff feel CPD is one-off.")
    document.add_paragraph("Coaching cycles", style="List Bullet")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged heading"
    table.cell(0, 2).text = "Term"
    table.cell(1, 0).text = "Observation"
    table.cell(1, 1).text = "Coaching"
    table.cell(1, 2).add_table(rows=1, cols=1).cell(0, 0).text = "Nested cell"
    document.add_paragraph("Final paragraph.")
    document.add_heading("References", level=1)
    document.add_paragraph("Sims, H. (2019) Lean CPD.")
    return save(document)


def test_docx_text_reads_body_paragraphs_and_tables_in_order():
    """Headings, lists, tables (merged cells once, nested tables too), in reading order."""
    text = docx_text(full_response())
    lines = [line for line in text.splitlines() if line]
    assert lines[:3] == ["Diagnosis", "Staff feel CPD is one-off.", "Coaching cycles"]
    assert text.count("Merged heading") == 1
    assert text.index("Term") < text.index("Observation") < text.index("Coaching\n")
    assert text.index("Coaching\n") < text.index("Nested cell")
    assert text.index("Nested cell") < text.index("Final paragraph.")


def test_headers_and_footers_are_not_read():
    text = docx_text(full_response())
    assert "HEADER" not in text and "FOOTER" not in text


def test_the_reference_list_at_the_end_is_not_counted():
    text = docx_text(full_response())
    # Diagnosis 1, Staff..one-off. 5, Coaching cycles 2, table cells 2+1+1+1+2, Final paragraph. 2
    assert count_words(text) == 17
    assert "Sims" in text


def test_a_good_docx_is_read():
    assert "Final paragraph." in read_response_docx("My Response.DOCX", full_response())


@pytest.mark.parametrize("name,data,phrase", [
    ("response.pdf", b"%PDF-1.7", "must be a Word document (.docx)"),
    ("response.doc", b"\xd0\xcf\x11\xe0", "must be a Word document (.docx)"),
    ("response.docm", b"PK", "Macro-enabled documents (.docm)"),
    ("response.docx", b"plain text renamed", "could not be opened"),
    ("response.docx", b"%PDF-1.7 renamed", "could not be opened"),
])
def test_files_that_are_not_docx_are_refused_with_a_clear_message(name, data, phrase):
    with pytest.raises(DocxRejected, match=phrase.replace("(", r"\(").replace(")", r"\)")):
        read_response_docx(name, data)


def test_a_truncated_docx_is_refused_as_damaged():
    with pytest.raises(DocxRejected, match="could not be opened"):
        read_response_docx("r.docx", full_response()[:2000])


def test_a_zip_that_is_not_a_word_package_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(DocxRejected, match="could not be opened"):
        read_response_docx("r.docx", buffer.getvalue())


def test_a_macro_enabled_package_named_docx_is_refused():
    buffer = io.BytesIO(full_response())
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\x00macro")
    with pytest.raises(DocxRejected, match="macros"):
        read_response_docx("r.docx", buffer.getvalue())


def test_a_zip_bomb_disguised_as_docx_is_refused_before_parsing():
    buffer = io.BytesIO(full_response())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/image1.bin", b"\0" * (60 * 1024 * 1024))
    assert len(buffer.getvalue()) < 1024 * 1024  # small on the wire
    with pytest.raises(DocxRejected, match="too large to read"):
        read_response_docx("r.docx", buffer.getvalue())


def test_a_package_with_too_many_members_is_refused():
    buffer = io.BytesIO(full_response())
    with zipfile.ZipFile(buffer, "a") as archive:
        for i in range(1001):
            archive.writestr(f"extra/part{i}.xml", "<a/>")
    with pytest.raises(DocxRejected, match="too large to read"):
        read_response_docx("r.docx", buffer.getvalue())


def test_an_empty_document_is_refused():
    with pytest.raises(DocxRejected, match="no text we can read"):
        read_response_docx("r.docx", save(Document()))
