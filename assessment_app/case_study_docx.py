"""A case study written in Word (.docx) turned into the Markdown participants read.

Enough of Word for a case study: headings, paragraphs, bulleted and numbered lists, tables
(the first row as the header), bold and italic. Everything else (pictures, text boxes,
headers, footers) is left out, so admins preview the result before attaching it. No Flask.
"""

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from .case_studies import CaseStudyError
from .docx_upload import _ZIP_ERRORS, DocxRejected, _check_package, _check_signature

log = logging.getLogger(__name__)

# The page's own <h1> is the paper's title, so Word's Heading 1 becomes a level-2 heading.
_HEADING_LEVEL = {1: "##", 2: "###"}
_DEEPEST_HEADING = "####"
# Characters that would otherwise be read as Markdown, and a line that would start a list.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]#|<>])")
_LOOKS_NUMBERED = re.compile(r"^(\d+)([.)])(\s)")


@dataclass(frozen=True)
class DocxCaseStudy:
    title: str  # the Title paragraph, else the document's title property, else ""
    markdown: str


def docx_to_markdown(data: bytes, filename: str) -> DocxCaseStudy:
    """Convert a .docx case study; raises CaseStudyError naming the file for anything unreadable."""
    try:
        _check_signature(data)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_package(archive)
    except DocxRejected as rejected:
        raise CaseStudyError(filename, None, str(rejected)) from None
    except _ZIP_ERRORS:
        raise CaseStudyError(filename, None, "could not be opened: it may be damaged. Open it "
                                             "in Word, save it as .docx and upload it again.") from None
    try:
        document = Document(io.BytesIO(data))
        title, blocks = _blocks(document)
    except Exception:  # python-docx and lxml raise many types for a malformed package
        log.info("unreadable case-study .docx %r", filename, exc_info=True)
        raise CaseStudyError(filename, None, "could not be read: it may be damaged. Open it in "
                                             "Word, save it as .docx and upload it again.") from None
    if not blocks:
        raise CaseStudyError(filename, "body", "is empty: the document has no text we can read")
    return DocxCaseStudy(title=title or (document.core_properties.title or "").strip(),
                         markdown="\n\n".join(blocks))


def _blocks(document) -> tuple[str, list[str]]:
    """The title and the Markdown blocks, in reading order; list items are kept together."""
    title, blocks, list_items = "", [], []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(child, document)
            style = paragraph.style.name if paragraph.style is not None else ""
            text = _inline(paragraph)
            if not text.strip():
                continue
            if style == "Title" and not title:
                title = paragraph.text.strip()
                continue
            item = _list_item(paragraph, style, text)
            if item:
                if list_items and list_items[-1][:2] != item[:2]:
                    _flush(blocks, list_items)  # a bulleted list then a numbered one
                list_items.append(item)
                continue
            _flush(blocks, list_items)
            blocks.append(_heading(style, paragraph.text) or _escape_numbering(text))
        elif tag == "tbl":
            _flush(blocks, list_items)
            table = _table(Table(child, document))
            if table:
                blocks.append(table)
    _flush(blocks, list_items)
    return title, blocks


def _flush(blocks: list[str], list_items: list[str]) -> None:
    if list_items:
        blocks.append("\n".join(list_items))
        list_items.clear()


def _heading(style: str, text: str) -> str | None:
    match = re.fullmatch(r"Heading (\d)", style)
    if not match:
        return None
    marks = _HEADING_LEVEL.get(int(match.group(1)), _DEEPEST_HEADING)
    return f"{marks} {_escape(' '.join(text.split()))}"


def _list_item(paragraph: Paragraph, style: str, text: str) -> str | None:
    if style.startswith("List Number"):
        return f"1. {text}"
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if style.startswith("List Bullet") or numbered:
        return f"- {text}"
    return None


def _inline(paragraph: Paragraph) -> str:
    """The paragraph's text with bold and italic marked; spaces stay outside the marks."""
    parts = []
    for run in paragraph.runs:
        text = run.text
        if not text:
            continue
        core = text.strip()
        if not core:
            parts.append(" ")
            continue
        marked = _escape(core)
        if run.bold and run.italic:
            marked = f"***{marked}***"
        elif run.bold:
            marked = f"**{marked}**"
        elif run.italic:
            marked = f"*{marked}*"
        lead = " " if text[:1].isspace() else ""
        tail = " " if text[-1:].isspace() else ""
        parts.append(f"{lead}{marked}{tail}")
    return re.sub(" {2,}", " ", "".join(parts)).strip()


def _table(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = [" ".join(_escape(p.text.strip()) for p in cell.paragraphs if p.text.strip())
                 for cell in row.cells]
        rows.append(cells)
    rows = [r for r in rows if any(r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _escape_numbering(text: str) -> str:
    """"2019. A new head" in Word is a sentence, not the start of a numbered list."""
    return _LOOKS_NUMBERED.sub(r"\1\\\2\3", text)
