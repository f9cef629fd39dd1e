"""Case-study files: Markdown with YAML front matter under case_studies/, plus an optional handout."""

import xml.etree.ElementTree as etree
from dataclasses import dataclass
from pathlib import Path

import frontmatter
import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from .npqs import NPQ_CODES

HANDOUT_SUFFIXES = (".docx", ".pdf")


class CaseStudyError(Exception):
    """A case-study file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class CaseStudyFile:
    npq: str
    title: str
    summary: str
    body_markdown: str
    handout_filename: str | None
    source_path: Path
    word_count: int


def load_case_study(path) -> CaseStudyFile:
    path = Path(path)
    try:
        post = frontmatter.load(path)
    except Exception as error:
        raise CaseStudyError(f"{path.name}: the front matter could not be read ({error})") from None
    meta = post.metadata
    npq = str(meta.get("npq", "")).strip().upper()
    if npq not in NPQ_CODES:
        raise CaseStudyError(f"{path.name}: npq must be one of {', '.join(NPQ_CODES)}")
    title = str(meta.get("title") or "").strip()
    if not title:
        raise CaseStudyError(f"{path.name}: title is missing")
    if not post.content.strip():
        raise CaseStudyError(f"{path.name}: the case study has no text")
    handout = meta.get("handout")
    if handout:
        handout = str(handout)
        if Path(handout).suffix.lower() not in HANDOUT_SUFFIXES:
            raise CaseStudyError(f"{path.name}: handout must be a .docx or .pdf file")
        if Path(handout).name != handout or not (path.parent / handout).is_file():
            raise CaseStudyError(f"{path.name}: handout {handout} is not beside the file")
    return CaseStudyFile(
        npq=npq,
        title=title,
        summary=str(meta.get("summary") or "").strip(),
        body_markdown=post.content,
        handout_filename=handout or None,
        source_path=path,
        word_count=len(post.content.split()),
    )


def available_case_studies(directory) -> list[CaseStudyFile]:
    return [load_case_study(p) for p in sorted(Path(directory).glob("*.md"))]


_CLASSES = {
    "h1": "govuk-heading-xl",
    "h2": "govuk-heading-l",
    "h3": "govuk-heading-m",
    "h4": "govuk-heading-s",
    "p": "govuk-body",
    "ul": "govuk-list govuk-list--bullet",
    "ol": "govuk-list govuk-list--number",
    "table": "govuk-table",
    "thead": "govuk-table__head",
    "tbody": "govuk-table__body",
    "tr": "govuk-table__row",
    "th": "govuk-table__header",
    "td": "govuk-table__cell",
    "a": "govuk-link",
    "blockquote": "govuk-inset-text",
}


class _GovukClasses(Treeprocessor):
    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    # Wide data tables scroll sideways on a phone instead of breaking the page.
                    wrapper = etree.Element("div", {"class": "app-table-scroll", "tabindex": "0",
                                                    "role": "region", "aria-label": "Table"})
                    parent.remove(child)
                    wrapper.append(child)
                    parent.insert(index, wrapper)
        for element in root.iter():
            if element.tag in _CLASSES:
                element.set("class", _CLASSES[element.tag])
            if element.tag == "th" and element.get("style") is None:
                element.set("scope", "col")


class _GovukExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_GovukClasses(md), "govuk_classes", 0)
        # Case studies are text: raw HTML in a file is shown as text, never run.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def render_case_study(markdown_text: str) -> Markup:
    html = markdown.markdown(markdown_text, extensions=["tables", "sane_lists", _GovukExtension()])
    return Markup(html)
