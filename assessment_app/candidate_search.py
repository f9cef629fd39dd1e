"""Which pairs of scripts are worth counting exactly: locality-sensitive hashing over kept MinHash
signatures, in memory bounded by the window's own scripts (no Flask, no database).

The window's scripts are indexed once; earlier scripts (any number) are looked up a chunk at a
time, so memory never grows with them. Two scripts become candidates when their signatures agree
on all values of some band, and stay candidates only when they agree on enough of all their
values to be over the threshold (Bar.near): so the exact counts follow the pairs found, not the
number of pairs compared.

Short bands and stock phrases: a value that is the minimum of its bin for more than STOCK_SHARE
of the window's scripts (and more than STOCK_FLOOR of them) is a stock phrase ("per cent of
staff reported heavy workload"), and two scripts sharing it say nothing about copying. Such
values never complete a short band (two values). Without this every window compared about one
pair in twenty of all its pairs (unrelated scripts agreeing on two stock values), so the work
grew with the square of the cohort. Two scripts near the threshold agree on about 37 values of
256, of which some 24 are not stock, so short bands are overlapping pairs of values (bin k with
bin k+1, and with bin k+3): 512 bands, which find such a pair with probability 98.7% (93% with
128 bands, on the benchmark's scripts).

Long bands: a text copied by more than 1% of a window (a leaked model answer, one script passed
round) makes its own values stock, so short bands alone never bring its copies together: a ring
of cheats would be invisible exactly when it is large. So every bin also starts two long bands
of four values spread round the signature (bins k, k+50, k+111, k+185 and k, k+98, k+167,
k+202: no two of the 512 share more than one bin, so they fail nearly independently), and long
bands ignore stock. Two signatures agreeing on each value with probability J (their Jaccard
similarity) agree on a whole long band with probability J^4, on one of 512 with
1 - (1 - J^4)^512:
- Verbatim copies (J = 1): on every band, whatever the ring's size.
- A light paraphrase (one word in ten changed: 0.9^5 = 59% of shingles kept, J = 0.42) with its
  source: J^4 = 0.031 a band, found with probability 1 - 1e-7.
- Two unrelated scripts (J about 0.01, at most 0.05, in a shared teaching vocabulary): at most
  6.3e-6 a band, 0.3% of pairs even at J = 0.05. Measured on 20,000 of the benchmark's
  scripts, long bands add 2% to the candidates of short bands (79,075 against 76,492 within
  the window), 3 more of them reaching Bar.near (bands of three values would add 130%).
Long bands cost 8 bytes a script and band in the index (82 MB for 20,000 scripts).

Copies of one source: two light paraphrases of one text share 0.9^10 = 35% of their shingles
(over the threshold) but agree on about 0.42^2 = 18% of values, so one long band in a thousand
brings them together. Each paraphrase is found with its source, or with some of the other
paraphrases (a script keeps 512 x 0.42^4 = 16 whole long bands of the text on average, and is
left with none with probability e^-16). So after the search, the window's scripts joined by
kept candidates (with each other, or with one earlier script) are grouped, and every pair
within a group is a candidate too (through Bar.near, so a group's pairs cost agreements, not
exact counts): copies of one source are compared with each other whether the source is in the
window, in an earlier one, or nowhere.
"""

from collections.abc import Iterable, Iterator

import numpy as np

STOCK_SHARE = 0.01
STOCK_FLOOR = 100
# Each family of bands: the bins of a band, counted from its first (one band per bin), and
# whether stock values keep a band out of it. Short bands (two values) pair each bin with the
# one after it and the one three after; long bands spread four values round the signature, no
# two of them sharing more than one bin (all differences between two offsets are distinct).
# At most four families: a band's number (family and bin) has 10 bits of the index's keys.
FAMILIES = (((0, 1), True), ((0, 3), True),
            ((0, 50, 111, 185), False), ((0, 98, 167, 202), False))
# Candidates agreeing on this many standard deviations fewer values than a pair exactly at the
# threshold would are dropped before the exact count: such a pair is kept with probability
# 99.997%, whatever the two scripts' lengths.
DEVIATIONS = 4
# Odd multipliers, one per value of a band, so that a band's values in another order differ.
_MIX = np.array([0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x9E3779B97F4A7C15,
                 0xD6E8FEB86659FD93], dtype=np.uint64)
# Agreements are counted this many pairs at a time (each pair copies two signatures: 16 MB).
_AGREEMENT_BATCH = 4096
_ROW_BITS = 22  # rows of the window, packed below each band key in the index
_ROW_MASK = np.uint64((1 << _ROW_BITS) - 1)
# A bitmap of the index's keys (2 ** 28 bits, 32 MB) answers most look-ups of an earlier
# script's band keys (nearly all absent) without searching the index.
_BITMAP_BITS = 28
_BLOCK = 2000  # rows of signatures turned into index entries at a time
# Candidate pairs found within the window are made distinct whenever this many more have
# gathered (a ring of copies repeats each of its pairs in every band).
_DISTINCT_EVERY = 1_000_000


def _bit(keys: np.ndarray) -> np.ndarray:
    return (keys * _MIX[0]) >> np.uint64(64 - _BITMAP_BITS)


def _band_keys(signatures: np.ndarray, family: int) -> np.ndarray:
    """Each script's key for each band of one family (rows x bins): the band's number, then the
    top 32 bits of a hash of its values. A chance equality of two hashes only adds a candidate
    that its agreement then drops."""
    bins = signatures.shape[1]
    offsets, _ = FAMILIES[family]
    mixed = np.zeros(signatures.shape, dtype=np.uint64)
    for multiplier, offset in zip(_MIX, offsets, strict=False):
        mixed ^= np.roll(signatures, -offset, axis=1) * multiplier
    band = np.arange(bins, dtype=np.uint64) + np.uint64(bins * family)
    return (mixed >> np.uint64(32)) | (band << np.uint64(32))


def _stock(signatures: np.ndarray) -> np.ndarray:
    """Which values (rows x bins) are stock phrases of these scripts."""
    limit = max(STOCK_FLOOR, STOCK_SHARE * len(signatures))
    out = np.empty(signatures.shape, dtype=bool)
    for b in range(signatures.shape[1]):
        order = np.argsort(signatures[:, b])
        values = signatures[order, b]
        starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
        counts = np.diff(np.append(starts, len(values)))
        out[order, b] = np.repeat(counts > limit, counts)
    return out


def _distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values (np.unique's hashing is far slower on millions of them)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _agreements(a: np.ndarray, b: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The number of bins on which each pair (a[i], b[j]) agrees."""
    out = np.empty(len(i), dtype=np.int64)
    for at in range(0, len(i), _AGREEMENT_BATCH):
        part = slice(at, at + _AGREEMENT_BATCH)
        out[part] = (a[i[part]] == b[j[part]]).sum(axis=1)
    return out


class Bar:
    """What a pair must reach to be listed: `percent` of the shorter script's shingles, and at
    least `shared` shingles."""

    def __init__(self, percent: float, shared: int):
        self.percent, self.shared = percent, shared

    def near(self, agreements: np.ndarray, size_a: np.ndarray, size_b: np.ndarray,
             bins: int) -> np.ndarray:
        """Whether each pair (agreeing on `agreements` of `bins` values, with these numbers of
        shingles) may reach the bar. A pair sharing exactly the bar's shingles has Jaccard
        similarity J, so agrees on J * bins values give or take sqrt(bins J (1 - J))."""
        shared = np.maximum(self.percent / 100 * np.minimum(size_a, size_b), self.shared)
        j = np.clip(shared / (size_a + size_b - shared), 0, 1)
        return agreements >= bins * j - DEVIATIONS * np.sqrt(bins * j * (1 - j))


class CandidateSearch:
    """The window's scripts' signatures (rows x bins, uint64) and numbers of shingles, banded
    for look-ups: one sorted array holding, for each script and band (short bands only where
    their values are not stock phrases), its band key with its row number below (8 bytes
    each)."""

    def __init__(self, signatures: np.ndarray, sizes: np.ndarray, bar: Bar):
        if len(signatures) >= 1 << _ROW_BITS:
            raise ValueError("too many scripts in one window")
        self.signatures, self.sizes, self.bar = signatures, sizes, bar
        stock = _stock(signatures)
        # Built a block of rows at a time into one array, so that the index (8 bytes a script
        # and band) is the only large thing made.
        usable = [np.logical_not(np.logical_or.reduce(
                      [np.roll(stock, -offset, axis=1) for offset in offsets]))
                  if masked else None for offsets, masked in FAMILIES]
        self._index = np.empty(sum(stock.size if u is None else int(u.sum()) for u in usable),
                               dtype=np.uint64)
        at = 0
        for block in range(0, len(signatures), _BLOCK):
            rows = np.arange(block, min(block + _BLOCK, len(signatures)), dtype=np.uint64)
            for family, use in enumerate(usable):
                keys = (_band_keys(signatures[block:block + _BLOCK], family)
                        << np.uint64(_ROW_BITS)) | rows[:, None]
                keys = keys.ravel() if use is None else keys[use[block:block + _BLOCK]]
                self._index[at:at + len(keys)] = keys
                at += len(keys)
        self._index.sort()
        self._bitmap = np.zeros(1 << (_BITMAP_BITS - 3), dtype=np.uint8)
        for block in range(0, len(self._index), _BLOCK * 256):
            bit = _bit(self._index[block:block + _BLOCK * 256] >> np.uint64(_ROW_BITS))
            np.bitwise_or.at(self._bitmap, (bit >> np.uint64(3)).astype(np.intp),
                             np.uint8(1) << (bit & np.uint64(7)).astype(np.uint8))

    def _near(self, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The pairs of window rows (i, j) that may reach the bar."""
        near = self.bar.near(_agreements(self.signatures, self.signatures, i, j),
                             self.sizes[i], self.sizes[j], self.signatures.shape[1])
        return i[near], j[near]

    def within(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (i < j) among the window's scripts."""
        index = self._index
        n = len(self.signatures)
        pairs, found, gathered = np.empty(0, dtype=np.int64), [], 0
        step = 1
        # Each pass pairs every entry with the one `step` places on in a run of equal keys; a
        # run holds scripts sharing a band, so runs are short but for copies of one text.
        last, size = len(index) - 1, _BLOCK * 256
        at = np.concatenate([np.flatnonzero((index[b + 1:min(b + size, last) + 1]
                                             ^ index[b:min(b + size, last)]) <= _ROW_MASK) + b
                             for b in range(0, last, size)] or [np.empty(0, dtype=np.intp)])
        while len(at):
            i = (index[at] & _ROW_MASK).astype(np.int64)
            j = (index[at + step] & _ROW_MASK).astype(np.int64)
            found.append(np.minimum(i, j) * n + np.maximum(i, j))
            gathered += len(at)
            if gathered > _DISTINCT_EVERY:
                pairs, found, gathered = _distinct(np.concatenate([pairs, *found])), [], 0
            step += 1
            at = at[at + step < len(index)]
            at = at[(index[at + step] ^ index[at]) <= _ROW_MASK]
        pairs = _distinct(np.concatenate([pairs, *found]))
        return self._near(pairs // n, pairs % n)

    def against(self, earlier: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (window row i, earlier row j) with a chunk of earlier signatures (and
        their numbers of shingles)."""
        found_i, found_j = [], []
        for family in range(len(FAMILIES)):
            queries = _band_keys(earlier, family).ravel()
            bit = _bit(queries)
            maybe = np.flatnonzero(self._bitmap[bit >> np.uint64(3)]
                                   & (np.uint8(1) << (bit & np.uint64(7)).astype(np.uint8)))
            order = maybe[np.argsort(queries[maybe])]  # sorted look-ups walk the index in order
            queries = queries[order] << np.uint64(_ROW_BITS)
            low = np.searchsorted(self._index, queries, "left")
            # Most look-ups the bitmap lets through are absent: only a key found at `low` is
            # searched for the end of its run.
            hit = np.flatnonzero((self._index[np.minimum(low, len(self._index) - 1)]
                                  ^ queries) <= _ROW_MASK)
            low, order = low[hit], order[hit]
            counts = np.searchsorted(self._index, queries[hit] | _ROW_MASK, "right") - low
            at = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            found_i.append((self._index[at] & _ROW_MASK).astype(np.int64))
            found_j.append(np.repeat(order // earlier.shape[1], counts))
        pairs = _distinct(np.concatenate(found_i) * len(earlier) + np.concatenate(found_j))
        i, j = pairs // len(earlier), pairs % len(earlier)
        near = self.bar.near(_agreements(self.signatures, earlier, i, j), self.sizes[i], sizes[j],
                             self.signatures.shape[1])
        return i[near], j[near]

    def within_groups(self, links: tuple[np.ndarray, np.ndarray], known: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (i < j) of window rows in one group, the groups joined by `links`
        (pairs of rows), less the pairs `known` (i * rows + j, sorted)."""
        n = len(self.signatures)
        group, (a, b) = np.arange(n), links
        # Each row takes the lowest group of a row linked to it, then its group's group, until
        # nothing changes: linked rows end in one group (the lowest row of it).
        while len(a):
            joined = group.copy()
            np.minimum.at(joined, a, group[b])
            np.minimum.at(joined, b, group[a])
            joined = joined[joined]
            if np.array_equal(joined, group):
                break
            group = joined
        rows = np.argsort(group, kind="stable")
        ends = np.flatnonzero(np.diff(group[rows], append=n)) + 1
        starts = np.concatenate(([0], ends[:-1]))
        kept, waiting, count = [], [], 0
        for start, end in zip(starts[ends - starts > 1], ends[ends - starts > 1], strict=True):
            members = rows[start:end]  # ascending, the sort being stable
            for at in range(len(members) - 1):
                pairs = members[at] * n + members[at + 1:]
                place = np.minimum(np.searchsorted(known, pairs), len(known) - 1)
                waiting.append(pairs[known[place] != pairs] if len(known) else pairs)
                count += len(waiting[-1])
            if count > _AGREEMENT_BATCH:
                pairs, waiting, count = np.concatenate(waiting), [], 0
                kept.append(self._near(pairs // n, pairs % n))
        pairs = np.concatenate(waiting or [np.empty(0, dtype=np.int64)])
        kept.append(self._near(pairs // n, pairs % n))
        return np.concatenate([i for i, _ in kept]), np.concatenate([j for _, j in kept])


def candidates(signatures: np.ndarray, sizes: np.ndarray,
               earlier: Iterable[tuple[np.ndarray, np.ndarray]], bar: Bar
               ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Candidate pairs: (-1, i, j) for pairs of the window's scripts, then (chunk number, i, j)
    for each chunk of earlier signatures and sizes, i a window row and j a row of the chunk,
    then (-1, i, j) for the pairs of the window's scripts grouped by those found."""
    search = CandidateSearch(signatures, sizes, bar)
    i, j = search.within()
    yield -1, i, j
    links_a, links_b = [i], [j]
    for number, (chunk, chunk_sizes) in enumerate(earlier):
        rows, others = search.against(chunk, chunk_sizes)
        yield number, rows, others
        # Window rows found with one earlier script are linked through the first of them.
        order = np.lexsort((rows, others))
        rows, others = rows[order], others[order]
        first = np.flatnonzero(np.diff(others, prepend=-1))
        links_a.append(np.repeat(rows[first], np.diff(np.append(first, len(rows)))))
        links_b.append(rows)
    links = np.concatenate(links_a), np.concatenate(links_b)
    yield -1, *search.within_groups(links, np.sort(i * len(signatures) + j))
