"""The one word-count rule, for typed responses and .docx uploads alike.

static/js/wordcount.js implements the same rule for the browser; tests/wordcount_cases.json and
tests/unit/test_wordcount_js_parity.py hold the two equal, so change both together.
"""

import io
import re
import unicodedata
from typing import BinaryIO

from docx import Document
from lxml import etree

# An explicit set, identical in the JavaScript: Python's str.split() and JS's \s each have their
# own idea of whitespace (str.split() splits on U+001C-U+001F, neither splits on U+200B).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)
# The whitespace characters that end a line (CRLF is two breaks around an empty line, which
# cannot be a heading). Explicit for the same reason: str.splitlines() also splits on U+001C-E.
LINE_BREAKS = "\n\x0b\x0c\r\x85\u2028\u2029"

_SEPARATOR = re.compile(f"[{re.escape(WHITESPACE)}]+")
_NON_SPACE_RUN = re.compile(f"[^{re.escape(WHITESPACE)}]+")
_LINE_BREAK = re.compile(f"[{re.escape(LINE_BREAKS)}]")
_REFERENCE_HEADINGS = frozenset({"references", "bibliography"})

WORD_RULE = (
    "A word is anything between spaces or line breaks that contains at least one letter or "
    "number. So “well-being”, “don’t”, “1,500”, “e.g.” and a web address each count as one "
    "word, and a dash, bullet or symbol on its own counts as none. Headings and tables count. "
    "Your reference list does not count: everything from the last line that says only "
    "“References” or “Bibliography” to the end is left out, so put that heading on its own "
    "line just before your reference list."
)

DOCX_RULE = (
    "From a Word document (.docx) we read the main text in order: paragraphs, headings, lists "
    "and tables. Tracked changes are read as if you had accepted them. Headers, footers, "
    "comments, footnotes, endnotes and text boxes are not read, so put all of your response in "
    "the main text."
)


# ASCII letters and digits are all in categories L and N: most tokens are decided by this one
# regex search, without looking up each character's category (counting runs on every submit).
_ASCII_LETTER_OR_DIGIT = re.compile("[A-Za-z0-9]")


def _is_word(token: str) -> bool:
    return bool(_ASCII_LETTER_OR_DIGIT.search(token)) or any(
        unicodedata.category(ch)[0] in "LN" for ch in token)


def _is_reference_heading(line: str) -> bool:
    core = line.strip(WHITESPACE).lstrip("#").strip(WHITESPACE)
    core = core.removesuffix(":").rstrip(WHITESPACE)
    # Only ASCII letters lower to these words, so Python and JS lower-casing agree here.
    return core.lower() in _REFERENCE_HEADINGS


def split_references(text: str) -> tuple[str, str]:
    """(counted body, excluded reference section): the section runs from the last line that is
    only a References or Bibliography heading to the end; it is '' if there is no such line."""
    start = None
    offset = 0
    for line in _LINE_BREAK.split(text):
        if _is_reference_heading(line):
            start = offset
        offset += len(line) + 1  # every line break is one character
    if start is None:
        return text, ""
    return text[:start], text[start:]


def count_words(text: str) -> int:
    body, _references = split_references(text)
    return sum(1 for token in _SEPARATOR.split(body) if _is_word(token))


def cut_at_limit(text: str, limit: int) -> int:
    """The index in `text` just after its `limit`-th counted word, or len(text) if it has fewer,
    so a marker can see where the limit falls. Words in the reference list are not counted."""
    if limit <= 0:
        return 0
    body, _references = split_references(text)
    seen = 0
    for match in _NON_SPACE_RUN.finditer(body):
        if _is_word(match.group()):
            seen += 1
            if seen == limit:
                return match.end()
    return len(text)


_NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
# Not the participant's text: text boxes (DOCX_RULE), mc:Fallback (a second copy of what
# mc:Choice holds) and a content control still showing its placeholder ("Click or tap here").
_HIDDEN = (
    "ancestor::w:txbxContent or ancestor::mc:Fallback"
    " or ancestor::w:sdt[w:sdtPr/w:showingPlcHdr]"
)
# Walking the XML in document order gives reading order, reads a merged cell once (its content
# is in one w:tc) and, unlike python-docx's Paragraph.text, keeps text in content controls,
# simple fields and tracked insertions. Tracked deletions are left out, as if accepted.
_PARAGRAPHS = etree.XPath(f".//w:p[not({_HIDDEN})]", namespaces=_NS)
_RUN_CONTENT = etree.XPath(
    f".//w:r[not({_HIDDEN} or ancestor::w:del or ancestor::w:moveFrom)]"
    "/*[self::w:t or self::w:tab or self::w:ptab or self::w:br or self::w:cr"
    " or self::w:noBreakHyphen]",
    namespaces=_NS,
)
# Every break (line, page or column) separates words, so each is read as a line break.
_RUN_SYMBOLS = {"tab": "\t", "ptab": "\t", "br": "\n", "cr": "\n", "noBreakHyphen": "-"}


def docx_text(source: bytes | BinaryIO) -> str:
    """The countable text of a .docx (see DOCX_RULE): the body's paragraphs, including those in
    tables and nested tables, in reading order, one paragraph a line."""
    document = Document(io.BytesIO(source) if isinstance(source, bytes) else source)
    return "\n".join(_paragraph_text(p) for p in _PARAGRAPHS(document.element.body))


def _paragraph_text(paragraph: etree._Element) -> str:
    parts = []
    for node in _RUN_CONTENT(paragraph):
        name = etree.QName(node).localname
        parts.append((node.text or "") if name == "t" else _RUN_SYMBOLS[name])
    return "".join(parts)
