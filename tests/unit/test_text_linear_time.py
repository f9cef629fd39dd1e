"""Every function that reads participant or admin text takes time in proportion to its length,
whatever the text holds: each is timed on hostile text (long runs of spaces, separators,
quotation marks, combining marks, alternating character classes, a long reference line) against
ordinary prose of the same size, and the ratio must stay under a generous bound. Never an
absolute time, so a slow machine does not fail it; a quadratic pattern fails it by orders of
magnitude. Sizes grow (10 KB, 100 KB, 1 MB) and a function stops at its first failing size, so
a quadratic one fails in seconds rather than hours."""

import functools
import io
import random
import re
import zipfile
from collections.abc import Callable
from xml.sax.saxutils import escape

import pytest
from own_time import own_seconds

from assessment_app import csv_imports, similarity, text_intake, wordcount
from tests.essays import essay

RATIO = 20
# A text that is a line (or a Word line break) per character makes one object per line for its
# caller (a ReferenceLine, a marker's Part, a compared Span, a run's text): linear, with a larger
# constant than prose's one line a paragraph. A quadratic path exceeds this by orders of
# magnitude too (the old trailing-space pattern: 950 times at 10 KB).
PER_LINE_RATIO = 300
PER_LINE = {"line breaks", "a heading and then empty lines"}
# At 1 MB, one of each kind (the suite stays fast); every kind is timed at 10 and 100 KB.
AT_A_MEGABYTE = {"spaces between two words", "mixed separators", "unclosed curly quotes",
                 "unclosed straight quotes", "combining marks", "alternating letter and dash",
                 "a long reference line", "controls"}
SIZES = (10_000, 100_000, 1_000_000)
# Below this, a timing is mostly the timer and the interpreter: compared as if this long.
FLOOR = 0.002


_REFERENCES = [
    "EEF (2019) Improving literacy in secondary schools. https://educationendowmentfoundation.org.uk",
    "Rosenshine, B. (2012) Principles of instruction. American Educator, 36(1), pp. 12-19.",
    "Sweller, J. (1988) Cognitive load during problem solving. doi:10.1207/s15516709cog1202_4",
    "DfE (n.d.) Teachers' standards. www.gov.uk/government/publications/teachers-standards",
]


@functools.cache
def _prose(size: int, notes: bool) -> str:
    """An ordinary response of about `size` characters: an essay in paragraphs (or, when
    `notes`, one short sentence a line, as a bulleted plan is written), a line in Welsh and
    Greek words so both counting paths are ordinary, and a reference list of a fifth of it."""
    rng = random.Random(size)
    text = ""
    while len(text) < size * 0.8:
        text += essay(rng, 400) + "\nCaiff y dŵr ei ŷfed — η ομάδα «διάβασε» το κείμενο.\n"
    if notes:
        text = "\n".join(f"- {s.strip()}." for s in text.split(".") if s.strip())
    text = text[:int(size * 0.8)] + "\n\nReferences\n"
    while len(text) < size:
        text += rng.choice(_REFERENCES) + "\n"
    return text[:size]


def _fill(unit: str, size: int, head: str = "r", tail: str = "r") -> str:
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


HOSTILE: dict[str, Callable[[int], str]] = {
    "spaces between two words": lambda n: _fill(" ", n),
    "spaces alone": lambda n: " " * n,
    "mixed separators": lambda n: _fill("\u00a0\u2003\u200b\u3000\u2800\t", n),
    "line breaks": lambda n: _fill("\n\r\n\u2028\x0b", n),
    "a word between runs of spaces": lambda n: _fill(" " * 50 + "w", n),
    "unclosed curly quotes": lambda n: _fill("w“", n),
    "unclosed straight quotes": lambda n: _fill('w"', n, tail=""),
    "low quotes and guillemets": lambda n: _fill("„«w", n),
    "block-quote marks": lambda n: _fill("w>", n),
    "combining marks": lambda n: _fill("\u0301", n, head="e"),
    "ignorables": lambda n: _fill("\u200d\u00ad", n),
    "alternating letter and dash": lambda n: _fill("a-", n),
    "alternating letter, space and stop": lambda n: _fill("a .", n),
    "ideographs and spaces": lambda n: _fill("中 か", n),
    "controls": lambda n: _fill("\x00\x01\x1b\x85", n),
    "hashes and colons": lambda n: _fill("#:", n, head="References"),
    "a long reference line": lambda n: "Intro\nReferences\n" + _fill(" ", n, tail="x 2019"),
    "a reference line of marks": lambda n: "References\n" + _fill("(2019) n.d. ", n),
    "many reference headings": lambda n: _fill("References\n ", n),
    "a heading and then empty lines": lambda n: "References\n" + _fill("\n", n),
}


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _docx(text: str) -> bytes:
    # Paragraphs of up to 2,000 characters, a line break as Word writes one within a paragraph.
    text = _XML_INVALID.sub("", text)
    body = "".join(
        '<w:p><w:r><w:t xml:space="preserve">'
        + escape(text[i:i + 2000]).replace("\n", '</w:t><w:br/><w:t xml:space="preserve">')
        + "</w:t></w:r></w:p>" for i in range(0, len(text), 2000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '</Types>'))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>'))
        z.writestr("word/document.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f'<w:body>{body}</w:body></w:document>'))
    return buffer.getvalue()


def _csv(text: str) -> bytes:
    """The text in the name column, 2,000 characters a row (the csv module refuses a cell over
    128 KB, which is a refusal and not a slow read)."""
    cells = ('"' + text[i:i + 2000].replace('"', '""').replace("\x00", "") + '"'
             for i in range(0, len(text), 2000))
    return ("email,name\n" + "".join(f"someone@example.org,{c}\n" for c in cells)).encode()


def _read_csv(data: bytes) -> object:
    try:
        return csv_imports.read_rows(data, ("email", "name"))
    except csv_imports.ImportRefused as refused:
        return refused


def _marked(text: str) -> object:
    return wordcount.marked_parts(text, 10)


# (name, function, how its input is made from text)
FUNCTIONS = [
    ("count_words", wordcount.count_words, str),
    ("split_references", wordcount.split_references, str),
    ("marked_parts", _marked, str),
    ("normalise", text_intake.normalise, str),
    ("compared_parts", similarity.compared_parts, str),
    ("shingles", similarity.shingles, str),
    ("whole_text_shingles", similarity.whole_text_shingles, str),
    ("docx_text", wordcount.docx_text, _docx),
    ("csv read_rows", _read_csv, _csv),
]


def _time(function: Callable, argument: object, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = own_seconds()
        function(argument)
        best = min(best, own_seconds() - started)
    return max(best, FLOOR)


@pytest.mark.parametrize(("name", "function", "prepare"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_text_functions_take_time_in_proportion_to_length(name, function, prepare):
    """No hostile text of a size costs more than RATIO times ordinary prose of that size (a
    hostile timing over the bound is taken again, the best of three, so a pause of the machine
    does not fail it)."""
    for size in SIZES:
        ordinary = max(_time(function, prepare(_prose(size, notes)), 3 if size < SIZES[-1] else 1)
                       for notes in (False, True))
        slow = {}
        for label, make in HOSTILE.items():
            if size > 100_000 and label not in AT_A_MEGABYTE:
                continue
            bound = (PER_LINE_RATIO if label in PER_LINE else RATIO) * ordinary
            hostile = prepare(make(size))
            taken = _time(function, hostile, 1)
            if taken > bound:
                taken = min(taken, _time(function, hostile, 2))
            if taken > bound:
                slow[label] = round(taken / ordinary, 1)
        assert not slow, f"{name} at {size:,} characters, times ordinary prose: {slow}"
