"""Safe reading of an uploaded response: checked as a zip package before python-docx parses it."""

import io
import zipfile

from .wordcount import count_words, docx_text

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 1000
MAX_RATIO = 100
RATIO_CHECK_FROM_BYTES = 1024 * 1024


class DocxRejected(Exception):
    """An upload that cannot be used; the message tells the participant what to do."""


def read_response_docx(filename: str, data: bytes) -> str:
    name = filename.lower().strip()
    if name.endswith(".docm"):
        raise DocxRejected("Macro-enabled documents (.docm) cannot be accepted. Save your response "
                           "as a Word document (.docx) and upload it again.")
    if not name.endswith(".docx"):
        raise DocxRejected("The file must be a Word document (.docx). Save your response as .docx "
                           "(in Word: File, Save As, Word Document) and upload it again.")
    damaged = DocxRejected("The file could not be opened: it may be damaged or not really a Word "
                           "document. Open it in Word, save it as .docx and upload it again.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise damaged from None
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise damaged
        if len(members) > MAX_MEMBERS or _too_expanded(members):
            raise DocxRejected("The file is too large to read once opened. Remove large pictures "
                               "or embedded files, save it and upload it again.")
        content_types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
        if any(n.lower().endswith("vbaproject.bin") for n in names) or \
                "macroenabled" in content_types.lower():
            raise DocxRejected("The document contains macros, which cannot be accepted. Save it "
                               "as a Word document (.docx) without macros and upload it again.")
    try:
        text = docx_text(data)
    except Exception:  # python-docx raises many types for malformed packages
        raise damaged from None
    if count_words(text) == 0:
        raise DocxRejected("The document has no text we can read. Check you uploaded the right "
                           "file, and that the response is not only in text boxes or pictures.")
    return text


def _too_expanded(members: list[zipfile.ZipInfo]) -> bool:
    """Declared sizes bound what zipfile will inflate, so checking them guards against bombs."""
    if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
        return True
    return any(
        m.file_size > RATIO_CHECK_FROM_BYTES and m.file_size > MAX_RATIO * max(m.compress_size, 1)
        for m in members
    )
