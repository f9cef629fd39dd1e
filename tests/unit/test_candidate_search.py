"""The candidate search (assessment_app/candidate_search.py): stock values never make candidates
and shared uncommon ones do, a text copied by more scripts than a stock phrase is still found,
earlier scripts read in chunks of any size give the same pairs, and the search finds exactly the
pairs over the threshold that counting every pair finds."""

import itertools
import random

import numpy as np
import pytest
from essays import essay, paraphrase, planted_copies

from assessment_app import candidate_search, similarity
from assessment_app.settings import defaults

THRESHOLD = defaults("")["SIMILARITY_THRESHOLD_PERCENT"]


BAR = candidate_search.Bar(THRESHOLD, similarity.MIN_SHARED_SHINGLES)


def random_signatures(rng, n):
    return rng.integers(1, 2**63, size=(n, similarity.SIGNATURE_BINS), dtype=np.uint64)


def search(signatures):
    """The search over scripts of 1,500 shingles each."""
    return candidate_search.CandidateSearch(signatures, np.full(len(signatures), 1500), BAR)


def copy_into(signatures, source, target, bins):
    """Script `target` takes script `source`'s values in these bins."""
    signatures[target, bins] = signatures[source, bins]


def test_a_stock_value_makes_no_candidates_and_uncommon_shared_values_do():
    """Values that are the minimum of their bin in more than STOCK_FLOOR scripts (here on every
    band of bins 0 to 40) make no pair; two scripts agreeing on 40 uncommon values do."""
    rng = np.random.default_rng(1)
    signatures = random_signatures(rng, 300)
    stock = candidate_search.STOCK_FLOOR + 1
    signatures[:stock, :40] = signatures[0, :40]
    copy_into(signatures, 200, 201, rng.choice(np.arange(60, 256), 40, replace=False))
    i, j = search(signatures).within()
    assert list(zip(i.tolist(), j.tolist(), strict=True)) == [(200, 201)]


def test_scripts_sharing_a_stock_value_few_enough_times_are_candidates():
    """At the stock limit itself a shared value still counts."""
    rng = np.random.default_rng(2)
    signatures = random_signatures(rng, 300)
    signatures[:candidate_search.STOCK_FLOOR, :40] = signatures[0, :40]
    i, _ = search(signatures).within()
    assert len(i) == candidate_search.STOCK_FLOOR * (candidate_search.STOCK_FLOOR - 1) // 2


@pytest.mark.parametrize(("agreeing", "kept"), [(12, False), (15, True), (40, True)])
def test_a_pair_agreeing_on_too_few_values_is_dropped_before_the_count(agreeing, kept):
    """Two scripts of 1,500 shingles sharing a quarter of them (Jaccard 1/7) agree on about 37
    values of 256, give or take 5.6: a pair agreeing on fewer than 14.2 (four deviations
    less) is not counted."""
    rng = np.random.default_rng(3)
    signatures = random_signatures(rng, 50)
    copy_into(signatures, 4, 9, np.arange(agreeing))
    assert [len(x) for x in search(signatures).within()] == ([1, 1] if kept else [0, 0])


def test_the_bar_follows_the_lengths_of_the_two_scripts():
    """A short script entirely inside a long one has a low Jaccard similarity: the agreement
    asked of it is lower than that asked of two scripts of equal length."""
    equal = BAR.near(np.array([14, 15]), np.array([1500, 1500]), np.array([1500, 1500]), 256)
    short = BAR.near(np.array([6]), np.array([300]), np.array([1500]), 256)
    assert equal.tolist() == [False, True] and short.tolist() == [True]


@pytest.mark.parametrize("chunk", [1, 7, 60])
def test_earlier_scripts_in_chunks_of_any_size_give_the_same_pairs(chunk):
    rng = np.random.default_rng(4)
    current, earlier = random_signatures(rng, 40), random_signatures(rng, 60)
    expected = {(0, 5), (3, 59), (39, 0), (7, 7)}
    for a, b in expected:
        bins = rng.choice(256, 40, replace=False)
        earlier[b, bins] = current[a, bins]
    index = search(current)
    found = set()
    for at in range(0, len(earlier), chunk):
        part = earlier[at:at + chunk]
        i, j = index.against(part, np.full(len(part), 1500))
        found |= {(a, at + b) for a, b in zip(i.tolist(), j.tolist(), strict=True)}
    assert found == expected


def found_pairs(signatures, earlier):
    """The candidates of a window (1,500 shingles a script) and one chunk of earlier scripts:
    (pairs of window rows, pairs of a window row and an earlier row)."""
    within, against = set(), set()
    for number, i, j in candidate_search.candidates(
            signatures, np.full(len(signatures), 1500),
            [(earlier, np.full(len(earlier), 1500))], BAR):
        (within if number < 0 else against).update(zip(i.tolist(), j.tolist(), strict=True))
    return within, against


@pytest.mark.parametrize("share", [0.03, 0.3])
def test_verbatim_copies_by_more_scripts_than_a_stock_phrase_are_all_found(share, monkeypatch):
    """One earlier script copied verbatim by 3% (and 30%) of a window of 400, more than the
    stock limit (its floor lowered to 10 to keep the window small): its values are stock in the
    window, yet every copy is found with every other and with the earlier script."""
    monkeypatch.setattr(candidate_search, "STOCK_FLOOR", 10)
    rng = np.random.default_rng(5)
    signatures, earlier = random_signatures(rng, 400), random_signatures(rng, 30)
    ring = sorted(rng.choice(400, int(share * 400), replace=False).tolist())
    assert len(ring) > candidate_search.STOCK_FLOOR
    signatures[ring] = earlier[7]
    within, against = found_pairs(signatures, earlier)
    assert within == set(itertools.combinations(ring, 2))
    assert against == {(row, 7) for row in ring}


def test_light_paraphrases_of_a_text_from_outside_are_all_found_with_each_other(monkeypatch):
    """40 scripts of a window of 400 each keep 42% of one text's values (as a light paraphrase
    does), the text itself in no window: pairs of them agree on about 18% of their values, so a
    long band brings only some of them together, yet every pair is a candidate."""
    monkeypatch.setattr(candidate_search, "STOCK_FLOOR", 10)
    rng = np.random.default_rng(6)
    signatures, source = random_signatures(rng, 400), random_signatures(rng, 1)[0]
    ring = list(range(100, 140))
    kept = rng.random((len(ring), similarity.SIGNATURE_BINS)) < 0.42
    signatures[ring] = np.where(kept, source, signatures[ring])
    within, _ = found_pairs(signatures, random_signatures(rng, 5))
    assert within == set(itertools.combinations(ring, 2))


def test_light_paraphrases_of_one_earlier_script_are_all_found(monkeypatch):
    """40 light paraphrases (one word in ten changed) of one earlier script among 100 other
    scripts, with the stock floor lowered to 10 so that the earlier script's values are stock
    in the window: the search finds exactly the pairs that counting every pair finds, among
    them each paraphrase with the earlier script and with every other paraphrase (sharing
    about 35% of their shingles, though only 21% by Jaccard similarity)."""
    monkeypatch.setattr(candidate_search, "STOCK_FLOOR", 10)
    rng = random.Random(2028)
    earlier = {1000 + i: essay(rng, 600) for i in range(20)}
    current = {i: essay(rng, 600) for i in range(100)}
    current.update({200 + k: paraphrase(earlier[1005], rng) for k in range(40)})
    expected = every_pair_over(current, earlier, THRESHOLD)
    copies = [*range(200, 240), 1005]
    assert {frozenset(pair) for pair in itertools.combinations(copies, 2)} <= expected
    found = similarity.find_matches(current, earlier, {}, THRESHOLD)
    assert {frozenset({m.key, m.other}) for m in found} == expected


@pytest.fixture(scope="module")
def planted():
    """120 scripts of this window and 120 of an earlier one, with copies planted: verbatim, a
    light paraphrase, reordered paragraphs of an earlier script and a third of another."""
    rng = random.Random(2027)
    current = {i: essay(rng, 600) for i in range(120)}
    earlier = {1000 + i: essay(rng, 600) for i in range(120)}
    current.update(planted_copies(current, earlier, rng, 400))
    current[504] = earlier[1100]
    return current, earlier


def every_pair_over(current, earlier, threshold):
    """The pairs over the threshold found by counting every pair exactly (no search)."""
    sets = {k: similarity.shingles(t) for k, t in {**earlier, **current}.items()}
    pairs = itertools.chain(itertools.combinations(current, 2),
                            itertools.product(current, earlier))
    return {frozenset({a, b}) for a, b in pairs
            if similarity.match(a, sets[a], b, sets[b], threshold) is not None}


def test_the_search_finds_exactly_the_pairs_that_counting_every_pair_finds(planted):
    """The threshold's results are those of the exact count over all 125 x 244 pairs."""
    current, earlier = planted
    expected = every_pair_over(current, earlier, THRESHOLD)
    assert {frozenset({0, 500}), frozenset({502, 1002}), frozenset({504, 1100})} <= expected
    found = similarity.find_matches(current, earlier, {}, THRESHOLD)
    assert {frozenset({m.key, m.other}) for m in found} == expected


@pytest.mark.parametrize("chunk", [1, 7])
def test_find_matches_in_chunks_equals_one_chunk(planted, chunk):
    current, earlier = planted
    whole = similarity.find_matches(current, earlier, {}, THRESHOLD)
    assert similarity.find_matches(current, earlier, {}, THRESHOLD, chunk=chunk) == whole
