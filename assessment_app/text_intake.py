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


# The C0 controls removed (and DEL), as their one-byte UTF-8 encodings.
_C0_REMOVED = bytes(range(0x20)).translate(None, b"\t\n\x0b\x0c\r") + b"\x7f"


def normalise(text: str) -> str:
    if _may_need_cleaning(text):
        text = _CONTROLS.sub("", _SURROGATES.sub("\ufffd", text))
    return unicodedata.normalize("NFC", text)


def _may_need_cleaning(text: str) -> bool:
    """False only when the text has no lone surrogate and no control that is removed: decided
    from its UTF-8 bytes (surrogates cannot be encoded; C0 controls are single bytes; every C1
    control starts with byte C2), several times faster than searching the text itself."""
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return b"\xc2" in encoded or len(encoded.translate(None, _C0_REMOVED)) != len(encoded)
