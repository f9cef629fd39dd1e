"""Text that must stay on one line (an email's subject and the names that feed it): what counts
as a line break, a form validator that refuses one, and a fold for the mail layer.

A line break in a header ends it: Python's email package refuses to write one, so an email with
one in its subject can never be sent. "Line break" is Python's own (str.splitlines): CR, LF,
vertical tab, form feed, the file/group/record separators, NEL, and the Unicode line and
paragraph separators, which survive a paste from a word processor.
"""

import re

from wtforms.validators import ValidationError

LINE_BREAKS = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# Line breaks and every other control character, folded to one space for a header.
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def has_line_break(text: str) -> bool:
    return LINE_BREAKS.search(text) is not None


def folded(text: str) -> str:
    """The text on one line, fit for an email header: every run of control characters
    (line breaks included) becomes one space."""
    return _HEADER_UNSAFE.sub(" ", text).strip()


class SingleLine:
    """A WTForms validator: refuse a value with a line break, saying which field."""

    def __init__(self, what: str):
        self.message = (f"{what} must be on one line: remove the line break (it may have come "
                        "with a paste)")

    def __call__(self, _form, field) -> None:
        if isinstance(field.data, str) and has_line_break(field.data):
            raise ValidationError(self.message)
