"""Markup every page shares, checked on every page the role-by-route walk renders (each route
as each of its seven people): no id twice, elements closed in the order they were opened, no
`required` on the <div> round a date's three inputs. The browser suite's Nu checker holds the
rest of HTML validity; these catch the same faults without a browser or a Java runtime."""

import re
from collections import Counter
from html.parser import HTMLParser

from factories import login, make_user, make_window
from flask import g, request, request_finished
from lxml import html as lxml_html
from marking.conftest import AFTER_CLOSE
from page_html import classed
from web.test_role_by_route import WHO, walk, world  # noqa: F401

from assessment_app.models import Role
from assessment_app.settings import PROJECT_ROOT

# Elements HTML closes by itself or that have no end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class Nesting(HTMLParser):
    """Ids and every end tag that does not close the element opened last."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.ids: Counter[str] = Counter()
        self.faults: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids[attributes["id"]] += 1
        if tag not in VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.open or self.open[-1] != tag:
            self.faults.append(f"</{tag}> closes <{self.open[-1] if self.open else 'nothing'}>")
            return
        self.open.pop()


def rendered_pages(app, world):  # noqa: F811
    """(who, path, html) of every HTML page the walk renders, forms with their errors too."""
    # Forms carry their CSRF fields as in production, yet the walk's bare posts still reach
    # their views: the request counts as checked, as CSRFProtect marks one it has checked.
    app.config.update(WTF_CSRF_ENABLED=True, WTF_CSRF_CHECK_DEFAULT=False)
    app.before_request(lambda: setattr(g, "csrf_valid", True))
    pages = []

    def keep(_sender, response, **_extra):
        if response.mimetype == "text/html" and not response.is_streamed:
            pages.append((request.path, response.get_data(as_text=True)))

    with request_finished.connected_to(keep, app):
        for who in WHO:
            before = len(pages)
            walk(app, world, who)
            pages[before:] = [(who, path, html) for path, html in pages[before:]]
    return pages


def test_no_page_repeats_an_id_or_closes_an_element_out_of_order(app, world, clock):  # noqa: F811
    """The misconduct case page's three forms once gave three `id="csrf_token"`, two flashed
    banners two titles of one id, and every required date `required` on its group."""
    clock.at(AFTER_CLOSE)
    pages = rendered_pages(app, world)
    assert len(pages) > 150
    problems = [f"{path} as {who}: {fault}" for who, path, html in pages
                for fault in markup_faults(html)]
    assert not problems, "\n".join(problems)
    # The walk reaches forms with dates (an EC claim, an extension), so the check below is held.
    assert any("govuk-date-input" in html for _who, _path, html in pages)


def markup_faults(html: str) -> list[str]:
    parser = Nesting()
    parser.feed(html)
    parser.close()
    repeated = sorted(i for i, n in parser.ids.items() if n > 1)
    faults = [f"ids more than once: {repeated}"] if repeated else []
    required = lxml_html.fromstring(html).xpath(f"//div[{classed('govuk-date-input')}][@required]")
    faults += [f"required on the date group {d.get('id')}" for d in required]
    return faults + parser.faults[:3]


def test_reports_with_no_rows_close_what_they_open(app, client, clock):
    """With nothing allocated or second-marked, the two tables' pages still nest: the
    marking-progress report once closed <main> with the </div> of the table it did not show."""
    clock.at(AFTER_CLOSE)
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        window_id = make_window(admin=admin).id
    login(client, "admin@example.org")
    for url in (f"/admin/windows/{window_id}/reports/markers", "/marking/agreement"):
        page = client.get(url)
        assert page.status_code == 200 and "yet." in page.text, url
        assert markup_faults(page.text) == [], url


def test_every_template_writes_its_csrf_field_with_csrf_field():
    """A form's own `csrf_token` field renders `id="csrf_token"` (and renders nothing at all
    with CSRF off, as in most tests, so the walk above would not see it)."""
    other = re.compile(r"csrf_token(\(\))?\s*}}|hidden_tag\(")
    found = [f"{path.relative_to(PROJECT_ROOT)}:{n}"
             for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
             for n, line in enumerate(path.read_text().splitlines(), 1) if other.search(line)]
    assert found == []
