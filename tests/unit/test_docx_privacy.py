"""A Word file leaving for the external moderator names nobody in its metadata; its text is kept."""

import io
import zipfile

from docx import Document

from assessment_app.docx_privacy import without_personal_details
from assessment_app.wordcount import docx_text


def signed_document() -> bytes:
    document = Document()
    document.core_properties.author = "Sam Taylor"
    document.core_properties.last_modified_by = "sam@example.org"
    paragraph = document.add_paragraph("Coaching changes practice when it is sustained.")
    document.add_comment(paragraph.runs, text="Check this", author="Sam Taylor", initials="ST")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def all_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist()
                       if n.endswith(".xml"))


def test_author_editor_and_comment_names_are_blanked_and_the_text_kept():
    original = signed_document()
    assert "Sam Taylor" in all_xml(original) and "sam@example.org" in all_xml(original)
    cleaned = without_personal_details(original)
    assert "Sam Taylor" not in all_xml(cleaned) and "sam@example.org" not in all_xml(cleaned)
    assert 'w:initials="ST"' not in all_xml(cleaned)
    assert Document(io.BytesIO(cleaned)).paragraphs[0].text == "Coaching changes practice when it is sustained."
    assert docx_text(cleaned) == docx_text(original)
