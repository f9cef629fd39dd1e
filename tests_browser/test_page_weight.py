"""Page weight as a browser sees it: scripts and styles by fingerprinted names, gzip, kept."""

import re


def test_scripts_and_styles_arrive_compressed_and_kept_for_a_year(pages):
    static = []
    pages.page.on("response", lambda r: static.append(r) if "/static/" in r.url else None)
    pages.goto("/login", "sign-in")
    linked = {r.url.rsplit("/static/", 1)[1]: r for r in static
              if r.url.endswith((".css", ".js")) and r.request.resource_type in ("stylesheet", "script")}
    css = [name for name in linked if name.startswith("css/app.")]
    assert css and re.fullmatch(r"css/app\.[0-9a-f]{12}\.css", css[0])
    for name in [css[0], *(n for n in linked if n.startswith("js/"))]:
        response = linked[name]
        headers = response.all_headers()
        assert headers.get("content-encoding") == "gzip", name
        assert "immutable" in headers["cache-control"], name
    # The stylesheet crosses the network at a fraction of its 130 KB.
    assert linked[css[0]].request.sizes()["responseBodySize"] < 25_000
    pages.assert_clean()


def test_pages_arrive_gzipped_in_a_real_browser(pages):
    """Chromium says a typed address is the person's own (Sec-Fetch-Site: none) and a link on
    the site the site's own (same-origin), so both pages come compressed."""
    typed = pages.page.goto("/login")
    assert typed.all_headers().get("content-encoding") == "gzip"
    pages.check("sign-in")
    with pages.page.expect_navigation() as followed:
        pages.page.get_by_role("link", name="Forgotten your password, or never set one?").click()
    assert followed.value.all_headers().get("content-encoding") == "gzip"
    pages.check("forgotten password")
    pages.assert_clean()
