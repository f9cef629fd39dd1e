"""Response text as it comes in (typed, autosaved or read from a .docx), normalised once.

NFC, so the same words are the same characters whatever keyboard or program produced them (the
receipt's SHA-256 and later comparisons depend on it). C0 and C1 control characters other than
tab and the line breaks are removed: they are invisible, PostgreSQL refuses NUL outright (a
draft must never be refused), and none of them separates words or is a letter, so removing
them never changes the count. A lone surrogate (not valid Unicode, refused by the database
driver) becomes U+FFFD.
"""

import re
import unicodedata

# Kept: tab, LF, VT, FF, CR and NEL (U+0085), the controls the word count reads as separators.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text)))
