"""Reading responses from real .docx files made with python-docx, and refusing unusable ones."""

import io
import random
import zipfile

import pytest
from docx import Document
from docx.oxml import parse_xml
from docx_files import repack

from assessment_app.docx_upload import (
    MAX_MEMBERS,
    MAX_UNCOMPRESSED_BYTES,
    DocxRejected,
    copy_naming_nobody,
    read_response_docx,
)
from assessment_app.wordcount import count_words, docx_text

_NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def full_response() -> bytes:
    """A response using everything a participant might: the expected reading is READING."""
    document = Document()
    document.sections[0].header.paragraphs[0].text = "HEADER Candidate 1234"
    document.sections[0].footer.paragraphs[0].text = "FOOTER Page 1"
    document.add_heading("Diagnosis", level=1)
    commented = document.add_paragraph("Staff feel CPD is one-off.")
    document.add_comment(commented.runs, text="COMMENT from a mentor", author="Mentor")
    document.add_paragraph("Coaching cycles", style="List Bullet")
    document.add_paragraph("Instructional coaching", style="List Bullet")
    document.add_paragraph("Review termly", style="List Number")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Merged heading"
    table.cell(0, 2).text = "Term"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Observation"
    table.cell(1, 1).text = "Coaching"
    table.cell(1, 2).add_table(rows=1, cols=1).cell(0, 0).text = "Nested cell"
    table.cell(2, 1).text = "Feedback"
    table.cell(2, 2).text = "Summer"
    document.add_paragraph("Final paragraph.")
    document.add_heading("References", level=1)
    document.add_paragraph("Sims, H. (2019) Lean CPD.")
    return save(document)


READING = [
    "Diagnosis", "Staff feel CPD is one-off.", "Coaching cycles", "Instructional coaching",
    "Review termly", "Merged heading", "Term", "Observation", "Coaching", "Nested cell",
    "Feedback", "Summer", "Final paragraph.", "References", "Sims, H. (2019) Lean CPD.",
]


def with_body_xml(*paragraph_xml: str) -> bytes:
    """A document whose body is the given raw WordprocessingML blocks, for what python-docx
    cannot write itself (tracked changes, content controls, text boxes, fields)."""
    document = Document()
    body = document.element.body
    for xml in paragraph_xml:
        body.sectPr.addprevious(parse_xml(xml.replace("<w:p>", f"<w:p {_NAMESPACES}>", 1)
                                          .replace("<w:sdt>", f"<w:sdt {_NAMESPACES}>", 1)))
    return save(document)


@pytest.fixture
def refused_before_parsing(monkeypatch):
    """Fails the test if python-docx would be asked to parse the upload."""
    def parse(_source):
        pytest.fail("python-docx was asked to parse a package that should have been refused")
    monkeypatch.setattr("assessment_app.docx_upload.docx_text", parse)


def refusal(filename: str, data: bytes) -> str:
    with pytest.raises(DocxRejected) as rejected:
        read_response_docx(filename, data)
    return str(rejected.value)


# Reading


def test_body_paragraphs_and_tables_are_read_in_order_one_paragraph_a_line():
    """Headings, list items, table cells (merged once, nested tables in place) in reading order."""
    lines = docx_text(full_response()).split("\n")
    assert [line for line in lines if line] == READING


def test_headers_footers_and_comments_are_not_read():
    """Only the body is read: header, footer and comment text never reach the count."""
    text = docx_text(full_response())
    assert "HEADER" not in text and "FOOTER" not in text and "COMMENT" not in text


def test_the_reference_list_at_the_end_is_read_but_not_counted():
    """The reference list is kept in the text for markers but is outside the word count."""
    text = read_response_docx("response.docx", full_response())
    assert "Sims, H. (2019) Lean CPD." in text
    # Diagnosis 1, Staff..one-off. 5, lists 2+2+2, table 2+1+1+1+2+1+1, Final paragraph. 2
    assert count_words(text) == 23


def test_docx_text_accepts_a_binary_file():
    """An open binary file gives the same text as its bytes."""
    data = full_response()
    assert docx_text(io.BytesIO(data)) == docx_text(data)


def test_tracked_changes_are_read_as_if_accepted():
    """Inserted text is read and deleted text is not, as Word shows the document when accepted."""
    data = with_body_xml(
        '<w:p><w:r><w:t xml:space="preserve">Kept </w:t></w:r>'
        '<w:ins w:id="1" w:author="A"><w:r><w:t xml:space="preserve">inserted </w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="A"><w:r><w:delText>DELETED </w:delText><w:tab/></w:r></w:del>'
        "<w:r><w:t>end</w:t></w:r></w:p>"
    )
    assert docx_text(data) == "Kept inserted end"


def test_content_controls_are_read_unless_showing_their_placeholder():
    """Text typed into a template's content control counts; unfilled placeholder text does not."""
    data = with_body_xml(
        "<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Typed in a control</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>",
        "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r>"
        "<w:t>PLACEHOLDER Click or tap here to enter text.</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>",
        '<w:p><w:r><w:t xml:space="preserve">Inline </w:t></w:r><w:sdt><w:sdtPr/><w:sdtContent>'
        "<w:r><w:t>control</w:t></w:r></w:sdtContent></w:sdt></w:p>",
    )
    assert docx_text(data) == "Typed in a control\nInline control"


def test_text_boxes_and_alternate_content_fallbacks_are_not_read():
    """Text boxes are not read (DOCX_RULE), and alternate content is read once, not twice."""
    data = with_body_xml(
        '<w:p><w:r><w:t xml:space="preserve">Before </w:t></w:r><w:r><w:pict><v:shape><v:textbox>'
        "<w:txbxContent><w:p><w:r><w:t>TEXTBOX</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></w:r><w:r><w:t>after</w:t></w:r></w:p>",
        '<w:p><mc:AlternateContent><mc:Choice Requires="w14"><w:r><w:t>Chosen</w:t></w:r>'
        "</mc:Choice><mc:Fallback><w:r><w:t>FALLBACK</w:t></w:r></mc:Fallback>"
        "</mc:AlternateContent></w:p>",
    )
    assert docx_text(data) == "Before after\nChosen"


def test_field_results_are_read_but_field_codes_are_not():
    """A citation manager's field shows its result, e.g. (Sims, 2019), not its hidden code."""
    data = with_body_xml(
        '<w:p><w:r><w:t xml:space="preserve">As argued </w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> ADDIN ZOTERO_ITEM {"id":1} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>(Sims, 2019)</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> on page </w:t>'
        '</w:r><w:fldSimple w:instr="PAGE"><w:r><w:t>7</w:t></w:r></w:fldSimple></w:p>'
    )
    assert docx_text(data) == "As argued (Sims, 2019) on page 7"


def test_breaks_and_tabs_separate_words():
    """Line, page and column breaks and tabs inside a paragraph keep the words apart."""
    data = with_body_xml(
        '<w:p><w:r><w:t>line</w:t><w:br/><w:t>page</w:t><w:br w:type="page"/><w:t>column</w:t>'
        '<w:br w:type="column"/><w:t>tab</w:t><w:tab/><w:t>co</w:t><w:noBreakHyphen/>'
        "<w:t>operate</w:t></w:r></w:p>"
    )
    assert docx_text(data) == "line\npage\ncolumn\ntab\tco-operate"


@pytest.mark.parametrize("filename", ["My Response.DOCX", "C:\\fakepath\\response.docx ",
                                      "response.final.docx"])
def test_a_docx_is_accepted_whatever_the_case_or_path_of_its_name(filename):
    """Only the extension matters, in any case, with any path the browser sends."""
    assert read_response_docx(filename, full_response()).startswith("Diagnosis\n")


def test_a_large_ordinary_picture_is_accepted():
    """A big member that does not compress (like a photo) is not mistaken for a zip bomb."""
    photo = random.Random(1).randbytes(3 * 1024 * 1024)
    data = repack(full_response(), add={"word/media/image1.jpeg": photo})
    assert "Final paragraph." in read_response_docx("response.docx", data)


# Refusals


@pytest.mark.parametrize("filename,phrase", [
    ("response.pdf", "The file is a PDF"),
    ("response.doc", "old Word format (.doc)"),
    ("response.docm", "macro-enabled Word document (.docm)"),
    ("response.odt", "not a Word document (.docx)"),
    ("response", "not a Word document (.docx)"),
    ("", "not a Word document (.docx)"),
])
def test_a_name_not_ending_in_docx_is_refused_by_name(filename, phrase, refused_before_parsing):
    """The extension is checked first, whatever the bytes, with a message naming the format."""
    assert phrase in refusal(filename, full_response())


def test_a_pdf_renamed_to_docx_is_refused():
    """PDF bytes under a .docx name are recognised as a PDF."""
    assert "The file is a PDF" in refusal("response.docx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")


def test_an_old_doc_or_password_protected_file_renamed_to_docx_is_refused():
    """An OLE compound file (.doc, or a .docx with a password) gets advice about both."""
    message = refusal("response.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    assert "password-protected" in message and "(.doc)" in message


def test_a_renamed_text_file_is_refused_as_unopenable():
    """Bytes that are not a zip package cannot be opened."""
    assert "could not be opened, it may be damaged" in refusal("response.docx", b"My response")


def test_an_empty_file_is_refused():
    """A file of no bytes says so."""
    assert "The file is empty" in refusal("response.docx", b"")


def test_a_truncated_docx_is_refused_as_damaged(refused_before_parsing):
    """A cut-off download (no zip directory) is damaged, not a crash."""
    data = full_response()
    assert "could not be opened" in refusal("response.docx", data[: len(data) // 2])


def test_a_package_with_a_corrupted_part_is_refused_as_damaged(refused_before_parsing):
    """A part whose compressed bytes are garbled is found while checking, before parsing."""
    data = bytearray(full_response())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("[Content_Types].xml")
    header = info.header_offset
    start = header + 30 + int.from_bytes(data[header + 26:header + 28], "little") \
        + int.from_bytes(data[header + 28:header + 30], "little")
    data[start:start + 40] = bytes(range(7, 47))
    assert "could not be opened" in refusal("response.docx", bytes(data))


def test_a_zip_that_is_not_a_word_package_is_refused(refused_before_parsing):
    """A zip without [Content_Types].xml and word/document.xml (say a renamed .odt) is refused."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("content.xml", "<office:document-content/>")
    assert "not a Word document" in refusal("response.docx", buffer.getvalue())


def test_a_package_whose_document_is_not_xml_is_refused_as_damaged():
    """Anything python-docx cannot parse becomes the damaged message, not a server error."""
    data = repack(full_response(), replace={"word/document.xml": b"<w:document><unclosed>"})
    assert "could not be opened" in refusal("response.docx", data)


@pytest.mark.parametrize("body", [b"", b"<Relationships><Relationship Id=", b"not xml"])
def test_a_package_whose_relationships_are_not_xml_is_refused_as_damaged(body,
                                                                         refused_before_parsing):
    """The package's own relationships name the body; unreadable, the file is damaged, not a
    server error."""
    data = repack(full_response(), replace={"_rels/.rels": body})
    assert "could not be opened" in refusal("response.docx", data)


@pytest.mark.parametrize("part", ["word/fontTable.xml", "word/theme/theme1.xml"])
@pytest.mark.parametrize("body", [b"", b"<w:fonts><w:font w:name="])
def test_a_part_only_the_copy_reads_that_is_not_xml_makes_the_file_damaged(part, body):
    """The reading never opens the fonts table or the theme, so the text is read; the copy for
    the external moderator is rebuilt from them, and cannot be. The upload is refused
    (submissions.store_upload makes both), so no pack later meets a file it cannot copy."""
    data = repack(full_response(), replace={part: body})
    assert read_response_docx("response.docx", data)
    with pytest.raises(DocxRejected, match="could not be opened"):
        copy_naming_nobody("response.docx", data)


def test_a_macro_enabled_package_named_docx_is_refused(refused_before_parsing):
    """A vbaProject.bin member means macros, whatever the file is called."""
    data = repack(full_response(), add={"word/vbaProject.bin": b"\0macro"})
    assert "contains macros" in refusal("response.docx", data)


def test_a_macro_enabled_content_type_is_refused(refused_before_parsing):
    """A .docm's main part type, even without a vbaProject.bin, is refused as macro-enabled."""
    data = full_response()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    docm_types = types.replace(b"wordprocessingml.document.main+xml",
                               b"ms-word.document.macroEnabled.main+xml")
    assert docm_types != types
    data = repack(data, replace={"[Content_Types].xml": docm_types})
    assert "contains macros" in refusal("response.docx", data)


def test_a_zip_bomb_disguised_as_docx_is_refused_before_parsing(refused_before_parsing):
    """A small upload that would inflate past MAX_UNCOMPRESSED_BYTES is never inflated."""
    data = repack(full_response(), add={"word/media/filler.bin": bytes(60 * 1024 * 1024)})
    assert len(data) < 1024 * 1024 < MAX_UNCOMPRESSED_BYTES
    assert "too large to read" in refusal("response.docx", data)


def test_a_highly_compressed_member_is_refused(refused_before_parsing):
    """A member over 1 MB that compresses more than 100:1 is refused, though the total is small."""
    data = repack(full_response(), add={"word/media/filler.bin": bytes(2 * 1024 * 1024)})
    assert "too large to read" in refusal("response.docx", data)


def test_a_package_with_too_many_members_is_refused(refused_before_parsing):
    """More than MAX_MEMBERS parts is refused before anything is read."""
    extra = {f"extra/part{i}.xml": b"<a/>" for i in range(MAX_MEMBERS)}
    assert "too large to read" in refusal("response.docx", repack(full_response(), add=extra))


def test_an_empty_document_is_refused():
    """A document with no words in its body cannot be a response."""
    assert "no text we can read" in refusal("response.docx", save(Document()))


def test_a_document_with_only_text_outside_the_body_is_refused():
    """Text only in a header, or only dashes and bullets, is no text we can read."""
    document = Document()
    document.sections[0].header.paragraphs[0].text = "My whole response in the header"
    document.add_paragraph("\u2022 \u2013 -")
    assert "no text we can read" in refusal("response.docx", save(document))
