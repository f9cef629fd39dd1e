"""Near-duplicate search between scripts, and the shared passages of one pair (no Flask).

A script is cut into word shingles (runs of SHINGLE_WORDS words, case-folded). Quoted passages
(in double quotation marks or guillemets, within one paragraph, or a line starting with ">")
and the reference list (wordcount.split_references) are left out: they are not copying.

The search never compares all pairs: each script's shingles get a MinHash signature (one
permutation hashing, 256 values), kept with the shingles so that a script is cut up once
(services/similarity.py), and locality-sensitive hashing (candidate_search.py) makes
candidates only of scripts whose signatures agree on a band of values (a short band of values
that are not stock phrases, or a long one), and of copies of one source. The overlap of a candidate pair is then counted exactly: the share of the shorter
script's shingles found in the other. A script is compared with its case study exactly (one
comparison per script): there the overlap is the share of the script's shingles that are the
case study's.
"""

import functools
import hashlib
import re
import string
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from itertools import accumulate, compress
from typing import NamedTuple

import numpy as np

from .candidate_search import Bar, candidates
from .wordcount import reference_lines

SHINGLE_WORDS = 5
# A pair sharing fewer shingles than this is never reported, whatever its share: two short
# scripts can share a stock phrase or two.
MIN_SHARED_SHINGLES = 8
# A shorter shared run is a stock phrase ("pupils met the expected standard"): not highlighted.
MIN_PASSAGE_WORDS = 8
SIGNATURE_BINS = 256
_BIN_BITS = 8  # 2 ** 8 bins
# Kept signatures and shingles made under another scheme are made again (services/similarity.py):
# raise it when the words, the shingles or the signature change.
SIGNATURE_SCHEME = 1
# Earlier scripts are searched this many at a time (the default chunk).
EARLIER_CHUNK = 2000


def _blank_characters() -> str:
    """Characters a reader sees as blank or not at all: controls, format characters (zero-width
    spaces and joiners, tags), separators and the blank glyphs (Braille blank, Hangul fillers).
    They separate words, so a copy cannot hide behind invisible characters between its words
    (and put inside words they would multiply the word count)."""
    found = [chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) in {"Cc", "Cf", "Zs"}]
    found += ["\u2800", "\u3164", "\u115f", "\u1160", "\uffa0"]
    found += [chr(c) for c in (*range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B),
                                 0xE0001, *range(0xE0020, 0xE0080))]
    return "".join(found)


# A word is a run of characters that are neither blank nor punctuation. The search splits
# with str.translate and str.split (fast, in C); the side-by-side view finds the same words
# with _WORD, which has their places in the text.
_PUNCTUATION = string.punctuation + "“”‘’‚‛„‟–—―…«»‹›•·¡¿"
_SEPARATORS = _PUNCTUATION + _blank_characters()
_SEPARATORS_TO_SPACE = str.maketrans(dict.fromkeys(_SEPARATORS, " "))
_WORD = re.compile(f"[^\\s{re.escape(_SEPARATORS)}]+")
# Quoted passages, within one paragraph: from an opening mark to the first closing mark after it
# on the same line; ">" counts only at the start of a line (block quote) and runs to its end.
# Found by patterns that never read a stretch twice for one mark (_quotations): one pattern
# trying every opening mark up to its closing mark took quadratic time on a line of unclosed ones.
_CLOSERS = {"“": "”", '"': '"', "«": "»", "„": "“”", ">": "\n"}
_OPENER = re.compile("[“\"«„>]")
# Odd 64-bit multipliers, one per position in a shingle, so "a b c" and "c b a" differ.
_POSITION = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                      0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD], dtype=np.uint64)[:SHINGLE_WORDS]


class Span(NamedTuple):
    """A word or a shared passage of a script: text[start:end]."""

    start: int
    end: int


def compared_parts(text: str) -> list[tuple[int, int]]:
    """The parts of a script that are compared, as (start, end) places in the text: the text
    that is counted (its body, and any line after the reference heading that is not a reference
    entry), less any quoted passages. Shingles never run across a quotation or into the
    reference entries. Plain tuples of ints, which the garbage collector stops tracking: a text
    of 250,000 quotations makes as many parts, and as Spans they were scanned at every
    collection (more than half its time)."""
    body_end, after, lines, entries = reference_lines(text)
    ends = list(accumulate(map(len, lines), initial=after))
    counted = list(compress(zip(ends, ends[1:]),
                            [bool(line) and not entry for line, entry in zip(lines, entries)]))
    if _OPENER.search(text, after) is None:  # no line after the heading holds a quotation
        return _unquoted(text, (0, body_end)) + counted
    return [part for region in [(0, body_end), *counted] for part in _unquoted(text, region)]


def _unquoted(text: str, region: tuple[int, int]) -> list[tuple[int, int]]:
    """The region of text less its quoted passages."""
    start, end = region
    if _OPENER.search(text, start, end) is None:  # nearly every line
        return [region] if end > start else []
    bounds = iter([start, *_quoted(text, start, end), end])
    return [(a, b) for a, b in zip(bounds, bounds) if b > a]


@functools.cache
def _passage_from(marks: str) -> re.Pattern:
    """From any of `marks` to its first closing mark (a group) or, lacking one, to its line's
    end; from ">" to its line's end (the group "block")."""
    return re.compile("|".join(
        "(?P<block>>[^\n]*+)" if mark == ">"
        else f"{re.escape(mark)}[^{re.escape(closers)}\n]*+([{re.escape(closers)}])?"
        for mark, closers in _CLOSERS.items() if mark in marks))


def _quoted(text: str, start: int, end: int, marks: str = "".join(_CLOSERS)) -> list[int]:
    """The start and end of each quoted passage in text[start:end], left to right, each search
    resuming after the last passage found (a ">" passage is quoted only at a line's start, and
    reaches its line's end either way). A mark with no closing mark before its line's end opens
    nothing, nor does any like it after it on that line, so the rest of the line is read again
    for the other marks only: each character is read at most once for each mark."""
    bounds = []
    for found in _passage_from(marks).finditer(text, start, end):
        if found.lastindex is None:  # unclosed
            open_at = found.start()
            bounds += _quoted(text, open_at + 1, found.end(), marks.replace(text[open_at], ""))
        elif found.lastgroup != "block":
            bounds += found.span()
        elif not text[text.rfind("\n", 0, found.start()) + 1:found.start()].strip(" \t"):
            bounds += found.span()
    return bounds


# Each word's 64-bit id (BLAKE2b of its UTF-8), kept for the next script: a check gives the same
# pairs every time it runs, on every server (Python's own string hash changes per process).
_WORD_IDS: dict[str, int] = {}
_MAX_WORD_IDS = 1_000_000


def _new_word_id(word: str) -> int:
    if len(_WORD_IDS) >= _MAX_WORD_IDS:
        _WORD_IDS.clear()
    digest = hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    _WORD_IDS[word] = found = int.from_bytes(digest, "little")
    return found


def _hashes(words: list[str]) -> np.ndarray:
    """The 64-bit hash of each shingle of consecutive words (none if fewer than SHINGLE_WORDS)."""
    if len(words) < SHINGLE_WORDS:
        return np.empty(0, dtype=np.uint64)
    known = list(map(_WORD_IDS.get, words))
    if None in known:
        known = [i if i is not None else _new_word_id(w) for i, w in zip(known, words, strict=True)]
    ids = np.array(known, dtype=np.uint64)
    n = len(words) - SHINGLE_WORDS + 1
    # uint64 arithmetic wraps, which is what a hash wants.
    out = ids[:n] * _POSITION[0]
    for j in range(1, SHINGLE_WORDS):
        out = out + ids[j:j + n] * _POSITION[j]
    return out


def shingles(text: str) -> np.ndarray:
    """The sorted, distinct shingle hashes of a script's compared parts."""
    return _distinct([
        _hashes(text[start:end].casefold().translate(_SEPARATORS_TO_SPACE).split())
        for start, end in compared_parts(text)])


def whole_text_shingles(text: str) -> np.ndarray:
    """The sorted, distinct shingle hashes of all of a text, quotations and references too: for
    a case-study paper, where every word is the paper's own (paper_likeness.py)."""
    return _distinct([_hashes(text.casefold().translate(_SEPARATORS_TO_SPACE).split())])


def _distinct(found: list[np.ndarray]) -> np.ndarray:
    values = np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.uint64)
    if not len(values):
        return values
    # np.sort then dropping repeats: much faster than np.unique on arrays this size.
    return values[np.concatenate(([True], values[1:] != values[:-1]))]


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[int, float]:
    """(shared shingles, percent of the smaller set's shingles found in the other)."""
    if not len(a) or not len(b):
        return 0, 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared, 100.0 * shared / min(len(a), len(b))


def containment(script: np.ndarray, source: np.ndarray) -> tuple[int, float]:
    """(shared shingles, percent of the script's shingles found in the source)."""
    if not len(script) or not len(source):
        return 0, 0.0
    shared = len(np.intersect1d(script, source, assume_unique=True))
    return shared, 100.0 * shared / len(script)


@dataclass(frozen=True)
class Match:
    """Two scripts (or a script and its case study) over the threshold."""

    key: Hashable  # a script being checked
    other: Hashable  # another script being checked, an earlier script, or a source
    shared: int
    percent: float


def signature(values: np.ndarray) -> np.ndarray:
    """The MinHash signature of a sorted, distinct shingle set, by one permutation hashing:
    the top 8 bits of a shingle's hash pick one of SIGNATURE_BINS bins and each bin keeps its
    smallest hash, which in sorted order is the first of its bin. An empty bin borrows the
    value of the next filled bin (circularly), changed by the distance, so two sets agree on a
    bin with probability close to their Jaccard similarity (Shrivastava and Li, 2014)."""
    bins = values >> np.uint64(64 - _BIN_BITS)
    wanted = np.arange(SIGNATURE_BINS, dtype=np.uint64)
    first = np.searchsorted(bins, wanted)
    filled = np.flatnonzero(first < len(values))
    filled = filled[bins[first[filled]] == wanted[filled]]
    take = filled[np.searchsorted(filled, np.arange(SIGNATURE_BINS)) % len(filled)]
    distance = ((take - np.arange(SIGNATURE_BINS)) % SIGNATURE_BINS).astype(np.uint64)
    return values[first[take]] ^ (distance * _POSITION[0])


def _close_enough(key: Hashable, other: Hashable, counted: tuple[int, float],
                  threshold: float) -> Match | None:
    """The pair if its (shingles shared, percent) reaches the threshold with enough shared."""
    shared, percent = counted
    if shared >= MIN_SHARED_SHINGLES and percent >= threshold:
        return Match(key, other, shared, percent)
    return None


def match(key: Hashable, script: np.ndarray, other: Hashable, other_script: np.ndarray,
          threshold: float) -> Match | None:
    """The pair if its exact overlap reaches the threshold with enough shingles shared."""
    return _close_enough(key, other, overlap(script, other_script), threshold)


def source_match(key: Hashable, script: np.ndarray, source: Hashable, source_set: np.ndarray,
                 threshold: float) -> Match | None:
    """The script and its source (a case study) if enough of the script is the source's."""
    return _close_enough(key, source, containment(script, source_set), threshold)


def signatures(sets: list[np.ndarray]) -> np.ndarray:
    """The signatures of non-empty shingle sets, one row each."""
    return (np.stack([signature(s) for s in sets]) if sets
            else np.empty((0, SIGNATURE_BINS), dtype=np.uint64))


def script_matches(keys: list[Hashable], signed: np.ndarray, sizes: np.ndarray,
                   earlier: Iterable[tuple[list[Hashable], np.ndarray, np.ndarray]],
                   shingles_of: Callable[[set], dict[Hashable, np.ndarray]], threshold: float,
                   batch: int = EARLIER_CHUNK) -> list[Match]:
    """Every pair over `threshold` percent of a script (keys, with their signatures and numbers
    of shingles) with another of them or with an earlier script (chunks of keys, signatures and
    sizes, read one at a time): candidates first, then counted exactly on shingle sets fetched
    `batch` pairs at a time. Earlier scripts are never compared with each other."""
    pairs: list[tuple[Hashable, Hashable]] = []
    if keys:
        seen: list[list[Hashable]] = []

        def chunks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for chunk_keys, chunk, chunk_sizes in earlier:
                seen.append(chunk_keys)
                yield chunk, chunk_sizes

        bar = Bar(threshold, MIN_SHARED_SHINGLES)
        for number, rows, others in candidates(signed, sizes, chunks(), bar):
            other_keys = keys if number < 0 else seen[number]
            pairs += [(keys[a], other_keys[b])
                      for a, b in zip(rows.tolist(), others.tolist(), strict=True)]
    found = []
    for at in range(0, len(pairs), batch):
        part = pairs[at:at + batch]
        sets = shingles_of({key for pair in part for key in pair})
        found += [m for a, b in part if (m := match(a, sets[a], b, sets[b], threshold))]
    return found


def source_matches(scripts: Iterable[tuple[Hashable, np.ndarray]],
                   sources: dict[Hashable, np.ndarray], threshold: float) -> list[Match]:
    """Every script (key and shingle set) over `threshold` percent with a source."""
    return [m for key, script in scripts for source, source_set in sources.items()
            if (m := source_match(key, script, source, source_set, threshold))]


def find_matches(current: dict[Hashable, str], earlier: dict[Hashable, str],
                 sources: dict[Hashable, str], threshold: float,
                 chunk: int = EARLIER_CHUNK) -> list[Match]:
    """Every pair over `threshold` percent: each current script against every other current
    script and every earlier one (earlier scripts searched `chunk` at a time), and against each
    source. The same search as a window's check (services/similarity.py), on texts in memory."""
    sets = {key: shingles(text) for key, text in {**earlier, **current}.items()}
    mine = [key for key in current if len(sets[key])]
    before = [key for key in earlier if len(sets[key])]
    def sizes(keys: list[Hashable]) -> np.ndarray:
        return np.array([len(sets[k]) for k in keys], dtype=np.int64)

    chunks = ((keys, signatures([sets[k] for k in keys]), sizes(keys))
              for keys in (before[at:at + chunk] for at in range(0, len(before), chunk)))
    found = script_matches(mine, signatures([sets[k] for k in mine]), sizes(mine), chunks,
                           lambda keys: {k: sets[k] for k in keys}, threshold, chunk)
    found += source_matches(((key, sets[key]) for key in current),
                            {key: shingles(text) for key, text in sources.items()}, threshold)
    return sorted(found, key=lambda m: -m.percent)


def _word_spans(text: str) -> tuple[list[Span], np.ndarray]:
    """Each compared word's place in the text, and the hash of the shingle starting at each
    word (0 where no whole shingle starts within the same part)."""
    spans, starts = [], []
    for start, end in compared_parts(text):
        found = list(_WORD.finditer(text, start, end))
        hashes = _hashes([m.group().casefold() for m in found])
        spans.extend(Span(m.start(), m.end()) for m in found)
        starts.append(np.concatenate([hashes, np.zeros(len(found) - len(hashes), np.uint64)]))
    return spans, (np.concatenate(starts) if starts else np.empty(0, dtype=np.uint64))


def _passages(text: str, spans: list[Span], starts: np.ndarray, shared: np.ndarray) -> list[Span]:
    covered = np.zeros(len(spans), dtype=bool)
    for i in np.flatnonzero(np.isin(starts, shared) & (starts != 0)):
        covered[i:i + SHINGLE_WORDS] = True
    runs: list[list[int]] = []
    for i in np.flatnonzero(covered):
        # Words next to each other (only spaces or punctuation between) make one passage.
        if runs and runs[-1][1] == i - 1 and _WORD.search(
                text, spans[i - 1].end, spans[i].start) is None:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return [Span(spans[first].start, spans[last].end) for first, last in runs
            if last - first + 1 >= MIN_PASSAGE_WORDS]


def shared_passages(text_a: str, text_b: str) -> tuple[list[Span], list[Span]]:
    """The passages of each text that the other also has (whole shared shingles), for the
    side-by-side view."""
    spans_a, starts_a = _word_spans(text_a)
    spans_b, starts_b = _word_spans(text_b)
    shared = np.intersect1d(starts_a[starts_a != 0], starts_b[starts_b != 0])
    return (_passages(text_a, spans_a, starts_a, shared),
            _passages(text_b, spans_b, starts_b, shared))


def segments(text: str, passages: list[Span]) -> list[tuple[str, bool]]:
    """The text cut into (piece, shared) pieces in order, for highlighting."""
    out, at = [], 0
    for p in passages:
        if p.start > at:
            out.append((text[at:p.start], False))
        out.append((text[p.start:p.end], True))
        at = p.end
    if at < len(text):
        out.append((text[at:], False))
    return out
