"""Safe reading of an uploaded response: the package is checked before python-docx parses it.

python-docx inflates every part of the package, so the zip's declared sizes are checked first;
zipfile never inflates a member past its declared size, which makes that check a real bound.
"""

import io
import logging
import zipfile
import zlib

from .wordcount import count_response, docx_text

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024  # small XML parts compress well, harmlessly

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
    # A document of only reference entries is read (its count of 0 is refused at submit, with
    # its own message); one with no words at all is the wrong file or text we cannot read.
    if count_response(text) == (0, 0):
        raise DocxRejected("The document has no text we can read. Check it is the right file and "
                           "that your response is not in text boxes, headers or pictures.")
    return text


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


def _too_expanded(members: list[zipfile.ZipInfo]) -> bool:
    if sum(member.file_size for member in members) > MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        member.file_size > RATIO_CHECKED_FROM_BYTES
        and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
        for member in members
    )
