"""Counts in words, never "(s)": timeformat.plural, which every page and message uses."""

from assessment_app.timeformat import plural


def test_one_is_singular_and_thousands_are_grouped():
    assert [plural(0, "word"), plural(1, "word"), plural(2, "participant"),
            plural(1500, "word")] == ["0 words", "1 word", "2 participants", "1,500 words"]


def test_an_irregular_plural_is_given_by_its_caller():
    assert [plural(1, "person", "people"), plural(2, "person", "people")] == [
        "1 person", "2 people"]
