"""Case-study files: Markdown with YAML front matter under case_studies/, plus an optional handout.

A case-study file looks like this::

    ---
    npq: NPQLTD                       # one of npqs.NPQ_CODES
    title: "Oakfield Primary: ..."    # required
    summary: "One sentence."          # optional
    handout: npqltd-data.docx         # optional: a .docx or .pdf file beside this one
    ---

    ## The school
    ...

Every problem with a file raises CaseStudyError naming the file and the field, so a broken
file is never skipped silently. An uploaded file gets the same checks (parse_case_study) before
it goes into the paper bank (services/papers.py). No Flask here: the admin pages, the demo
seeder and the tests all use these functions directly.
"""

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import markdown
import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE
from markupsafe import Markup

from .file_text import printable, unusable_character
from .npqs import NPQ_CODES
from .version_cache import VersionCache

HANDOUT_SUFFIXES = (".docx", ".pdf")
FRONT_MATTER_FIELDS = ("npq", "title", "summary", "handout")


class CaseStudyError(Exception):
    """A case-study file that cannot be used; the message names the file and the field."""

    def __init__(self, path, field: str | None, problem: str):
        self.path = Path(path)
        self.field = printable(field) if field else field
        self.problem = printable(problem)
        where = f"{self.path.name}, field '{self.field}'" if field else self.path.name
        super().__init__(f"Case study {where}: {problem}")


@dataclass(frozen=True)
class CaseStudyFile:
    npq: str
    title: str
    summary: str
    body_markdown: str
    handout_filename: str | None
    source_path: Path
    # A rough size for admins (whitespace split). The rule for responses is
    # assessment_app/wordcount.py; this figure is never used to judge a word limit.
    word_count: int


# ---------------------------------------------------------------------------
# Loading


def load_case_study(path) -> CaseStudyFile:
    """Read and check one case-study file; raises CaseStudyError on any problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise CaseStudyError(path, None, f"cannot be read ({error.strerror or error})") from None
    study = parse_case_study(data, path)
    handout = study.handout_filename
    if handout is not None and not (path.parent / handout).is_file():
        raise CaseStudyError(path, "handout",
                             f"'{handout}' does not exist beside the case-study file")
    return study


def parse_case_study(data: bytes, name) -> CaseStudyFile:
    """Check a case-study file's bytes (an upload, or a file read from disk); `name` is its file name.

    A handout named in the front matter is checked as a name only: the caller checks the file.
    """
    path = Path(name)
    meta, body = _split_front_matter(path, data)

    unknown = sorted(set(meta) - set(FRONT_MATTER_FIELDS))
    if unknown:
        raise CaseStudyError(path, unknown[0],
                             f"is not a known field (use {', '.join(FRONT_MATTER_FIELDS)})")

    npq = _text_field(path, meta, "npq").upper()
    if not npq:
        raise CaseStudyError(path, "npq", f"is missing (use one of {', '.join(NPQ_CODES)})")
    if npq not in NPQ_CODES:
        raise CaseStudyError(path, "npq",
                             f"'{npq}' is not an NPQ code (use one of {', '.join(NPQ_CODES)})")

    title = _text_field(path, meta, "title")
    if not title:
        raise CaseStudyError(path, "title", "is missing")

    summary = _text_field(path, meta, "summary")

    if not body.strip():
        raise CaseStudyError(path, "body",
                             "is empty: there is no text after the front matter")
    bad = unusable_character(body)
    if bad:
        raise CaseStudyError(path, "body", f"has a control character that cannot be stored "
                                           f"({bad} after the front matter): remove it")

    handout = _text_field(path, meta, "handout") or None
    if handout is not None:
        check_handout_name(path, handout)

    return CaseStudyFile(
        npq=npq,
        title=title,
        summary=summary,
        body_markdown=body,
        handout_filename=handout,
        source_path=path,
        word_count=len(body.split()),
    )


def check_handout_name(path, handout: str) -> None:
    """A handout is a .docx or .pdf named without any folder; raises CaseStudyError if not."""
    if Path(handout).suffix.lower() not in HANDOUT_SUFFIXES:
        raise CaseStudyError(path, "handout",
                             f"'{handout}' must be a {' or '.join(HANDOUT_SUFFIXES)} file")
    if Path(handout).name != handout or handout.startswith(".") or "\\" in handout:
        raise CaseStudyError(path, "handout",
                             f"'{handout}' must be a file name only, with no folder")


def available_case_studies(directory) -> list[CaseStudyFile]:
    """Every *.md file in the directory (hidden files aside), sorted by file name.

    A broken file raises CaseStudyError rather than being left out of the list, and so does a
    missing directory.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CaseStudyError(directory, None, "the case-study folder does not exist")
    paths = sorted(
        (p for p in directory.glob("*.md") if p.is_file() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    return [load_case_study(p) for p in paths]


class _DuplicateKey(Exception):
    def __init__(self, key):
        self.key = key


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (plain YAML would keep the second silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader itself refuses it, as a YAMLError
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _split_front_matter(path: Path, data: bytes) -> tuple[dict, str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CaseStudyError(path, None, "is not UTF-8 text") from None
    text = text.lstrip()
    handler = YAMLHandler()
    if not handler.detect(text):
        raise CaseStudyError(path, "front matter",
                             "is missing: the file must start with a YAML block between "
                             "'---' lines")
    try:
        front, body = handler.split(text)
    except ValueError:
        raise CaseStudyError(path, "front matter", "is not closed by a '---' line") from None
    try:
        meta = yaml.load(front, Loader=_StrictLoader)  # a SafeLoader: no arbitrary objects
    except _DuplicateKey as duplicate:
        raise CaseStudyError(path, str(duplicate.key), "is given twice") from None
    except RecursionError:
        raise CaseStudyError(path, "front matter", "is nested too deeply to read") from None
    except yaml.YAMLError as error:
        detail = str(error).replace("\n", " ")
        raise CaseStudyError(path, "front matter", f"is not valid YAML ({detail})") from None
    if meta is None:
        raise CaseStudyError(path, "front matter", "is empty")
    if not isinstance(meta, dict):
        raise CaseStudyError(path, "front matter", "must be a set of 'name: value' lines")
    return {str(key): value for key, value in meta.items()}, body.strip("\n")


def _text_field(path: Path, meta: dict, field: str) -> str:
    value = meta.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise CaseStudyError(path, field, "must be text (put the value in quotes)")
    bad = unusable_character(value)
    if bad:
        raise CaseStudyError(path, field, f"has a character that cannot be stored ({bad}): "
                                          "remove it")
    return value.strip()


# ---------------------------------------------------------------------------
# Rendering

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
    "hr": "govuk-section-break govuk-section-break--m govuk-section-break--visible",
}
_NUMERIC = {"th": "govuk-table__header--numeric", "td": "govuk-table__cell--numeric"}
_SAFE_SCHEMES = {"", "http", "https", "mailto"}
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
_TABLE_LABEL_MAX = 100


class _GovukTreeprocessor(Treeprocessor):
    """Adds GOV.UK Frontend classes, wraps tables for scrolling and drops unsafe links."""

    def run(self, root):
        self._wrap_tables(root)
        for element in list(root.iter()):
            if element.tag in ("a", "img"):
                self._check_url(element)
            if element.tag in _CLASSES:
                element.set("class", _CLASSES[element.tag])
            if element.tag in ("th", "td"):
                # The tables extension aligns with a style attribute, which the Content
                # Security Policy (style-src 'self') blocks: use GOV.UK's numeric class instead.
                style = element.attrib.pop("style", "")
                if "right" in style:
                    element.set("class", f"{_CLASSES[element.tag]} {_NUMERIC[element.tag]}")
            if element.tag == "th":
                element.set("scope", "col")

    @staticmethod
    def _wrap_tables(root):
        count = 0
        for parent in list(root.iter()):
            children = list(parent)
            for index, child in enumerate(children):
                if child.tag != "table":
                    continue
                count += 1
                # Wide data tables scroll sideways on a phone instead of breaking the page;
                # the region is focusable so keyboard users can scroll it too.
                wrapper = etree.Element("div", {
                    "class": "app-table-scroll",
                    "role": "region",
                    "aria-label": _table_label(children[index - 1] if index else None, count),
                    "tabindex": "0",
                })
                wrapper.tail, child.tail = child.tail, None
                parent.remove(child)
                wrapper.append(child)
                parent.insert(index, wrapper)

    @staticmethod
    def _check_url(element):
        attribute = "href" if element.tag == "a" else "src"
        url = element.get(attribute)
        if url is None:
            return
        plain = _URL_NOISE.sub("", html.unescape(url.replace(AMP_SUBSTITUTE, "&")))
        try:
            scheme = urlsplit(plain).scheme.lower()
        except ValueError:
            scheme = "invalid"
        if scheme not in _SAFE_SCHEMES:
            # javascript:, data: and the like: keep the words, lose the link.
            del element.attrib[attribute]
            if element.tag == "a":
                element.tag = "span"


def _table_label(previous, number: int) -> str:
    """The caption-like line just above a table ("Table 2: CPD attendance"), else "Table n"."""
    if previous is not None and previous.tag in ("p", "h2", "h3", "h4"):
        text = " ".join("".join(previous.itertext()).split())
        if text and len(text) <= _TABLE_LABEL_MAX:
            return text
    return f"Table {number}"


class _GovukExtension(Extension):
    def extendMarkdown(self, md):
        # Case studies are text: raw HTML in a file is shown as text, never passed through.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After "unescape" (priority 0), so attribute values are final when links are checked.
        md.treeprocessors.register(_GovukTreeprocessor(md), "govuk_classes", -10)


def render_case_study(markdown_text: str) -> Markup:
    """Markdown to HTML with GOV.UK Frontend classes; raw HTML in the source is escaped."""
    html_text = markdown.markdown(
        markdown_text, extensions=["tables", "sane_lists", _GovukExtension()]
    )
    return Markup(html_text)


# Rendering a 2,000-word paper costs milliseconds, and thousands of participants open the same
# paper in the release minute: each process renders each paper version once.
_RENDERED = VersionCache(maxsize=64)


def rendered_case_study(paper_id: int, text_sha256: str, markdown_text: Callable[[], str]) -> Markup:
    """render_case_study once per paper version (its id and text SHA-256) in this process.

    `markdown_text` is called only when the version is not yet rendered, so callers can leave
    the text unloaded.
    """
    return _RENDERED.get((paper_id, text_sha256), lambda: render_case_study(markdown_text()))
