"""`next` after sign-in: only a path of this site, judged after the clean-up a browser applies."""

import pytest

from assessment_app.local_redirects import as_browser_reads, local_path

ROUTES = {"/assessments/", "/admin/windows/3", "/marker/"}


def is_route(path: str) -> bool:
    return path in ROUTES


@pytest.mark.parametrize("target", [
    "//evil.example/x",
    "/\\evil.example",  # a backslash is a slash to a browser: "//evil.example"
    "\\\\evil.example",
    "/\t/evil.example",  # tabs and line breaks are dropped anywhere in a URL
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",  # leading spaces and C0 controls are trimmed
    "\x00//evil.example",
    "\x1f/\\evil.example",
    "http://evil.example/assessments/",
    "https:evil.example",
    "http:/evil.example",  # on an https site a browser reads this as http://evil.example
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "evil.example",
    "/%2F/evil.example",  # percent-encoded variants, once and twice
    "/%5Cevil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
    "/%252F/evil.example",
    "/%25252525252F/evil.example",  # more layers than we decode: refused, not followed
    "/assessments/\x7f",
    "/nowhere",  # a path of no route
    "",
    None,
])
def test_anything_that_could_leave_the_site_is_refused(target):
    assert local_path(target, is_route) is None


@pytest.mark.parametrize(("target", "followed"), [
    ("/assessments/", "/assessments/"),
    ("/admin/windows/3?tab=entries", "/admin/windows/3?tab=entries"),
    ("/marker/#queue", "/marker/"),  # the fragment never reaches the server anyway
    ("  /assessments/\t", "/assessments/"),  # cleaned exactly as the browser would
])
def test_a_path_of_this_site_is_followed(target, followed):
    assert local_path(target, is_route) == followed


def test_the_clean_up_is_the_browsers():
    """Tabs and line breaks go anywhere; C0 controls and spaces only at the ends."""
    assert as_browser_reads("\x01 /a\tb\nc\\d e \x02") == "/abc/d e"
