"""The one word-count rule, for typed responses and .docx uploads alike.

static/js/wordcount.js implements the same rule for the browser; tests/wordcount_cases.json and
tests/unit/test_wordcount_js_parity.py hold the two equal, so change both together. The
character classes come from Unicode's own properties (the `regex` module here, /u regular
expressions in JavaScript), not from a hand list, so no invisible character can join words.
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, NamedTuple

import regex
from docx import Document
from lxml import etree

# Characters drawn as a blank gap that Unicode does not call White_Space: the Hangul fillers
# (letters by category, so alone each would even count as a word), the Braille blank and the
# musical null notehead. tests/unit/test_wordcount_rule.py checks the fillers are exactly the
# default-ignorable letters and scans every character named BLANK, FILLER or SPACE.
BLANK_GLYPHS = "\u115f\u1160\u3164\uffa0\u2800\U0001d159"
# Not White_Space, but its one job is to mark a word boundary (Thai, Khmer, pasted web text).
ZERO_WIDTH_SPACE = "\u200b"
# Everything that separates words, as the inside of a character class. Python's str.split() and
# JS's \s each differ from White_Space, so neither is used.
SEPARATORS = rf"\p{{White_Space}}{ZERO_WIDTH_SPACE}{BLANK_GLYPHS}"
# The separators that end a line (CRLF is two breaks around an empty line, which cannot be a
# heading). Explicit: str.splitlines() also splits on U+001C-E.
LINE_BREAKS = "\n\x0b\x0c\r\x85\u2028\u2029"

# Every other default-ignorable character (soft hyphen, joiners, bidi marks, word joiner, BOM,
# variation selectors, tags) shows as nothing, so it is ignored: it neither separates words (a
# Persian word with a zero-width non-joiner, or "co\u00adoperate", stays one word) nor counts as
# a letter. Counting needs no code for that, as none of them is a letter or digit; heading and
# reference-entry checks remove them first, so they read the line as a reader sees it.
_IGNORABLE = regex.compile(rf"(?![{SEPARATORS}])\p{{Default_Ignorable_Code_Point}}")
# Chinese and Japanese are written without spaces: each ideograph or kana counts as one word,
# as Microsoft Word counts them (Korean, written with spaces, counts by spaces).
_IDEOGRAPH = r"(?=[\p{L}\p{N}])[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]"
_TOKEN = regex.compile(rf"{_IDEOGRAPH}|(?:(?!{_IDEOGRAPH})[^{SEPARATORS}])+")
_LETTER_OR_DIGIT = regex.compile(r"[\p{L}\p{N}]")
_LINES = re.compile(f"([{LINE_BREAKS}])")
_REFERENCE_HEADINGS = frozenset({"references", "bibliography"})
# What marks a line as a reference entry: a year (2019, (2019), 2019a), "n.d.", a web address
# or a DOI. ASCII classes only, so Python and JavaScript read them alike.
_REFERENCE_MARK = regex.compile(
    r"(?<![0-9])(?:1[5-9]|20)[0-9]{2}(?![0-9])"
    r"|(?<![A-Za-z])[nN]\. ?[dD]\."
    r"|[Hh][Tt][Tt][Pp][Ss]?://|[Ww][Ww][Ww]\."
    r"|[Dd][Oo][Ii]:|(?<![0-9])10\.[0-9]{4,9}/"
)
# A longer line is argument with a citation in it, not an entry, so it counts.
MAX_ENTRY_WORDS = 80

WORD_RULE = (
    "A word is anything between spaces or line breaks that contains at least one letter or "
    "number. So “well-being”, “don’t”, “1,500”, “e.g.” and a web address each count as one "
    "word, and a dash, bullet or symbol on its own counts as none. Every character that shows "
    "as a gap counts as a space: ordinary, no-break, thin, zero-width and ideographic spaces, "
    "the Braille blank and the Hangul fillers. Invisible formatting characters, such as a soft "
    "hyphen or a zero-width joiner, are ignored: they neither join nor split words. Each Chinese "
    "or Japanese character counts as one word, as in Microsoft Word; other alphabets (Greek, "
    "Arabic, Welsh and so on) count by spaces. Headings and tables count."
)

REFERENCE_RULE = (
    "Your reference list does not count. Put it at the end, under a line that says only "
    "“References” or “Bibliography”. After the last such line, each line that looks like a "
    "reference entry (it has a year such as 2019 or (2019), “n.d.”, a web address or a DOI, "
    f"and at most {MAX_ENTRY_WORDS} words) is left out. Any other line after that heading "
    "counts, so keep all of your response above it."
)

DOCX_RULE = (
    "From a Word document (.docx) we read the main text in order: paragraphs, headings, lists "
    "and tables. Tracked changes are read as if you had accepted them. Headers, footers, "
    "comments, footnotes, endnotes and text boxes are not read, so put all of your response in "
    "the main text."
)


def _words(text: str) -> Iterator[regex.Match]:
    for token in _TOKEN.finditer(text):
        if _LETTER_OR_DIGIT.search(token.group()):
            yield token


# Counting runs on every autosave and submit, so it is done by the regex engine alone: the words
# are the runs between separators less the runs with no letter or digit (each found in linear
# time). Text with an ideograph or kana takes the exact path, which splits those one by one.
# The runs are found by the standard library's faster engine, with the separators listed from
# the same Unicode property (White_Space lies wholly in the Basic Multilingual Plane).
_BMP = "".join(map(chr, range(0x10000)))
_SEPARATOR_CHARS = "".join(regex.findall(rf"[{SEPARATORS}]", _BMP)) + "".join(
    ch for ch in BLANK_GLYPHS if ord(ch) > 0xFFFF)
def _in_bmp(character_class: str) -> str:
    """The class's characters in the Basic Multilingual Plane, escaped for re's classes."""
    return re.escape("".join(regex.findall(character_class, _BMP, regex.V1)))


_RUN = re.compile(f"[^{re.escape(_SEPARATOR_CHARS)}]+")
_RUN_WITHOUT_WORD = regex.compile(
    rf"(?<![^{SEPARATORS}])[^{SEPARATORS}\p{{L}}\p{{N}}]+(?![^{SEPARATORS}])")
_IDEOGRAPH_OR_KANA = regex.compile(r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]")
# Every one of those lies at U+2E80 or above (tests/unit/test_wordcount_rule.py checks), so text
# with nothing that high (most English, curly quotes and dashes included) is ruled out by the
# standard library's engine, several times faster than the property search.
_FROM_FIRST_IDEOGRAPH = re.compile("[\u2e80-\U0010ffff]")


def _count_exactly(text: str) -> int:
    if _FROM_FIRST_IDEOGRAPH.search(text) and _IDEOGRAPH_OR_KANA.search(text):
        return sum(1 for _ in _words(text))
    return len(_RUN.findall(text)) - len(_RUN_WITHOUT_WORD.findall(text))


# Most responses are written in Windows-1252's characters: ASCII, the Latin-1 letters and the
# punctuation Word types (curly quotes, dashes, ellipsis, bullet). Encoded in it, each character
# is one byte, so the rule becomes two byte-table passes in C: every separator becomes a space
# and every character that is neither a separator nor a letter or digit is deleted, leaving the
# words as the runs bytes.split() finds (a run with no letter or digit is left empty). Each
# byte's class is read from the same Unicode properties as the exact path; none of these
# characters is an ideograph, and the one ignorable among them (the soft hyphen) is deleted, so
# it joins nothing and splits nothing. Any other character takes the exact path. The runs are
# counted rather than split out (1,500 words would be 1,500 new objects): every byte left is
# marked a space or a word byte, and a word starts at each word byte after a space.
def _cp1252_classes() -> tuple[bytes, bytes]:
    spaces, neither = bytearray(range(256)), bytearray()
    for byte in range(256):
        try:
            character = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue  # five bytes Windows-1252 leaves undefined: no text encodes to them
        if regex.fullmatch(rf"[{SEPARATORS}]", character):
            spaces[byte] = ord(" ")
        elif not _LETTER_OR_DIGIT.fullmatch(character):
            neither.append(byte)
    return bytes(spaces), bytes(neither)


def _marks(spaces: bytes) -> bytes:
    """The table marking each byte " " where bytes.split() would split after spaces, else "w"."""
    return bytes(ord(" ") if bytes([spaces[byte]]).isspace() else ord("w") for byte in range(256))


_CP1252_SPACES, _CP1252_NEITHER = _cp1252_classes()
_CP1252_MARKS = _marks(_CP1252_SPACES)


def _count(text: str) -> int:
    try:
        # ASCII (known without reading the text) is a plain copy; cp1252 agrees with it there.
        encoded = text.encode("ascii" if text.isascii() else "cp1252")
    except UnicodeEncodeError:
        return _count_exactly(text)
    marked = encoded.translate(_CP1252_MARKS, _CP1252_NEITHER)
    return marked.count(b" w") + marked.startswith(b"w")


def _trim(text: str) -> str:
    """The text less the separators at either end. str.strip, not a pattern: a pattern for the
    trailing run would be tried again at every character of a long run inside the text
    (quadratic: 20,000 spaces between two words took 11 seconds)."""
    return text.strip(_SEPARATOR_CHARS)


# Ignorables are removed by the standard library's engine (a run at a time, several times faster
# than the property search), from the same property listed in the Basic Multilingual Plane; a
# line with any character beyond it (where the tag characters lie) then meets the property.
_IGNORABLES_IN_BMP = re.compile(f"[{_in_bmp(_IGNORABLE.pattern)}]+")
_BEYOND_BMP = "\U00010000-\U0010ffff"
_ANY_BEYOND_BMP = re.compile(f"[{_BEYOND_BMP}]")


def _visible(line: str) -> str:
    line = _IGNORABLES_IN_BMP.sub("", line)
    if _ANY_BEYOND_BMP.search(line):
        line = _IGNORABLE.sub("", line)
    return _trim(line)


# A heading line holds nothing but separators, ignorables, "#", ":" and the heading's letters;
# any other character rules a line out at once (nearly every line, at its first few characters).
_NOT_IN_A_HEADING = regex.compile(
    rf"[^{SEPARATORS}\p{{Default_Ignorable_Code_Point}}#:"
    + "".join(sorted(set("".join(_REFERENCE_HEADINGS)) | set("".join(_REFERENCE_HEADINGS).upper())))
    + "]")


def _is_reference_heading(line: str) -> bool:
    if _NOT_IN_A_HEADING.search(line):
        return False
    core = _trim(_visible(line).lstrip("#"))
    core = _trim(core.removesuffix(":"))
    # Only ASCII letters lower to these words, so Python and JS lower-casing agree here.
    return core.lower() in _REFERENCE_HEADINGS


# Every reference mark holds one of these characters: a line without any is no entry, known
# without removing its ignorables (most blank and prose lines after a heading).
_MARK_CHARACTERS = frozenset("0123456789nNhHwWdD")


def _is_reference_entry(line: str) -> bool:
    if _MARK_CHARACTERS.isdisjoint(line):
        return False
    return bool(_REFERENCE_MARK.search(_visible(line))) and _count(line) <= MAX_ENTRY_WORDS


class ReferenceLine(NamedTuple):
    """A line after the reference heading (a tuple: a list of a million lines is made fast)."""

    text: str  # with its line break, if it has one
    entry: bool  # looks like a reference entry, so is not counted


@dataclass(frozen=True)
class ReferenceSplit:
    """A response split at its reference heading: body + heading + every line's text is the
    whole text, in order. With no heading, heading is '' and lines is empty."""

    body: str
    heading: str
    lines: tuple[ReferenceLine, ...]

    @property
    def entries(self) -> list[str]:
        """The reference entries, trimmed: the lines that are not counted."""
        return [_trim(line.text) for line in self.lines if line.entry]

    @property
    def counted_text(self) -> str:
        """The text the count is made from: the body and every line after the heading that is
        not an entry (each part ends in a line break, so no words join across parts)."""
        return self.body + "".join(line.text for line in self.lines if not line.entry)


def _lines(text: str) -> list[str]:
    """The text's lines in order, each with the break that ends it: the text split after every
    LINE_BREAKS character, so it ends with an empty line when it ends with a break. str's own
    splitlines() (in C, several times faster than a pattern) gives the same lines but for two
    differences mended here: it keeps CRLF together, and it also breaks at U+001C-E (which
    normalise removes, so text holding them is split by the pattern)."""
    if "\x1c" in text or "\x1d" in text or "\x1e" in text:
        pieces = _LINES.split(text)  # line, break, line, break, ..., last line
        return ["".join(pieces[i:i + 2]) for i in range(0, len(pieces), 2)]
    lines = []
    for line in text.splitlines(keepends=True):
        if line.endswith("\r\n"):
            lines += (line[:-1], "\n")
        else:
            lines.append(line)
    if not text or text[-1] in LINE_BREAKS:
        lines.append("")
    return lines


_HEADING_LETTERS = "".join(sorted({*"".join(_REFERENCE_HEADINGS).upper(),
                                    *"".join(_REFERENCE_HEADINGS)}))


# A line that may be a heading: from a line's start, only characters a heading may hold, at
# least one of them a letter, to its break or the text's end. _is_reference_heading judges each
# such line exactly, so this only has to find every heading and few other lines, in linear
# time. The standard library's engine finds them several times faster than the regex module:
# the search starts with a line break, so it skips in C to each break and reads the line after
# it only until its first character that no heading holds (possessive, so never twice). Its
# classes are the heading's characters listed from the same properties in the Basic
# Multilingual Plane, and every character beyond it (where some ignorables and a blank glyph
# lie; no line break or heading letter does).
_IN_A_HEADING = rf"{SEPARATORS}\p{{Default_Ignorable_Code_Point}}#:{_HEADING_LETTERS}"
_HEADING_LINE = (
    rf"[{_in_bmp(rf'[[{_IN_A_HEADING}]--[{LINE_BREAKS}{_HEADING_LETTERS}]]')}{_BEYOND_BMP}]*+"
    rf"[{_HEADING_LETTERS}]"
    rf"[{_in_bmp(rf'[[{_IN_A_HEADING}]--[{LINE_BREAKS}]]')}{_BEYOND_BMP}]*+(?=[{LINE_BREAKS}]|\Z)")
_HEADING_AT_START = re.compile(_HEADING_LINE)
_HEADING_AFTER_A_BREAK = re.compile(f"[{LINE_BREAKS}]{_HEADING_LINE}")


def _maybe_headings(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each line that may be a heading, in order, its break included."""
    spans = [(found.start() + 1, found.end()) for found in _HEADING_AFTER_A_BREAK.finditer(text)]
    if first := _HEADING_AT_START.match(text):
        spans.insert(0, first.span())
    return [(start, end + (end < len(text))) for start, end in spans]


class ReferenceLines(NamedTuple):
    """split_references as plain lists: a caller that walks a million lines makes no object
    for each (tuple subclasses, unlike plain tuples, stay in the garbage collector's scans)."""

    body_end: int  # where the heading starts
    heading_end: int  # where the lines after it start
    lines: list[str]  # each with its line break, if it has one
    entries: list[bool]  # whether each looks like a reference entry, so is not counted


def reference_lines(text: str) -> ReferenceLines:
    """Split at the last line that is only a References or Bibliography heading."""
    for start, end in reversed(_maybe_headings(text)):
        if _is_reference_heading(text[start:end]):
            after = _lines(text[end:]) if text[end - 1] in LINE_BREAKS else []
            return ReferenceLines(start, end, after, list(map(_is_reference_entry, after)))
    return ReferenceLines(len(text), len(text), [], [])


def split_references(text: str) -> ReferenceSplit:
    """Split at the last line that is only a References or Bibliography heading."""
    body_end, heading_end, lines, entries = reference_lines(text)
    return ReferenceSplit(text[:body_end], text[body_end:heading_end],
                          tuple(map(ReferenceLine, lines, entries)))


class ResponseCount(NamedTuple):
    words: int
    reference_entries: int

    @property
    def sentence(self) -> str:
        """As participants and markers read it; wordcount.js countedSentence writes the same."""
        words = f"{self.words:,} word{'' if self.words == 1 else 's'}"
        entries = f"{self.reference_entries:,} entr{'y' if self.reference_entries == 1 else 'ies'}"
        return f"Counted: {words}. Reference list: {entries}, not counted."


def count_response(text: str) -> ResponseCount:
    """What a participant is shown before submitting: counted words and uncounted entries."""
    split = split_references(text)
    return ResponseCount(_count(split.counted_text), len(split.entries))


def count_words(text: str) -> int:
    return _count(split_references(text).counted_text)


@dataclass(frozen=True)
class Part:
    """A piece of a response as a marker sees it. kind: "body" (counted, before the reference
    heading), "heading", "entry" (a reference entry, not counted), "counted" (another line
    after the heading) or "limit" (an empty part where the word limit falls)."""

    text: str
    kind: str


_COUNTED_KINDS = ("body", "counted")


def marked_parts(text: str, limit: int) -> list[Part]:
    """The whole response in order, with a "limit" part just after its limit-th counted word
    when more counted words follow (a window with a tolerance let them in)."""
    split = split_references(text)
    parts = [Part(split.body, "body")]
    if split.heading:
        parts.append(Part(split.heading, "heading"))
    parts += [Part(line.text, "entry" if line.entry else "counted") for line in split.lines]
    if _count(split.counted_text) <= limit:
        return parts
    if limit <= 0:
        return [Part("", "limit"), *parts]
    seen = 0
    for index, part in enumerate(parts):
        if part.kind not in _COUNTED_KINDS:
            continue
        for word in _words(part.text):
            seen += 1
            if seen == limit:
                cut = word.end()
                return [*parts[:index], Part(part.text[:cut], part.kind), Part("", "limit"),
                        Part(part.text[cut:], part.kind), *parts[index + 1:]]
    raise AssertionError("unreachable: the count is over the limit")


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
