"""Text read from an admin's file (a rubric, a case study) that we can store and show.

YAML escapes ("\\0", "\\ud800") and stray bytes can put characters in a value that no database
column or web page can hold: PostgreSQL refuses NUL in text, and a lone surrogate cannot be
encoded as UTF-8, so either would fail a page long after the file was accepted. Such text is
refused when the file is read, with the line and the character named.
"""

import unicodedata

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def unusable_character(text: str) -> str | None:
    """Where the first character that cannot be stored or shown is ("line 3: U+0000"), else None."""
    for number, line in enumerate(text.split("\n"), start=1):
        for char in line:
            if char not in _ALLOWED_CONTROLS and unicodedata.category(char) in ("Cc", "Cs"):
                return f"line {number}: U+{ord(char):04X}"
    return None


def printable(text: str) -> str:
    """`text` safe to put in a message: characters that cannot be shown written as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
