"""The case study is rendered once per paper version, handouts are cached only by their reader,
static files by everyone; the release rule is still checked on every request."""

import re

import pytest
from factories import count_queries, login, make_entry, make_paper, make_user, make_window
from moments import BEFORE_RELEASE, RELEASED
from page_html import parse

from assessment_app import case_studies
from assessment_app.downloads import attachment_disposition
from assessment_app.extensions import db
from assessment_app.models import CasePaper, Entry, PaperHandout, Role
from assessment_app.services.papers import text_sha256


@pytest.fixture
def renders(monkeypatch):
    """Counts real renders of case-study Markdown, starting from an empty cache."""
    calls = []
    real = case_studies.render_case_study

    def counting(markdown_text):
        calls.append(markdown_text)
        return real(markdown_text)

    case_studies._RENDERED.clear()
    monkeypatch.setattr(case_studies, "render_case_study", counting)
    yield calls
    case_studies._RENDERED.clear()


def _paper_of(app, entry_id) -> int:
    with app.app_context():
        return db.session.get(Entry, entry_id).paper.paper_id


def test_case_study_is_rendered_once_for_many_requests(journey, clock, renders):
    """Twenty requests for the same paper version render its Markdown once."""
    journey.at(RELEASED)
    for _ in range(20):
        page = journey.client.get(journey.url("/case-study"))
        assert page.status_code == 200
        assert "SECRET-CASE-STUDY-TEXT NPQLTD" in page.text
    assert len(renders) == 1


def test_a_changed_paper_shows_its_new_text(app, journey, clock, renders):
    """The cache is keyed by the paper's text SHA-256: new text is rendered, never the old copy."""
    journey.at(RELEASED)
    assert "SECRET-CASE-STUDY-TEXT" in journey.client.get(journey.url("/case-study")).text
    with app.app_context():
        paper = db.session.get(CasePaper, _paper_of(app, journey.entry_id))
        paper.markdown = "## Changed\n\nA CORRECTED PAPER."
        paper.text_sha256 = text_sha256(paper.markdown)
        db.session.commit()
    page = journey.client.get(journey.url("/case-study")).text
    assert "A CORRECTED PAPER." in page and "SECRET-CASE-STUDY-TEXT" not in page
    assert len(renders) == 2


def test_cached_case_study_is_still_404_one_second_before_release(journey, clock, renders):
    """A rendered copy in the cache never bypasses the clock: at 00:00:59 the page is 404."""
    journey.at(RELEASED)
    assert journey.client.get(journey.url("/case-study")).status_code == 200
    journey.at(BEFORE_RELEASE)
    response = journey.client.get(journey.url("/case-study"))
    assert response.status_code == 404
    assert b"SECRET-CASE-STUDY-TEXT" not in response.data


def test_someone_elses_entry_stays_404_with_the_paper_cached(journey, clock, renders):
    journey.at(RELEASED)
    assert journey.client.get(journey.url("/case-study")).status_code == 200
    other = journey.client.get(journey.url("/case-study", entry_id=journey.other_entry_id))
    assert other.status_code == 404


def test_case_study_page_makes_a_fixed_number_of_statements(app, journey, clock, renders):
    """Signed-in user, then entry + window + NPQ + paper + handouts in one statement, whatever
    the window holds: more NPQs, papers, handouts and entrants add no statement."""
    journey.at(RELEASED)
    journey.client.get(journey.url("/case-study"))  # rendered once; later requests hit the cache
    small = count_queries(app, lambda: journey.client.get(journey.url("/case-study")))
    with app.app_context():
        window = make_window(name="Big window", npqs=("NPQLTD", "NPQSL", "NPQH"))
        participant = make_user(email="many@example.org")
        entry = make_entry(window, participant)
        paper = window.paper_for("NPQLTD").case_paper
        db.session.add(PaperHandout(paper_id=paper.id, filename="more.pdf", size=3, data=b"%PD",
                                    content_type="application/pdf", sha256="1" * 64))
        for i in range(5):
            make_entry(window, make_user(email=f"p{i}@example.org"))
        db.session.commit()
        entry_id = entry.id
    other = app.test_client()
    login(other, "many@example.org")
    other.get(journey.url("/case-study", entry_id))  # its first render also loads the text
    big = count_queries(app, lambda: other.get(journey.url("/case-study", entry_id)))
    assert small == big == 2


def test_handout_has_private_caching_headers(journey, clock):
    """ETag is the handout's SHA-256; only the reader's browser may keep it; a safe filename."""
    journey.at(RELEASED)
    response = journey.client.get(journey.url("/case-study/handouts/1"))
    assert response.status_code == 200
    assert response.data == b"PK-handout-bytes"
    assert response.headers["ETag"] == f'"{"0" * 64}"'
    cache = response.headers["Cache-Control"]
    assert "private" in cache and "max-age=3600" in cache
    assert "public" not in cache and "no-store" not in cache
    assert response.headers["Content-Disposition"] == 'attachment; filename="handout.docx"'


def test_handout_is_304_when_the_browser_has_it(journey, clock):
    """If-None-Match with the handout's SHA-256 gives 304 and no body."""
    journey.at(RELEASED)
    etag = journey.client.get(journey.url("/case-study/handouts/1")).headers["ETag"]
    again = journey.client.get(journey.url("/case-study/handouts/1"),
                               headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag and "private" in again.headers["Cache-Control"]
    other = journey.client.get(journey.url("/case-study/handouts/1"),
                               headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == b"PK-handout-bytes"


def test_handout_is_404_before_release_even_with_its_etag(journey, clock):
    """A browser that knows the ETag learns nothing before the release minute: 404, not 304."""
    journey.at(BEFORE_RELEASE)
    response = journey.client.get(journey.url("/case-study/handouts/1"),
                                  headers={"If-None-Match": f'"{"0" * 64}"'})
    assert response.status_code == 404


def test_admin_handout_has_the_same_caching(app, client, clock):
    """The admin's paper-bank download: private, ETag, 304."""
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        paper_id = make_paper(name="bank").id
        login(client, admin)
    url = f"/admin/papers/{paper_id}/handouts/1"
    response = client.get(url)
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_other_pages_are_still_never_cached(journey, clock):
    journey.at(RELEASED)
    assert journey.client.get(journey.url()).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("name, expected", [
    ("data.docx", 'attachment; filename="data.docx"'),
    ('a"b\\c.pdf', 'attachment; filename="a_b_c.pdf"; filename*=UTF-8\'\'a%22b%5Cc.pdf'),
    ("a\r\nSet-Cookie: x.pdf", 'attachment; filename="aSet-Cookie: x.pdf"'),
    ("Résumé.pdf", 'attachment; filename="Resume.pdf"; filename*=UTF-8\'\'R%C3%A9sum%C3%A9.pdf'),
])
def test_download_filename_cannot_break_the_header(name, expected):
    """Quotes, backslashes and line breaks never reach the header raw; other names keep UTF-8."""
    assert attachment_disposition(name) == expected


def test_static_files_are_fingerprinted_and_cached_for_a_year(journey, clock):
    """Pages link scripts and styles by a name carrying a hash of the file, and those URLs may be
    kept for a year or more; the plain name is revalidated, so a deployment is seen at once."""
    journey.at(RELEASED)
    page = journey.client.get(journey.url()).text
    fingerprint = re.search(r'/static/js/init\.([0-9a-f]{12})\.js"', page)
    assert fingerprint, "init.js is linked by its fingerprinted name"
    with journey.client.get(f"/static/js/init.{fingerprint[1]}.js") as response:
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
    max_age = int(re.search(r"max-age=(\d+)", cache)[1])
    assert max_age >= 31536000 and "public" in cache and "immutable" in cache
    with journey.client.get("/static/js/init.js") as plain:
        assert plain.status_code == 200
        assert "max-age=0" in plain.headers["Cache-Control"]
        assert "immutable" not in plain.headers["Cache-Control"]


# A module named in JavaScript by a string: `import "x"`, `from "x"`, `import("x")`.
MODULE_SPECIFIER = re.compile(r"""(?:\bimport\s*\(?|\bfrom)\s*["'`]([^"'`]+)["'`]""")
FINGERPRINTED = re.compile(r"\.[0-9a-f]{12}(\.[A-Za-z0-9]+)?$")


def test_every_static_file_a_page_names_is_fingerprinted_and_kept_for_a_year(journey, clock):
    """Stylesheet, scripts, GOV.UK Frontend (loaded by init.js from the URL the page gives)
    and the icons: none is checked again on the next page. A module a script imports by a
    relative name would be; so the served scripts import none by name."""
    journey.at(RELEASED)
    editor = parse(journey.client.get(journey.url("/response")))
    sign_in = parse(journey.client.application.test_client().get("/login"))
    urls = {value for page in (editor, sign_in) for element in page.iter()
            for value in element.attrib.values() if value.startswith("/static/")}
    named = {url.rsplit("/", 1)[1].split(".")[0] for url in urls}
    assert {"app", "init", "autosave", "wordcount", "govuk-frontend", "favicon", "manifest",
            "govuk-icon-180", "govuk-icon-mask"} <= named
    assert not [url for url in urls if not FINGERPRINTED.search(url)]
    for url in sorted(urls):
        with journey.client.get(url) as response:
            assert response.status_code == 200, url
            cache = response.headers["Cache-Control"]
            assert "immutable" in cache and int(re.search(r"max-age=(\d+)", cache)[1]) >= 31536000
            if url.endswith(".js"):
                assert MODULE_SPECIFIER.findall(response.text) == [], url
