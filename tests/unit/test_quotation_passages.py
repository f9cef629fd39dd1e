"""Quoted passages are found by patterns (similarity._quoted) that give what the scan they
replaced gave, kept here as the reference: the same passages left out of every compared part.
The scan made two searches and a Span per passage; once the reference heading was found faster
(issue 24), its cost per passage was most of a script's."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from assessment_app import similarity
from assessment_app.similarity import Span, compared_parts
from assessment_app.wordcount import split_references

_CLOSERS = {"“": "”", '"': '"', "«": "»", "„": "“”", ">": "\n"}
_OPENER = re.compile("[“\"«„>]")
_ANY_OF = {marks: re.compile(f"[{marks}]") for marks in {*_CLOSERS.values()}}


def _previous_quotations(text: str, start: int, end: int):
    found: dict[str, int] = {}
    since: dict[str, int] = {}

    def first(marks: str, after: int) -> int:
        if since.get(marks, end + 1) <= after <= found[marks]:
            return found[marks]
        hit = _ANY_OF[marks].search(text, after, end)
        at = hit.start() if hit else end
        since[marks], found[marks] = after, at
        return at

    at = start
    while (opener := _OPENER.search(text, at, end)) is not None:
        open_at = opener.start()
        mark = text[open_at]
        line_end = first("\n", open_at)
        if mark == ">":
            yield open_at, line_end
            at = line_end
            continue
        close = first(_CLOSERS[mark], open_at + 1)
        if close < line_end:
            yield open_at, close + 1
            at = close + 1
        else:
            at = open_at + 1


def _previous_unquoted(text: str, region: Span) -> list[Span]:
    parts, at = [], region.start
    for start, end in _previous_quotations(text, region.start, region.end):
        if text[start] == ">" and text[text.rfind("\n", 0, start) + 1:start].strip(" \t"):
            continue
        if start > at:
            parts.append(Span(at, start))
        at = end
    if region.end > at:
        parts.append(Span(at, region.end))
    return parts


def _previous_compared_parts(text: str) -> list[Span]:
    split = split_references(text)
    counted = [Span(0, len(split.body))]
    at = len(split.body) + len(split.heading)
    for line in split.lines:
        if not line.entry:
            counted.append(Span(at, at + len(line.text)))
        at += len(line.text)
    return [part for region in counted for part in _previous_unquoted(text, region)]


_MARKS = list("“”\"«»„>") + ["\n", "\r", " ", "\t", "ab", "x y", "\nReferences\n", "(2019)"]


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(_MARKS), max_size=40).map("".join))
def test_the_compared_parts_are_those_the_previous_scan_gave(text):
    assert compared_parts(text) == _previous_compared_parts(text)


@settings(max_examples=1000)
@given(st.lists(st.sampled_from(_MARKS), max_size=30).map("".join), st.data())
def test_each_regions_passages_are_those_the_previous_scan_gave(text, data):
    """Any stretch of any text: the region's bounds limit the closing marks and lines too."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    assert similarity._unquoted(text, Span(start, end)) == _previous_unquoted(
        text, Span(start, end))


def test_marks_unclosed_on_their_line_open_nothing_and_the_other_marks_still_open():
    """A closing mark before them does not close them; a passage between them is still one."""
    line = "” " + "“ « " * 1_000 + "„a“ " + "“ « " * 1_000 + "\nb"
    quoted_at = line.index("„")
    assert similarity._quoted(line, 0, len(line)) == [quoted_at, quoted_at + 3]
    assert compared_parts(line) == [Span(0, quoted_at), Span(quoted_at + 3, len(line))]
