"""The near-duplicate search (assessment_app/similarity.py): planted copies are all found with no
false pair over the threshold, quotations and reference lists are not copying, the shared
passages are the copied ones, and no input crashes it."""

import random

import pytest
from essays import essay, planted_copies

from assessment_app import similarity
from assessment_app.settings import PROJECT_ROOT, defaults

THRESHOLD = defaults("")["SIMILARITY_THRESHOLD_PERCENT"]


@pytest.fixture(scope="module")
def planted():
    """300 scripts of this window and 300 of an earlier one, all different, with copies planted:
    verbatim, a light paraphrase (one word in ten changed), reordered paragraphs of an earlier
    window's script, a third of another script's paragraphs, and case-study text."""
    rng = random.Random(2026)
    current = {i: essay(rng) for i in range(300)}
    earlier = {1000 + i: essay(rng) for i in range(300)}
    case_study = essay(rng, 2000)
    current.update(planted_copies(current, earlier, rng, 1000))
    current[504] = "\n\n".join(case_study.split("\n\n")[:8] + essay(rng, 1000).split("\n\n"))
    expected = {frozenset({0, 500}), frozenset({1, 501}), frozenset({502, 1002}),
                frozenset({3, 503}), frozenset({504, "case"})}
    return current, earlier, {"case": case_study}, expected


def test_every_planted_copy_is_found_and_no_other_pair_is_over_the_threshold(planted):
    current, earlier, sources, expected = planted
    found = similarity.find_matches(current, earlier, sources, THRESHOLD)
    assert {frozenset({m.key, m.other}) for m in found} == expected
    by_pair = {frozenset({m.key, m.other}): m.percent for m in found}
    assert by_pair[frozenset({0, 500})] == 100
    assert by_pair[frozenset({502, 1002})] > 90  # only the joins between paragraphs differ
    assert 40 < by_pair[frozenset({1, 501})] < 80


def test_unrelated_scripts_stay_far_below_the_threshold(planted):
    """The default threshold was chosen from this: unrelated scripts in a shared vocabulary
    overlap by a few per cent at most."""
    current, earlier, _, expected = planted
    found = similarity.find_matches(current, earlier, {}, 0)
    background = [m.percent for m in found if frozenset({m.key, m.other}) not in expected]
    assert max(background, default=0) < THRESHOLD / 2


def test_the_search_never_counts_all_pairs(planted, monkeypatch):
    """Only LSH candidates near enough are counted exactly (the four planted script pairs here),
    never the 305 x 604 possible pairs."""
    current, earlier, _, _ = planted
    counted = []
    real = similarity.overlap
    monkeypatch.setattr(similarity, "overlap", lambda a, b: counted.append(1) or real(a, b))
    similarity.find_matches(current, earlier, {}, THRESHOLD)
    assert 4 <= len(counted) < len(current) * (len(current) + len(earlier)) / 1000


def test_earlier_scripts_are_not_compared_with_each_other():
    rng = random.Random(1)
    text = essay(rng)
    assert similarity.find_matches({1: essay(rng)}, {2: text, 3: text}, {}, THRESHOLD) == []


def test_a_quoted_passage_is_not_copying():
    """The same passage in quotation marks (curly, straight, guillemets or a '>' block quote)
    is left out; the same words unquoted are found."""
    rng = random.Random(7)
    passage, own = essay(rng, 250).replace("\n\n", " "), essay(rng, 400)
    for quoted in (f"“{passage}”", f'"{passage}"', f"«{passage}»", f"> {passage}"):
        assert similarity.find_matches({1: f"{own}\n\n{quoted}"}, {2: passage}, {}, 10) == []
    assert similarity.find_matches({1: f"{own}\n\n{passage}"}, {2: passage}, {}, 10)


def test_a_shared_reference_list_is_not_copying():
    rng = random.Random(8)
    # Entries of a realistic length: a line of over 80 words counts (wordcount.MAX_ENTRY_WORDS),
    # so it is compared like the rest of the response.
    references = "\n".join(f"Author{i}, A. ({2000 + i}) A study of "
                           + " ".join(essay(rng, 20).split()[:12]) for i in range(40))
    a = f"{essay(rng)}\n\nReferences\n{references}"
    b = f"{essay(rng)}\n\nReferences\n{references}"
    assert similarity.find_matches({1: a, 2: b}, {}, {}, 5) == []


def test_argument_hidden_after_the_reference_heading_is_compared():
    """A line after the heading that is not an entry counts, so copying there is found."""
    rng = random.Random(9)
    copied = essay(rng)
    a = f"{essay(rng)}\n\nReferences\nSmith, J. (2020) Teaching. London.\n{copied}"
    b = f"{essay(rng)}\n\nReferences\nSmith, J. (2020) Teaching. London.\n{copied}"
    found = similarity.find_matches({1: a, 2: b}, {}, {}, 5)
    assert [{m.key, m.other} for m in found] == [{1, 2}]


@pytest.mark.parametrize("text", [
    "", "   \n\n  ", "References\nSmith, J. (2020) Teaching. London.", "one two",
    "\x00\x01 control \u200b characters \ufeff \ud800 lone surrogate", "word " * 100_000,
    "Учителя должны планировать обратную связь для учеников каждый день " * 50,
    "教師は毎日フィードバックを計画する。" * 200, "🙂 " * 3000, "ΑΒΓ δεζ ηθι " * 400,
])
def test_no_script_crashes_the_checker(text):
    """Empty, all references, tiny, control characters, huge (100,000 words), other alphabets,
    emoji: each is checked against itself, a copy and an ordinary script without an error."""
    other = essay(random.Random(3))
    found = similarity.find_matches({1: text, 2: text, 3: other}, {}, {"case": text}, THRESHOLD)
    assert all(m.percent >= THRESHOLD for m in found)


def test_a_copy_in_another_alphabet_is_found():
    text = " ".join(f"Учителя{i % 37} планируют{i % 11} обратную{i % 5} связь{i % 13}"
                    for i in range(300))
    found = similarity.find_matches({1: text, 2: text}, {}, {}, THRESHOLD)
    assert [(m.key, m.other, m.percent) for m in found] == [(1, 2, 100.0)]


def test_the_shared_passages_are_the_copied_ones():
    """The side-by-side view highlights the copied paragraph in both scripts, and only what
    the other script also has; the pieces put back together are the text."""
    rng = random.Random(11)
    copied = essay(rng, 120).replace("\n\n", " ").rstrip(".")
    a = f"{essay(rng, 300)}\n\n{copied}.\n\n{essay(rng, 300)}"
    b = f"{essay(rng, 200)}\n\n{copied}."
    passages_a, passages_b = similarity.shared_passages(a, b)
    assert copied in [a[p.start:p.end] for p in passages_a]
    assert copied in [b[p.start:p.end] for p in passages_b]
    for text, passages, other in ((a, passages_a, b), (b, passages_b, a)):
        words = set(similarity._WORD.findall(other.casefold()))
        assert all(set(similarity._WORD.findall(text[p.start:p.end].casefold())) <= words
                   for p in passages)
    pieces = similarity.segments(a, passages_a)
    assert "".join(text for text, _ in pieces) == a
    assert copied in [text for text, shared in pieces if shared]


def test_shared_passages_leave_quotations_out():
    rng = random.Random(12)
    passage = essay(rng, 80).replace("\n\n", " ")
    passages_a, _ = similarity.shared_passages(f"He wrote “{passage}”.", passage)
    assert passages_a == []


def test_a_copy_hidden_behind_invisible_characters_is_still_found():
    """Zero-width spaces, word joiners, the Braille blank or a Hangul filler between the words
    of a copy separate them as spaces do, so the copy is found in full."""
    original = essay(random.Random(21))
    for blank in ("\u200b", "\u2060", "\u2800", "\u3164", "\u00a0"):
        hidden = original.replace(" ", blank)
        (match,) = similarity.find_matches({1: original, 2: hidden}, {}, {}, THRESHOLD)
        assert match.percent == 100
        passages, _ = similarity.shared_passages(hidden, original)
        assert len(passages) == 1 and passages[0].end - passages[0].start > len(hidden) * 0.9


def test_a_check_gives_the_same_shingles_in_every_process():
    """Word ids come from BLAKE2b, not Python's per-process string hash: a check run again, or
    on another server, finds the same pairs."""
    import os
    import subprocess
    import sys

    text = essay(random.Random(5), 200)
    code = ("import sys; from assessment_app import similarity; "
            "print(similarity.shingles(sys.stdin.read()).tolist())")
    outputs = {subprocess.run([sys.executable, "-c", code], input=text, capture_output=True,
                              text=True, check=True, cwd=PROJECT_ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    assert outputs == {f"{similarity.shingles(text).tolist()}\n"}
