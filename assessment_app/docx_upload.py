"""Safe reading of an uploaded response: the package is checked before python-docx parses it.

python-docx inflates every part of the package, so the zip's declared sizes are checked first;
zipfile never inflates a member past its declared size, which makes that check a real bound.
"""

import io
import logging
import posixpath
import zipfile
import zlib

from lxml import etree

from .docx_privacy import without_personal_details
from .wordcount import count_response, docx_text

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small XML parts compress well, harmlessly
# Far more than any response (1,500 words is about 10,000 characters) or case study, yet room
# for a 100,000-word document to be read, so its writer is told its count (and that it is over
# the limit) rather than refused unread; 250 nested paragraphs made 1.25 M characters of 5,000.
MAX_TEXT_CHARACTERS = 1_000_000
# Word nests tables inside table cells, but not deeper than a few in any real document.
MAX_TABLE_DEPTH = 5
# Word's own limit is 63 columns; a cell spanning more, or a table wider, is not from Word.
MAX_COLUMNS = 63
MAX_TABLE_CELLS = 20_000  # rows x columns of one table

_ZIP_SIGNATURE = b"PK\x03\x04"
_PDF_SIGNATURE = b"%PDF-"
# Old .doc files and password-protected .docx files are both OLE compound files.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What a damaged or hostile zip can raise while being listed or read.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
               ValueError)

_DAMAGED = ("The file could not be opened, it may be damaged. Open it in Word, save it as a "
            "Word document (.docx) and upload it again.")

log = logging.getLogger(__name__)


class DocxRejected(Exception):
    """An upload that cannot be used; the message tells the participant what to do."""


def read_response_docx(filename: str, data: bytes) -> str:
    """The countable text of an uploaded response (see wordcount.docx_text).

    Raises DocxRejected, with a message for the participant, for anything that is not a
    readable, macro-free .docx of reasonable size with some text in it."""
    _check_name(filename.strip().lower())
    _check_signature(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_package(archive)
    except _ZIP_ERRORS:
        raise DocxRejected(_DAMAGED) from None
    try:
        text = docx_text(data)
    except Exception:  # python-docx and lxml raise many types for a malformed package
        log.info("unreadable .docx upload %r", filename, exc_info=True)
        raise DocxRejected(_DAMAGED) from None
    if len(text) > MAX_TEXT_CHARACTERS:
        raise DocxRejected(
            f"The document has more than {MAX_TEXT_CHARACTERS:,} characters of text, far more "
            "than a response. Check it is the right file; if it is, remove everything but your "
            "response, save it and upload it again.")
    # A document of only reference entries is read (its count of 0 is refused at submit, with
    # its own message); one with no words at all is the wrong file or text we cannot read.
    if count_response(text) == (0, 0):
        raise DocxRejected("The document has no text we can read. Check it is the right file and "
                           "that your response is not in text boxes, headers or pictures.")
    return text


def copy_naming_nobody(filename: str, data: bytes) -> bytes:
    """The copy of an upload read_response_docx took that may leave the provider
    (docx_privacy.without_personal_details). Raises DocxRejected, as damaged, when it cannot
    be built: a part the reading never needed (the theme, the fonts table) is not XML."""
    try:
        return without_personal_details(data)
    except (*_ZIP_ERRORS, KeyError, etree.LxmlError):
        log.info("a .docx upload %r whose copy naming nobody cannot be built", filename,
                 exc_info=True)
        raise DocxRejected(_DAMAGED) from None


def _check_name(name: str) -> None:
    if name.endswith(".docx"):
        return
    if name.endswith(".docm"):
        raise DocxRejected("The file is a macro-enabled Word document (.docm), which we cannot "
                           "accept. Save it as a Word document (.docx) and upload it again.")
    if name.endswith(".doc"):
        raise DocxRejected("The file is in the old Word format (.doc). Open it in Word, save it "
                           "as a Word document (.docx) and upload it again.")
    if name.endswith(".pdf"):
        raise DocxRejected("The file is a PDF, but we need a Word document (.docx). Open the "
                           "document you wrote your response in, save it as .docx and upload "
                           "it again.")
    raise DocxRejected("The file is not a Word document (.docx). Save it as .docx and upload it "
                       "again.")


def _check_signature(data: bytes) -> None:
    """Name the commonest wrong files; a real .docx starts with a zip entry."""
    if not data:
        raise DocxRejected("The file is empty. Check it is the right file and upload it again.")
    if data.startswith(_PDF_SIGNATURE):
        raise DocxRejected("The file is a PDF with its name changed to .docx. Open the document "
                           "you wrote your response in, save it as a Word document (.docx) and "
                           "upload it again.")
    if data.startswith(_OLE_SIGNATURE):
        raise DocxRejected("The file is password-protected or in the old Word format (.doc). "
                           "Remove any password, save it as a Word document (.docx) and upload "
                           "it again.")
    if not data.startswith(_ZIP_SIGNATURE):
        raise DocxRejected(_DAMAGED)


def _check_package(archive: zipfile.ZipFile) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS or _too_expanded(members):
        raise DocxRejected("The file is too large to read once opened. Remove large pictures or "
                           "embedded files, save it and upload it again.")
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise DocxRejected("The file is not a Word document, although its name ends in .docx. "
                           "Open it in Word, save it as a Word document (.docx) and upload it "
                           "again.")
    content_types = archive.read("[Content_Types].xml")  # its size is bounded by now
    if (any(name.lower().endswith("vbaproject.bin") for name in names)
            or b"macroenabled" in content_types.lower()):
        raise DocxRejected("The document contains macros, which we cannot accept. Save it as a "
                           "Word document (.docx), which removes them, and upload it again.")
    main = _main_part(archive, names)
    check_structure(archive.read(main))


_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
                    "officeDocument")


def _main_part(archive: zipfile.ZipFile, names: set[str]) -> str:
    """The part python-docx will read as the body (the package's officeDocument relationship),
    so the part checked is the part read."""
    if "_rels/.rels" not in names:
        raise DocxRejected(_DAMAGED)
    try:
        rels = etree.fromstring(archive.read("_rels/.rels"), _SAFE_PARSER)
    except etree.LxmlError:  # not XML: for the case study's reading too (case_study_docx)
        raise DocxRejected(_DAMAGED) from None
    for rel in rels.iter(_PACKAGE_RELS):
        if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("TargetMode") != "External":
            name = posixpath.normpath(rel.get("Target", "").lstrip("/"))
            if name in names:
                return name
    raise DocxRejected(_DAMAGED)


_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class _Table:
    __slots__ = ("grid", "rows", "widest", "width")

    def __init__(self):
        self.rows = self.widest = self.width = self.grid = 0


def check_structure(xml: bytes) -> None:
    """Refuse a body Word never writes, in one pass over its XML with bounded work per element:
    a paragraph inside a paragraph (Word's only paragraphs within one are in a text box, and
    never a text box in a text box), tables nested deeper than MAX_TABLE_DEPTH, and a cell
    span or a table wider than MAX_COLUMNS or bigger than MAX_TABLE_CELLS. Each of these costs
    every reader work out of all proportion to the file (250 nested paragraphs read each run
    250 times; a span of 100,000 makes 100,000 cells)."""
    # Innermost first: "p" for an open paragraph, "box" for an open text box.
    containers: list[str] = []
    tables: list[_Table] = []
    try:
        for event, element in etree.iterparse(
                io.BytesIO(xml), events=("start", "end"), resolve_entities=False,
                no_network=True, huge_tree=False, remove_comments=True, remove_pis=True):
            tag = element.tag
            if event == "end":
                if tag == f"{_W}p" or tag == f"{_W}txbxContent":
                    containers.pop()
                elif tag == f"{_W}tbl":
                    tables.pop()
                elif tag == f"{_W}tr" and tables:
                    table = tables[-1]
                    table.widest = max(table.widest, table.width)
                    if table.widest > MAX_COLUMNS:
                        raise DocxRejected(_too_wide())
                    if table.rows * max(table.widest, table.grid) > MAX_TABLE_CELLS:
                        raise DocxRejected(_too_big())
                # Nothing is kept: a read part holds only what is still open.
                element.clear(keep_tail=False)
                continue
            if tag == f"{_W}p":
                if containers and containers[-1] == "p":
                    raise DocxRejected(_NESTED_PARAGRAPH)
                containers.append("p")
            elif tag == f"{_W}txbxContent":
                if "box" in containers:
                    raise DocxRejected(_NESTED_PARAGRAPH)
                containers.append("box")
            elif tag == f"{_W}tbl":
                if len(tables) == MAX_TABLE_DEPTH:
                    raise DocxRejected(
                        f"The document has tables nested more than {MAX_TABLE_DEPTH} deep "
                        "(a table in a table's cell, and so on), which Word does not make. "
                        "Put the tables one after another, save it and upload it again.")
                tables.append(_Table())
            elif not tables:
                continue
            elif tag == f"{_W}tr":
                tables[-1].rows += 1
                tables[-1].width = 0
            elif tag == f"{_W}tc":
                tables[-1].width += 1
            elif tag == f"{_W}gridSpan":
                span = _number(element.get(f"{_W}val"))
                if span > MAX_COLUMNS:
                    raise DocxRejected(_too_wide())
                tables[-1].width += max(span, 1) - 1
            elif tag == f"{_W}gridCol":
                tables[-1].grid += 1
                if tables[-1].grid > MAX_COLUMNS:
                    raise DocxRejected(_too_wide())
    except etree.LxmlError:
        raise DocxRejected(_DAMAGED) from None


_NESTED_PARAGRAPH = (
    "The document has paragraphs inside other paragraphs, which Word does not make, so it "
    "cannot be read. Copy the text into a new Word document, save it as .docx and upload it "
    "again.")


def _too_wide() -> str:
    return (f"The document has a table wider than {MAX_COLUMNS} columns (or a cell spanning "
            "more), which Word does not make. Check the tables, save it and upload it again.")


def _too_big() -> str:
    return (f"The document has a table of more than {MAX_TABLE_CELLS:,} cells. Split the table "
            "or shorten it, save it and upload it again.")


def _number(value: str | None) -> int:
    try:
        return int(value or "1")
    except ValueError:
        return 1


def _too_expanded(members: list[zipfile.ZipInfo]) -> bool:
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        member.file_size > RATIO_CHECKED_FROM_BYTES
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
