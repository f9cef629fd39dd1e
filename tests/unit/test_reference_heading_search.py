"""The reference heading is found by the standard library's engine (wordcount._maybe_headings),
and ignorables are removed by it (wordcount._visible): both give what the regex module's
property patterns they replaced gave, kept here as the reference. Found by a profile of the
submit path (issue 24): the old heading pattern was tried at every character."""

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment_app import wordcount
from assessment_app.wordcount import (
    BLANK_GLYPHS,
    LINE_BREAKS,
    SEPARATORS,
    ReferenceLine,
    ReferenceSplit,
    split_references,
)

_LETTERS = wordcount._HEADING_LETTERS
_IN_A_HEADING = rf"{SEPARATORS}\p{{Default_Ignorable_Code_Point}}#:{_LETTERS}"
# The pattern split_references used before: tried at every character, with a lookbehind.
_PREVIOUS_HEADING = regex.compile(
    rf"(?<![^{LINE_BREAKS}])[[{_IN_A_HEADING}]--[{LINE_BREAKS}{_LETTERS}]]*+"
    rf"[{_LETTERS}][[{_IN_A_HEADING}]--[{LINE_BREAKS}]]*+(?:[{LINE_BREAKS}]|\Z)",
    regex.V1)


def _previous_split(text: str) -> ReferenceSplit:
    for candidate in reversed(list(_PREVIOUS_HEADING.finditer(text))):
        if wordcount._is_reference_heading(candidate.group()):
            start, end = candidate.span()
            after = wordcount._lines(text[end:]) if text[end - 1] in LINE_BREAKS else []
            return ReferenceSplit(
                text[:start], text[start:end],
                tuple(ReferenceLine(line, wordcount._is_reference_entry(line)) for line in after),
            )
    return ReferenceSplit(text, "", ())


def _previous_visible(line: str) -> str:
    return wordcount._trim(wordcount._IGNORABLE.sub("", line))


# Headings, near-headings and everything a heading line may hold, beyond the Basic Multilingual
# Plane too (an emoji, a tag character, the musical null notehead, an ignorable of plane 1).
_PIECES = [
    "References", "REFERENCES", "Bibliography", "bibliography", "Refer\u00adences", "Ref erences",
    "Bibliographies", "## References:", "References::", "# # References", "Smith (2019).",
    "n.d.", "https://x.org", *"refnsbilogphyRBxt0129#:.*-", *LINE_BREAKS, "\r\n", "\x1c",
    *BLANK_GLYPHS, " ", "\t", "\u00a0", "\u200b", "\u00ad", "\u200d", "\ufeff", "\u2060",
    "\U000e0001", "\U000e0072", "\U0001bca0", "\U0001f600", "\u6559", "\u0175",
]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@settings(max_examples=1000)
@given(_TEXTS)
def test_the_heading_is_found_where_the_previous_pattern_found_it(text):
    """Body, heading and every line after it, each entry marked, as before."""
    assert split_references(text) == _previous_split(text)


def test_every_heading_line_of_the_previous_pattern_is_a_candidate():
    """Each line the previous pattern offered is offered (with its break); the only others
    hold a character beyond the Basic Multilingual Plane, which the exact check then reads."""
    for text in ("References\nx", "a\n  ## Bibliography : \r\nb", "\nreferences", "R\u2028F",
                 "x\U0001f600\nReferences\U000e0001\n", "\u00adReferences\u2029"):
        previous = [found.span() for found in _PREVIOUS_HEADING.finditer(text)]
        offered = wordcount._maybe_headings(text)
        assert set(previous) <= set(offered), text
        assert all(regex.search("[\U00010000-\U0010ffff]", text[start:end])
                   for start, end in set(offered) - set(previous)), text


@given(_TEXTS)
def test_ignorables_are_removed_as_the_property_pattern_removed_them(text):
    assert wordcount._visible(text) == _previous_visible(text)


def test_the_ignorables_listed_in_the_plane_are_the_propertys():
    """Every character of the Basic Multilingual Plane that is ignorable and not a separator is
    removed by the listed class, and no other."""
    plane = "".join(map(chr, range(0x10000)))
    listed = set("".join(wordcount._IGNORABLES_IN_BMP.findall(plane)))
    assert listed == set(wordcount._IGNORABLE.findall(plane))
