"""The word-count rule (assessment_app/wordcount.py): the shared table of cases, then the edges."""

import json
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessment_app.wordcount import (
    LINE_BREAKS,
    WHITESPACE,
    WORD_RULE,
    count_words,
    cut_at_limit,
    split_references,
)

CASES = json.loads((Path(__file__).parents[1] / "wordcount_cases.json").read_text("utf-8"))

# Everything the rule treats specially, plus letters that can spell a references heading.
_ALPHABET = (
    list("abcRrefnsBilogphyXZ0129.,;:'\"()#*|/-_") + list("\u2013\u2014\u2022\u00b7\u0175\u03b1")
    + ["\u6559", "\U0001F600", "\u00ad", "\x1c", "\x1f", "\u180e"] + list(WHITESPACE)
)
_TEXTS = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)
# Without an "r" no line can be a References or Bibliography heading.
_HEADING_FREE = st.text(alphabet=st.sampled_from([c for c in _ALPHABET if c not in "rR"]),
                        max_size=80)


@pytest.mark.parametrize("case", CASES, ids=[case["note"] for case in CASES])
def test_shared_table(case):
    """Every case of the table the browser's counter is also held to gives its stated count."""
    assert count_words(case["text"]) == case["words"]


def test_the_table_covers_enough_cases():
    """The shared table keeps at least 30 distinct cases, so the JS parity test has teeth."""
    assert len(CASES) >= 30
    assert len({case["note"] for case in CASES}) == len(CASES)


def test_whitespace_is_the_explicit_shared_set():
    """Whitespace is exactly the documented set, line breaks a subset of it, and each separates."""
    expected = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u200b\u2028\u2029\u202f\u205f\u3000\ufeff")
    expected |= {chr(code) for code in range(0x2000, 0x200B)}
    assert set(WHITESPACE) == expected and len(WHITESPACE) == len(expected)
    assert set(LINE_BREAKS) == set("\n\x0b\x0c\r\x85\u2028\u2029")
    for space in WHITESPACE:
        assert count_words(f"one{space}two") == 2, repr(space)


@pytest.mark.parametrize("char", ["\x1c", "\x1d", "\x1e", "\x1f", "\u180e", "\u2060", "\u00ad"])
def test_characters_outside_the_set_do_not_separate(char):
    """Python's str.split() or JS's \\s would split at some of these; the rule does not."""
    assert count_words(f"one{char}two") == 1


def test_split_references_returns_body_and_excluded_section():
    """The section starts at the heading line itself and runs to the end; '' when there is none."""
    assert split_references("My answer.\nReferences\nDfE (2019).") == (
        "My answer.\n", "References\nDfE (2019).")
    assert split_references("No list.") == ("No list.", "")
    assert split_references("") == ("", "")


def test_split_references_uses_the_last_heading_line():
    """Only the last heading starts the section: an earlier one stays in the body and counts."""
    text = "Intro.\nReferences\nMid.\n## Bibliography:\nA (2020).\nMore."
    assert split_references(text) == (
        "Intro.\nReferences\nMid.\n", "## Bibliography:\nA (2020).\nMore.")
    assert count_words(text) == 3


def test_split_references_keeps_crlf_and_indentation_with_the_section():
    """A CRLF line and an indented heading split at the heading line's first character."""
    assert split_references("Body.\r\n  References\r\nX") == ("Body.\r\n", "  References\r\nX")


@pytest.mark.parametrize("line", [
    "references", "BIBLIOGRAPHY", "# References", "###References:", "References :",
    "\u00a0Bibliography\u00a0", "\tReferences:\u200b",
])
def test_heading_variants_are_recognised(line):
    """Any case, leading #'s, a trailing colon and surrounding whitespace still make a heading."""
    assert split_references(f"Body.\n{line}\nX")[1] == f"{line}\nX"


@pytest.mark.parametrize("line", [
    "References.", "References and notes", "Reference", "**References**", "::References",
    "References::", "Reference\u017f", "# # References",
])
def test_near_misses_are_not_headings(line):
    """Only the exact heading words, optionally with #'s and one colon, end the counted text."""
    assert split_references(f"Body.\n{line}\nX") == (f"Body.\n{line}\nX", "")


def test_word_rule_explains_the_reference_exclusion():
    """The rule shown to participants names both headings it recognises."""
    assert "References" in WORD_RULE and "Bibliography" in WORD_RULE


def test_cut_at_limit_falls_just_after_the_last_allowed_word():
    """The marker goes after the limit-th word; lone dashes are not words so do not move it."""
    text = "one - two three four"
    assert text[: cut_at_limit(text, 2)] == "one - two"
    assert cut_at_limit(text, 4) == len(text)


def test_cut_at_limit_is_the_end_when_under_the_limit():
    """A response within the limit has nothing beyond it."""
    assert cut_at_limit("one two", 3) == len("one two")
    assert cut_at_limit("", 3) == 0


def test_cut_at_limit_does_not_count_the_reference_list():
    """Reference-list words are not counted, so they cannot push the cut into the body."""
    text = "one two\nReferences\nA B C D"
    assert cut_at_limit(text, 3) == len(text)
    assert text[: cut_at_limit(text, 2)] == "one two"


def test_cut_at_limit_of_zero_is_the_start():
    """With a limit of 0 every word is beyond it."""
    assert cut_at_limit("one two", 0) == 0


@given(_TEXTS, _TEXTS)
def test_counts_add_up_across_a_space(a, b):
    """Joining two texts with a space adds their counts (no references heading in any of them)."""
    assume(not any(split_references(text)[1] for text in (a, b, a + " " + b)))
    assert count_words(a + " " + b) == count_words(a) + count_words(b)


@given(_TEXTS)
def test_split_references_only_splits(text):
    """The body and the excluded section are the whole text, in order, with nothing lost."""
    body, references = split_references(text)
    assert body + references == text


@given(_HEADING_FREE, st.integers(min_value=0, max_value=40))
def test_cut_at_limit_leaves_exactly_limit_words_before_it(text, limit):
    """Before the cut are min(limit, total) words, and the rest of the words are after it."""
    total = count_words(text)
    cut = cut_at_limit(text, limit)
    assert count_words(text[:cut]) == min(limit, total)
    assert count_words(text[cut:]) == max(total - limit, 0)
