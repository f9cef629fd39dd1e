"""Where a `next` value may send someone: a path on this site, judged as a browser reads it.

A check on the string as received is not enough: browsers drop tabs and line breaks anywhere in
a URL, trim leading and trailing control characters and spaces, and read a backslash as a
slash, so "/\\t/evil.example" and "/\\\\evil.example" both leave the site. We apply the same
clean-up first, judge the result, and judge it again with percent-escapes decoded, so an
encoded variant is refused too. No Flask here: the sign-in view passes in which paths are routes.
"""

from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

_DROPPED_ANYWHERE = str.maketrans("", "", "\t\n\r")
_TRIMMED = "".join(map(chr, range(0x21)))  # C0 controls and the space
_MAX_DECODES = 5  # "%25252F" is still "/" after three; more layers than this are refused


def as_browser_reads(target: str) -> str:
    """The URL a browser would follow for `target` (WHATWG URL parsing's clean-up)."""
    return target.translate(_DROPPED_ANYWHERE).strip(_TRIMMED).replace("\\", "/")


def _is_plain_path(target: str) -> bool:
    """A path from this site's root: one leading slash, no scheme, no host, no control chars."""
    if not target.startswith("/") or target.startswith("//"):
        return False
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def local_path(target: str | None, is_route: Callable[[str], bool]) -> str | None:
    """`target` as a path of this site (its query kept), or None if it could lead anywhere else
    or names no route (`is_route(path)`)."""
    if not target:
        return None
    cleaned = as_browser_reads(target)
    decoded = cleaned
    for _ in range(_MAX_DECODES):
        if not _is_plain_path(as_browser_reads(decoded)):
            return None
        once_more = unquote(decoded)
        if once_more == decoded:
            break
        decoded = once_more
    else:
        return None
    parts = urlsplit(cleaned)
    if not is_route(parts.path):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))
