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


# Characters a file name never needs and a header or a listing must never carry: every control
# (line breaks and tabs included), the line and paragraph separators, and the bidirectional
# overrides that can make "exe.pdf" read as "fdp.exe".
_NOT_IN_A_FILE_NAME = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def file_name(name: str) -> str:
    """An uploaded file's name as it may be stored, shown and sent back in a header: NFC, with
    no control, separator or direction override characters, trimmed."""
    return unicodedata.normalize("NFC", _NOT_IN_A_FILE_NAME.sub("", name)).strip()


# Characters XML 1.0 cannot hold (a Word document, or any XML): the C0 controls but tab and the
# line breaks, lone surrogates and the two non-characters. Vertical tab and form feed are a
# manual line break and a page break pasted from Word, so they become line breaks.
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """`text` as an XML document can hold it (python-docx refuses the rest)."""
    return _NOT_XML.sub("", text.replace("\x0b", "\n").replace("\x0c", "\n"))
