"""Every form field, query parameter and uploaded file name, normalised as the request is read.

One place for all of them (and whole numbers read with get(..., type=int) kept to what a
database column holds), as for the response text: text_intake.normalise for every value
(NUL, which PostgreSQL refuses, and other invisible controls removed; lone surrogates replaced;
NFC), text_intake.file_name for file names (no line breaks or controls, which a download's
header cannot carry). Views, forms and services then never see such characters, whichever
field or page they come through. Passwords are left exactly as typed: they are only hashed,
never stored or shown, and a changed password would no longer match its hash.
"""

from flask import Request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict

from .text_intake import file_name, normalise


def _kept_as_typed(key: str) -> bool:
    return "password" in key.lower()


def _cleaned(key: str, value):
    if isinstance(value, FileStorage):
        if value.filename:
            value.filename = file_name(value.filename)
        return value
    if isinstance(value, str) and not _kept_as_typed(key):
        return normalise(value)
    return value


class NormalisedMultiDict(ImmutableMultiDict):
    """The request's parameters with every key and value normalised."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = [(k, one) for k, v in mapping.items()
                     for one in (v if isinstance(v, list | tuple) else [v])]
        else:
            pairs = mapping
        super().__init__([(normalise(k) if isinstance(k, str) else k, _cleaned(k, v))
                          for k, v in pairs])


    def get(self, key, default=None, type=None):
        """As MultiDict.get; a whole number no database column holds reads as absent (an id
        of 10**30 in a query would otherwise fail in the database driver)."""
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not -(2**63) <= value < 2**63:
            return default
        return value


class NormalisedRequest(Request):
    parameter_storage_class = NormalisedMultiDict
