"""Pages go gzip-compressed to a browser that accepts gzip, when the request came from this
site or from the person (never from another site: BREACH); streamed downloads still stream."""

import gzip

import pytest
from bulk import seeded_windows
from factories import PASSWORD, login
from marking.conftest import AFTER_CLOSE
from moments import DURING, RELEASED

# What Chromium sends with a link followed, or a form posted, on the site itself.
ON_THIS_SITE = {"Accept-Encoding": "gzip, deflate, br, zstd", "Sec-Fetch-Site": "same-origin"}


def vary(response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("Vary", "").split(",")}


def test_the_editor_is_gzipped_for_a_browser_that_accepts_it(journey, clock):
    journey.at(RELEASED)
    plain = journey.client.get(journey.url("/response"))
    zipped = journey.client.get(journey.url("/response"), headers=ON_THIS_SITE)
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    page = gzip.decompress(zipped.data).decode()
    assert 'id="text"' in page and "</html>" in page
    assert len(zipped.data) < len(page) / 2
    assert int(zipped.headers["Content-Length"]) == len(zipped.data)
    assert "Content-Encoding" not in plain.headers and "</html>" in plain.text
    assert {"accept-encoding", "sec-fetch-site"} <= vary(zipped) & vary(plain)


@pytest.mark.parametrize("site", ["none", "same-origin"])
def test_a_page_the_person_asked_for_is_gzipped(journey, clock, site):
    """Typed or bookmarked (none), or reached on the site (same-origin)."""
    journey.at(RELEASED)
    response = journey.client.get(journey.url(), headers=dict(ON_THIS_SITE, **{
        "Sec-Fetch-Site": site}))
    assert response.headers["Content-Encoding"] == "gzip"


@pytest.mark.parametrize("site", ["cross-site", "same-site", None])
def test_a_page_another_site_asked_for_is_never_compressed(journey, clock, site):
    """BREACH: another site makes the browser ask, with guesses in the query or the form, and
    reads the compressed length off the network. Such requests say so in Sec-Fetch-Site (no
    page can set it); a browser too old to send it gets the page uncompressed too."""
    journey.at(RELEASED)
    headers = {"Accept-Encoding": "gzip", **({"Sec-Fetch-Site": site} if site else {})}
    response = journey.client.get(journey.url("/response"), headers=headers)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert "</html>" in response.text
    assert "sec-fetch-site" in vary(response)


def test_a_streamed_csv_download_still_streams_uncompressed(app, clock):
    window_id = seeded_windows(app, clock, (3,), DURING, AFTER_CLOSE, released=True)[3]
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    response = admin.get(f"/admin/windows/{window_id}/export/marks.csv", headers=ON_THIS_SITE)
    assert response.status_code == 200 and response.is_streamed
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).count("\n") >= 4  # a header and three scripts
