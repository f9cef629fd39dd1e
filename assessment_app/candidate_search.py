"""Which pairs of scripts are worth counting exactly: locality-sensitive hashing over kept MinHash
signatures, in memory bounded by the window's own scripts (no Flask, no database).

The window's scripts are indexed once; earlier scripts (any number) are looked up a chunk at a
time, so memory never grows with them. Two scripts become candidates when their signatures agree
on both values of some band, and stay candidates only when they agree on enough of all their
values to be over the threshold (Bar.near): so the exact counts follow the pairs found, not the
number of pairs compared.

Stock phrases: a value that is the minimum of its bin for more than STOCK_SHARE of the window's
scripts (and more than STOCK_FLOOR of them) is a stock phrase ("per cent of staff reported heavy
workload"), and two scripts sharing it say nothing about copying. Such values never complete a
band. Without this every window compared about one pair in twenty of all its pairs (unrelated
scripts agreeing on two stock values), so the work grew with the square of the cohort.
Two scripts near the threshold agree on about 37 values of 256, of which some 24 are not
stock, so bands are overlapping pairs of values (bin k with bin k+1, and with bin k+3): 512
bands instead of 128, which finds such a pair with probability 98.7% (93% before, on the
benchmark's scripts).
"""

from collections.abc import Iterable, Iterator

import numpy as np

STOCK_SHARE = 0.01
STOCK_FLOOR = 100
# Each bin is paired with the bins this far after it (circularly): one band per bin and shift.
BAND_SHIFTS = (1, 3)
# Candidates agreeing on this many standard deviations fewer values than a pair exactly at the
# threshold would are dropped before the exact count: such a pair is kept with probability
# 99.997%, whatever the two scripts' lengths.
DEVIATIONS = 4
_MIX = (np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
# Agreements are counted this many pairs at a time (each pair reads two signatures).
_AGREEMENT_BATCH = 20_000
_ROW_BITS = 22  # rows of the window, packed below each band key in the index
_ROW_MASK = np.uint64((1 << _ROW_BITS) - 1)
# A bitmap of the index's keys (2 ** 28 bits, 32 MB) answers most look-ups of an earlier
# script's band keys (nearly all absent) without searching the index.
_BITMAP_BITS = 28
_BLOCK = 2000  # rows of signatures turned into index entries at a time


def _bit(keys: np.ndarray) -> np.ndarray:
    return (keys * _MIX[0]) >> np.uint64(64 - _BITMAP_BITS)


def _band_keys(signatures: np.ndarray, shift: int) -> np.ndarray:
    """Each script's key for each band of one shift (rows x bins): the band's number, then the
    top 32 bits of a hash of its two values. A chance equality of two hashes only adds a
    candidate that its agreement then drops."""
    bins = signatures.shape[1]
    mixed = signatures * _MIX[0] ^ np.roll(signatures, -shift, axis=1) * _MIX[1]
    band = np.arange(bins, dtype=np.uint64) + np.uint64(bins * BAND_SHIFTS.index(shift))
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
    for look-ups: one sorted array holding, for each script and band whose values are not stock
    phrases, its band key with its row number below (8 bytes each)."""

    def __init__(self, signatures: np.ndarray, sizes: np.ndarray, bar: Bar):
        if len(signatures) >= 1 << _ROW_BITS:
            raise ValueError("too many scripts in one window")
        self.signatures, self.sizes, self.bar = signatures, sizes, bar
        stock = _stock(signatures)
        # Built a block of rows at a time into one array, so that the index (8 bytes a script
        # and band) is the only large thing made.
        usable = [~(stock | np.roll(stock, -shift, axis=1)) for shift in BAND_SHIFTS]
        self._index = np.empty(sum(int(u.sum()) for u in usable), dtype=np.uint64)
        at = 0
        for block in range(0, len(signatures), _BLOCK):
            rows = np.arange(block, min(block + _BLOCK, len(signatures)), dtype=np.uint64)
            for shift, use in zip(BAND_SHIFTS, usable, strict=True):
                keys = (_band_keys(signatures[block:block + _BLOCK], shift)
                        << np.uint64(_ROW_BITS)) | rows[:, None]
                keys = keys[use[block:block + _BLOCK]]
                self._index[at:at + len(keys)] = keys
                at += len(keys)
        self._index.sort()
        self._bitmap = np.zeros(1 << (_BITMAP_BITS - 3), dtype=np.uint8)
        for block in range(0, len(self._index), _BLOCK * 256):
            bit = _bit(self._index[block:block + _BLOCK * 256] >> np.uint64(_ROW_BITS))
            np.bitwise_or.at(self._bitmap, (bit >> np.uint64(3)).astype(np.intp),
                             np.uint8(1) << (bit & np.uint64(7)).astype(np.uint8))

    def within(self) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (i < j) among the window's scripts."""
        index = self._index
        n = len(self.signatures)
        found = []
        step = 1
        # Each pass pairs every entry with the one `step` places on in a run of equal keys; a
        # run holds only scripts sharing two values that are not stock, so runs are short.
        last, size = len(index) - 1, _BLOCK * 256
        at = np.concatenate([np.flatnonzero((index[b + 1:min(b + size, last) + 1]
                                             ^ index[b:min(b + size, last)]) <= _ROW_MASK) + b
                             for b in range(0, last, size)] or [np.empty(0, dtype=np.intp)])
        while len(at):
            i = (index[at] & _ROW_MASK).astype(np.int64)
            j = (index[at + step] & _ROW_MASK).astype(np.int64)
            found.append(np.minimum(i, j) * n + np.maximum(i, j))
            step += 1
            at = at[at + step < len(index)]
            at = at[(index[at + step] ^ index[at]) <= _ROW_MASK]
        pairs = _distinct(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
        i, j = pairs // n, pairs % n
        near = self.bar.near(_agreements(self.signatures, self.signatures, i, j),
                             self.sizes[i], self.sizes[j], self.signatures.shape[1])
        return i[near], j[near]

    def against(self, earlier: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs (window row i, earlier row j) with a chunk of earlier signatures (and
        their numbers of shingles)."""
        found_i, found_j = [], []
        for shift in BAND_SHIFTS:
            queries = _band_keys(earlier, shift).ravel()
            bit = _bit(queries)
            maybe = np.flatnonzero(self._bitmap[bit >> np.uint64(3)]
                                   & (np.uint8(1) << (bit & np.uint64(7)).astype(np.uint8)))
            order = maybe[np.argsort(queries[maybe])]  # sorted look-ups walk the index in order
            queries = queries[order] << np.uint64(_ROW_BITS)
            low = np.searchsorted(self._index, queries, "left")
            high = np.searchsorted(self._index, queries | _ROW_MASK, "right")
            counts = high - low
            hit = np.flatnonzero(counts)
            counts, low = counts[hit], low[hit]
            at = np.repeat(low - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
            found_i.append((self._index[at] & _ROW_MASK).astype(np.int64))
            found_j.append(np.repeat(order[hit] // earlier.shape[1], counts))
        pairs = _distinct(np.concatenate(found_i) * len(earlier) + np.concatenate(found_j))
        i, j = pairs // len(earlier), pairs % len(earlier)
        near = self.bar.near(_agreements(self.signatures, earlier, i, j), self.sizes[i], sizes[j],
                             self.signatures.shape[1])
        return i[near], j[near]


def candidates(signatures: np.ndarray, sizes: np.ndarray,
               earlier: Iterable[tuple[np.ndarray, np.ndarray]], bar: Bar
               ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Candidate pairs: (-1, i, j) for pairs of the window's scripts, then (chunk number, i, j)
    for each chunk of earlier signatures and sizes, i a window row and j a row of the chunk."""
    search = CandidateSearch(signatures, sizes, bar)
    yield -1, *search.within()
    for number, (chunk, chunk_sizes) in enumerate(earlier):
        yield number, *search.against(chunk, chunk_sizes)
