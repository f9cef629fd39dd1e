"""The word-count rule (assessment_app/wordcount.py) on the shared table and its edge cases."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment_app.wordcount import count_words, cut_at_limit, split_references

CASES = json.loads((Path(__file__).parent.parent / "wordcount_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_shared_table(case):
    """Each case of the table shared with the JavaScript counter."""
    assert count_words(case["text"]) == case["words"]


def test_split_references_returns_the_excluded_section():
    body, references = split_references("My answer.\nReferences\nDfE (2019).")
    assert body == "My answer.\n"
    assert references == "References\nDfE (2019)."
    assert split_references("No list.") == ("No list.", "")


def test_cut_at_limit_falls_just_after_the_last_allowed_word():
    """A marker is shown where the limit falls; dashes do not move it."""
    text = "one - two three four"
    assert text[: cut_at_limit(text, 2)] == "one - two"
    assert cut_at_limit(text, 10) == len(text)


_PLAIN = st.text(alphabet=st.sampled_from("ab1 -\n\t,.'\u00a0\u2013é漢"), max_size=60)


@given(_PLAIN, _PLAIN)
def test_counts_add_up_across_a_space(a, b):
    """Joining two texts with a space adds their counts (no references heading in either)."""
    assert count_words(a + " " + b) == count_words(a) + count_words(b)
