"""The word-count rule (assessment_app/wordcount.py): the shared table of cases, then the edges."""

import json
import unicodedata
from pathlib import Path

import pytest
import regex
from hypothesis import assume, given
from hypothesis import strategies as st

from assessment_app import wordcount
from assessment_app.wordcount import (
    BLANK_GLYPHS,
    LINE_BREAKS,
    MAX_ENTRY_WORDS,
    REFERENCE_RULE,
    SEPARATORS,
    WORD_RULE,
    Part,
    ReferenceLine,
    count_response,
    count_words,
    marked_parts,
    split_references,
)

CASES = json.loads((Path(__file__).parents[1] / "wordcount_cases.json").read_text("utf-8"))

# Every character in this Python's Unicode data, once, for the property checks below.
_ALL = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
_SEPARATOR = regex.compile(f"[{SEPARATORS}]")
_WHITE_SPACE = regex.findall(r"\p{White_Space}", _ALL)

# Everything the rule treats specially, plus letters that can spell a references heading.
_ALPHABET = (
    list("abcRrefnsBilogphyXZ0129.,;:'\"()#*|/-_") + list("\u2013\u2014\u2022\u00b7\u0175\u03b1")
    + ["\u6559", "\u3072", "\U0001F600", "\u00ad", "\x1c", "\x1f", "\u180e", "\u200d", "\u2060"]
    + list(BLANK_GLYPHS) + _WHITE_SPACE + ["\u200b", "\ufeff", " 2019", "n.d.", "https://"]
)
_TEXTS = st.lists(st.sampled_from(_ALPHABET), max_size=60).map("".join)
# Without an "r" no line can be a References or Bibliography heading.
_HEADING_FREE = st.lists(st.sampled_from([c for c in _ALPHABET if "r" not in c.lower()]),
                         max_size=80).map("".join)


@pytest.mark.parametrize("case", CASES, ids=[case["note"] for case in CASES])
def test_shared_table(case):
    """Every case of the table the browser's counter is also held to gives its stated count."""
    assert count_words(case["text"]) == case["words"]


def test_the_table_covers_enough_cases():
    """The shared table keeps at least 30 distinct cases, so the JS parity test has teeth."""
    assert len(CASES) >= 30
    assert len({case["note"] for case in CASES}) == len(CASES)


def test_white_space_is_unicodes_property_checked_against_the_categories():
    """White_Space from the regex module agrees with unicodedata: every space separator, line
    and paragraph separator, and the control characters that are tabs and line breaks."""
    from_categories = {ch for ch in _ALL if unicodedata.category(ch) in ("Zs", "Zl", "Zp")}
    assert from_categories | set("\t\n\x0b\x0c\r\x85") == set(_WHITE_SPACE)
    assert set(LINE_BREAKS) <= set(_WHITE_SPACE)


def test_every_separator_separates():
    """Each White_Space character, the zero-width space and each blank glyph splits words."""
    for space in [*_WHITE_SPACE, "\u200b", *BLANK_GLYPHS]:
        assert count_words(f"one{space}two") == 2, repr(space)


def test_the_hangul_fillers_are_exactly_the_default_ignorable_letters():
    """The fillers are letters by category that show as a blank: Unicode's default-ignorable
    letters, no more and no less (so a new one in a later Unicode fails this test)."""
    ignorable_letters = regex.findall(r"(?=\p{L})\p{Default_Ignorable_Code_Point}", _ALL)
    assert set(ignorable_letters) == {"\u115f", "\u1160", "\u3164", "\uffa0"} < set(BLANK_GLYPHS)


# Named as blanks or spaces but drawn with a visible glyph (a symbol, a punctuation mark).
_NAMED_BUT_VISIBLE = {
    "\u1361", "\u2420", "\u2422", "\u303f", "\u2400", "\ua8f9", "\U00010af6", "\U0001144e",
    "\U00011945", "\U00011c44", "\U00011c45", "\U0001da7f", "\U0001da80",
}


def test_every_character_named_as_a_blank_or_space_is_decided():
    """Every character whose name says SPACE, BLANK, FILLER or NULL NOTEHEAD separates words,
    is ignored (zero-width: default-ignorable or a combining mark, and not a letter) or is
    listed above as drawn visibly."""
    named = [ch for ch in _ALL
             if regex.search(r"\bSPACE\b|BLANK|FILLER|NULL NOTEHEAD", unicodedata.name(ch, ""))]
    for ch in named:
        zero_width = (regex.match(r"\p{Default_Ignorable_Code_Point}", ch)
                      or unicodedata.category(ch) == "Mn")
        ignored = (zero_width and count_words(f"a{ch}b") == 1 and count_words(ch) == 0)
        assert _SEPARATOR.match(ch) or ignored or ch in _NAMED_BUT_VISIBLE, (
            f"U+{ord(ch):04X} {unicodedata.name(ch)}")


def test_format_and_default_ignorable_characters_neither_join_nor_split_nor_count():
    """Every format character (Cf) and default-ignorable character that is not a separator is
    ignored: it leaves two letters one word, and alone is no word."""
    invisible = set(regex.findall(r"[\p{Cf}\p{Default_Ignorable_Code_Point}]", _ALL))
    for ch in invisible:
        if not _SEPARATOR.match(ch):
            assert count_words(f"a{ch}b") == 1 and count_words(ch) == 0, f"U+{ord(ch):04X}"


def test_braille_blank_between_4800_words_counts_4800():
    """The attack in the issue: U+2800 between words no longer hides three words in four."""
    assert count_words("\u2800".join(["word"] * 4800)) == 4800
    assert count_words("one two\u2800three four" * 1200) == 3 * 1200 + 1


@pytest.mark.parametrize("char", ["\x1c", "\x1d", "\x1e", "\x1f", "\u180e", "\u2060", "\u00ad"])
def test_characters_outside_the_set_do_not_separate(char):
    """Python's str.split() or JS's \\s would split at some of these; the rule does not."""
    assert count_words(f"one{char}two") == 1


def test_each_chinese_or_japanese_character_is_a_word():
    """Ideographs and kana count one each; their punctuation none; Korean counts by spaces."""
    assert count_words("我们的学校") == 5
    assert count_words("ひらがな、カタカナ。") == 8
    assert count_words("学校 school") == 3
    assert count_words("학교 지도자") == 2


def test_no_ideograph_or_kana_lies_below_u2e80():
    """The counter skips its per-character path for text with nothing from U+2E80 up: that is
    only right while every Han, Hiragana and Katakana character lies there or above."""
    below = "".join(map(chr, range(0x2E80)))
    assert regex.search(r"[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]", below) is None
    assert count_words("school学校") == 3  # found past the check: split one by one


def test_split_references_returns_body_heading_and_lines():
    """The section starts at the heading line itself; each later line is marked an entry or
    not; '' and no lines when there is no heading."""
    split = split_references("My answer.\nReferences\nDfE (2019).\nA thought.")
    assert split.body == "My answer.\n" and split.heading == "References\n"
    assert split.lines == (ReferenceLine("DfE (2019).\n", True), ReferenceLine("A thought.", False))
    assert split.entries == ["DfE (2019)."]
    assert split.counted_text == "My answer.\nA thought."
    assert split_references("No list.") == split_references("No list.").__class__("No list.", "", ())
    assert split_references("").body == "" and split_references("").lines == ()


def test_split_references_uses_the_last_heading_line():
    """Only the last heading starts the section: an earlier one stays in the body and counts."""
    text = "Intro.\nReferences\nMid.\n## Bibliography:\nA (2020).\nMore."
    split = split_references(text)
    assert split.body == "Intro.\nReferences\nMid.\n" and split.heading == "## Bibliography:\n"
    assert count_words(text) == 4


def test_split_references_keeps_crlf_and_indentation_with_the_section():
    """A CRLF line and an indented heading split at the heading line's first character."""
    split = split_references("Body.\r\n  References\r\nX (2019)")
    assert (split.body, split.heading) == ("Body.\r\n", "  References\r")
    assert [line.text for line in split.lines] == ["\n", "X (2019)"]


@pytest.mark.parametrize("line", [
    "references", "BIBLIOGRAPHY", "# References", "###References:", "References :",
    "\u00a0Bibliography\u00a0", "\tReferences:\u200b", "Refer\u00adences", "\u2800References",
])
def test_heading_variants_are_recognised(line):
    """Any case, leading #'s, a trailing colon, separators around and invisible characters
    inside still make a heading."""
    assert split_references(f"Body.\n{line}\nX").heading == f"{line}\n"


@pytest.mark.parametrize("line", [
    "References.", "References and notes", "Reference", "**References**", "::References",
    "References::", "Reference\u017f", "# # References", "Refer\u3164ences",
])
def test_near_misses_are_not_headings(line):
    """Only the exact heading words, optionally with #'s and one colon, start the section."""
    assert split_references(f"Body.\n{line}\nX").heading == ""


@pytest.mark.parametrize("line", [
    "Smith, J. (2019) Teaching.", "Smith 2019.", "DfE (n.d.) Guidance.", "Ofsted, n. d.",
    "https://www.gov.uk/x", "WWW.EXAMPLE.ORG", "doi:10.1000/182", "Journal 10.1080/0305498",
    "Rosenshine (2012a).",
])
def test_lines_that_look_like_references_are_entries(line):
    """A year, n.d., a web address or a DOI makes a line (of at most 80 words) an entry."""
    assert count_response(f"Body.\nReferences\n{line}") == (1, 1)


@pytest.mark.parametrize("line", [
    "My real argument continues here.", "Code 12019 here", "See page 150.", "Version 2.0",
    " ".join(["word"] * MAX_ENTRY_WORDS) + " (2019)",
])
def test_other_lines_after_the_heading_count(line):
    """Argument hidden after the heading counts; so does a long line that merely cites."""
    assert count_response(f"Body.\nReferences\n{line}") == (1 + count_words(line), 0)


def test_rules_name_the_headings_and_the_entry_marks():
    """The rules shown to participants name both headings and what makes an entry."""
    assert "References" in REFERENCE_RULE and "Bibliography" in REFERENCE_RULE
    assert "n.d." in REFERENCE_RULE and "DOI" in REFERENCE_RULE
    assert "Braille blank" in WORD_RULE and "Chinese" in WORD_RULE


def _before_limit(parts: list[Part]) -> str:
    kinds = [part.kind for part in parts]
    return "".join(part.text for part in parts[: kinds.index("limit")])


def test_marked_parts_place_the_limit_just_after_the_last_allowed_word():
    """The marker goes after the limit-th word; lone dashes are not words so do not move it."""
    parts = marked_parts("one - two three four", 2)
    assert _before_limit(parts) == "one - two"
    assert "".join(part.text for part in parts) == "one - two three four"


def test_marked_parts_have_no_limit_when_within_it():
    """A response at or under the limit has nothing beyond it."""
    assert [part.kind for part in marked_parts("one two", 2)] == ["body"]
    assert [part.kind for part in marked_parts("", 3)] == ["body"]


def test_marked_parts_at_exactly_the_limit_keep_the_reference_list():
    """The bug in the issue: a response exactly at the limit lost its reference list."""
    text = "one two\nReferences\nSmith (2019).\nJones (2020)."
    parts = marked_parts(text, 2)
    assert [(part.text, part.kind) for part in parts] == [
        ("one two\n", "body"), ("References\n", "heading"),
        ("Smith (2019).\n", "entry"), ("Jones (2020).", "entry"),
    ]


def test_marked_parts_do_not_count_reference_entries_but_count_other_lines():
    """Entries cannot push the limit into the body; an argument line after the heading can
    hold the limit."""
    text = "one two\nReferences\nA (2019) B C D\nfive six"
    parts = marked_parts(text, 3)
    assert _before_limit(parts) == "one two\nReferences\nA (2019) B C D\nfive"
    assert [part.kind for part in parts] == ["body", "heading", "entry", "counted", "limit",
                                             "counted"]


def test_marked_parts_with_a_limit_of_zero_start_with_the_limit():
    """With a limit of 0 every word is beyond it."""
    assert marked_parts("one two", 0)[0] == Part("", "limit")


@given(_TEXTS, _TEXTS)
def test_counts_add_up_across_a_space(a, b):
    """Joining two texts with a space adds their counts (no references heading in any of them)."""
    assume(not any(split_references(text).heading for text in (a, b, a + " " + b)))
    assert count_words(a + " " + b) == count_words(a) + count_words(b)


@given(_TEXTS)
def test_split_references_only_splits(text):
    """The body, the heading and the lines are the whole text, in order, with nothing lost."""
    split = split_references(text)
    assert split.body + split.heading + "".join(line.text for line in split.lines) == text
    assert count_words(text) == count_words(split.counted_text)


@given(_HEADING_FREE, st.integers(min_value=0, max_value=40))
def test_marked_parts_leave_exactly_limit_words_before_the_limit(text, limit):
    """Before the limit are exactly limit words and the rest after it; with no more than limit
    words there is no limit part. The parts are the whole text."""
    total = count_words(text)
    parts = marked_parts(text, limit)
    assert "".join(part.text for part in parts) == text
    if total <= limit:
        assert all(part.kind != "limit" for part in parts)
    else:
        before = _before_limit(parts)
        assert count_words(before) == limit
        assert count_words(text[len(before):]) == total - limit


# Every character Windows-1252 encodes, for the checks of the counter's byte path.
_CP1252 = [bytes([b]).decode("cp1252") for b in range(256)
           if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)]


def test_every_windows_1252_character_counts_on_the_byte_path_as_on_the_exact_one():
    """Alone, inside a word and between two words: the byte path (text Windows-1252 encodes)
    agrees with the per-character rule for each of its 251 characters."""
    assert len(_CP1252) == 251
    for ch in _CP1252:
        for text in (ch, f"ab{ch}cd", f"ab {ch} cd", f"{ch}{ch}", f"1{ch}"):
            assert wordcount._count(text) == wordcount._count_exactly(text), repr(text)


def test_every_pair_of_windows_1252_characters_counts_on_the_byte_path_as_on_the_exact_one():
    """Each pair at the start of a text and after a word: where a run starts is where the
    byte path counts a word, so every character's class meets every other's there."""
    for first in _CP1252:
        for second in _CP1252:
            for text in (first + second, f"a{first}{second}"):
                assert wordcount._count(text) == wordcount._count_exactly(text), repr(text)


def test_the_byte_path_is_taken_only_for_text_windows_1252_encodes():
    """Anything else (an ideograph, a zero-width space, a Welsh ŵ) is counted exactly."""
    assert count_words("don\u2019t \u2013 caf\u00e9 \u2022 \u20ac5") == 3
    assert count_words("school\u200bday \u0175yr 学校") == 5


@given(st.lists(st.sampled_from(_CP1252 + ["ab", "12", " ", "\r\n"]), max_size=80).map("".join))
def test_the_byte_path_counts_any_windows_1252_text_as_the_exact_path_does(text):
    assert wordcount._count(text) == wordcount._count_exactly(text)


@given(st.lists(st.sampled_from(list("ab #:") + list(LINE_BREAKS) + ["\r\n", "\x1c", "\x1d",
                                                                    "\x1e", "\x1f"]),
                max_size=40).map("".join))
def test_lines_are_split_after_every_line_break_as_the_pattern_splits_them(text):
    """str.splitlines() mended (CRLF is two breaks; U+001C-E are not breaks) gives the lines
    the LINE_BREAKS pattern gives, with an empty last line after a final break."""
    pieces = wordcount._LINES.split(text)
    assert wordcount._lines(text) == ["".join(pieces[i:i + 2])
                                      for i in range(0, len(pieces), 2)]
