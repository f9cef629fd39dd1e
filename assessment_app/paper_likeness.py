"""Near-copies among case-study papers (no Flask): two papers whose texts are near-copies are
the same paper for the rule that nobody reads a paper twice (domain.md, "Papers").

How: the text participants read (the paper's Markdown, every word of it, quotations included)
is cut into shingles of five words, case-folded, as the similarity checks do
(similarity.whole_text_shingles). Two papers are the same paper when at least
SAME_PAPER_PERCENT of the shorter paper's shingles are also in the other and they share at
least MIN_SHARED_SHINGLES: so a copy with a word changed in each paragraph, a new title or
school name, or extra sections added, is the same paper (whoever read either has read most of
both), while two papers written for one NPQ, which share stock phrases, are not. One word
changed in a 2,000-word paper leaves 99.7% of its shingles alike; separate papers share a few.
"""

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from math import floor

import numpy as np

from .similarity import MIN_SHARED_SHINGLES, overlap, whole_text_shingles

SAME_PAPER_PERCENT = 80


@dataclass(frozen=True)
class Likeness:
    """Another paper that is the same paper as the one compared."""

    key: Hashable
    shared: int
    # The share of the shorter paper's shingles found in the other.
    percent: float

    @property
    def whole_percent(self) -> int:
        """Rounded down, so a figure shown is never over the true one."""
        return floor(self.percent)


@lru_cache(maxsize=256)
def _shingles(text: str) -> np.ndarray:
    values = whole_text_shingles(text)
    values.flags.writeable = False  # shared by every caller through the cache
    return values


def is_same_paper(shared: int, percent: float) -> bool:
    return shared >= MIN_SHARED_SHINGLES and percent >= SAME_PAPER_PERCENT


def likeness(text: str, other: str) -> tuple[int, float]:
    """(shared shingles, percent of the shorter text's shingles found in the other)."""
    return overlap(_shingles(text), _shingles(other))


def near_copies(text: str, others: Mapping[Hashable, str]) -> list[Likeness]:
    """The texts among `others` that are the same paper as `text`, the most alike first."""
    found = []
    for key, other in others.items():
        shared, percent = likeness(text, other)
        if is_same_paper(shared, percent):
            found.append(Likeness(key, shared, percent))
    return sorted(found, key=lambda like: -like.percent)
