"""The one word-count rule, used for typed text and .docx uploads (mirrored in static/js/wordcount.js).

A word is a run of characters between whitespace that contains at least one letter or
digit. A reference list at the end, from a heading line "References" or "Bibliography",
is not counted.
"""

import io
import re
import unicodedata
from typing import BinaryIO

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

# An explicit set, identical in the JavaScript: Python's str.split() and JS's \s differ.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_WS_CLASS = f"[{re.escape(WHITESPACE)}]"
_REFERENCES_HEADING = re.compile(
    f"^#*{_WS_CLASS}*(references|bibliography){_WS_CLASS}*:?{_WS_CLASS}*$", re.IGNORECASE
)

WORD_RULE = (
    "A word is anything between spaces or line breaks that contains at least one letter or "
    "number, so “well-being”, “don’t”, “1,500”, “e.g.” and a web address each count as one "
    "word, and a dash or bullet on its own counts as none. Headings and tables count. A "
    "reference list at the end, under a heading line “References” or “Bibliography”, does "
    "not count."
)
DOCX_RULE = (
    "From a Word document we read the main text: paragraphs, headings, lists and tables, in "
    "order. Text in headers, footers, comments, footnotes and text boxes is not read."
)


def _is_word(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(f"{_WS_CLASS}+", text) if t]


def split_references(text: str) -> tuple[str, str]:
    """(counted body, excluded reference list from the last References/Bibliography heading)."""
    lines = text.splitlines(keepends=True)
    for index in range(len(lines) - 1, -1, -1):
        if _REFERENCES_HEADING.match(lines[index].strip(WHITESPACE)):
            return "".join(lines[:index]), "".join(lines[index:])
    return text, ""


def count_words(text: str) -> int:
    body, _references = split_references(text)
    return sum(1 for token in _tokens(body) if _is_word(token))


def cut_at_limit(text: str, limit: int) -> int:
    """The index in `text` just after its `limit`-th counted word (len(text) if it has fewer)."""
    seen = 0
    for match in re.finditer(f"[^{re.escape(WHITESPACE)}]+", text):
        if _is_word(match.group()):
            seen += 1
            if seen == limit:
                return match.end()
    return len(text)


def docx_text(source: bytes | BinaryIO) -> str:
    """The countable text of a .docx: body paragraphs and tables in reading order, a line each."""
    document = Document(io.BytesIO(source) if isinstance(source, bytes) else source)
    lines: list[str] = []
    _read_blocks(document.iter_inner_content(), lines)
    return "\n".join(lines)


def _read_blocks(blocks, lines: list[str]) -> None:
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            # A merged cell is returned once per grid position: read it once. The list keeps
            # the lxml elements alive, since their proxies (and ids) are recycled otherwise.
            seen: list = []
            for row in block.rows:
                for cell in row.cells:
                    if any(cell._tc is tc for tc in seen):
                        continue
                    seen.append(cell._tc)
                    _read_blocks(cell.iter_inner_content(), lines)
