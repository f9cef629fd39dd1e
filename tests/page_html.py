"""Read a page as a browser would: its HTML parsed, so tests assert on elements and attributes
(labels, ids, aria-*) rather than on substrings."""

from lxml import html
from werkzeug.datastructures import MultiDict


def parse(response) -> html.HtmlElement:
    return html.fromstring(response.text)


def classed(name: str) -> str:
    """An XPath test for elements with the class `name` (one of the words of @class)."""
    return f'contains(concat(" ", normalize-space(@class), " "), " {name} ")'


def one(page: html.HtmlElement, xpath: str) -> html.HtmlElement:
    """The single element `xpath` finds (the test fails if there are none or several)."""
    found = page.xpath(xpath)
    assert len(found) == 1, f"{len(found)} elements match {xpath!r}"
    return found[0]


def by_id(page: html.HtmlElement, element_id: str) -> html.HtmlElement:
    return one(page, f'//*[@id="{element_id}"]')


def has_class(element: html.HtmlElement, name: str) -> bool:
    return name in (element.get("class") or "").split()


def described_by(element: html.HtmlElement) -> list[str]:
    return (element.get("aria-describedby") or "").split()


def error_links(page: html.HtmlElement) -> list[str]:
    """The hrefs of the error summary's links: where each error sends the keyboard."""
    return page.xpath(f"//*[{classed('govuk-error-summary__list')}]//a/@href")


def page_summary(page: html.HtmlElement) -> html.HtmlElement:
    """The error summary's list."""
    return one(page, f"//*[{classed('govuk-error-summary__list')}]")


def text_of(element: html.HtmlElement) -> str:
    """The element's text as read, whitespace collapsed."""
    return " ".join(element.text_content().split())


def confirmed_post(client, url: str, data: dict, follow_redirects=True):
    """Post `data` to an action that shows a "Check before you ..." page, then press its
    button, as an admin would: the second post sends back what the page's form holds."""
    check = client.post(url, data=data)
    assert check.status_code == 200 and "Check before you" in check.text, check.text
    form = one(parse(check), "//form[.//button[starts-with(normalize-space(), 'Confirm and')]]")
    fields = [(i.get("name"), i.get("value")) for i in form.xpath(".//input[@type='hidden']")]
    return client.post(url, data=MultiDict(fields), follow_redirects=follow_redirects)
