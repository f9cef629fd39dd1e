"""Case-study files: the shipped ones load; broken ones fail naming the file and the field;
rendering escapes raw HTML and adds GOV.UK Frontend classes."""

import ast
import re
from pathlib import Path

import pytest
from docx import Document

from assessment_app.case_studies import (
    CaseStudyError,
    CaseStudyFile,
    available_case_studies,
    load_case_study,
    render_case_study,
)
from assessment_app.npqs import NPQ_CODES, NPQ_NAMES, NPQS

SHIPPED = Path(__file__).resolve().parents[2] / "case_studies"
MINIMUM_WORDS = {"NPQLTD": 1800, "NPQSL": 1200, "NPQH": 1200}  # all others: 500

GOOD_FRONT = "---\nnpq: NPQLTD\ntitle: Brookside Academy\nsummary: One sentence.\n---\n"


def write(tmp_path, text, name="broken.md", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


# --- the shipped files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return available_case_studies(SHIPPED)


def test_every_shipped_case_study_loads_one_per_npq_for_the_demo_window(shipped):
    """Every file in case_studies/ loads, and the demo window has one case study per NPQ,
    named <npq>-autumn-2026.md."""
    assert sorted(s.npq for s in shipped) == sorted(NPQ_CODES)
    for study in shipped:
        assert isinstance(study, CaseStudyFile)
        assert study.source_path.name == f"{study.npq.lower()}-autumn-2026.md"
        assert study.title and study.summary


@pytest.mark.parametrize("code", NPQ_CODES)
def test_each_shipped_case_study_is_long_enough_and_ends_with_the_task(shipped, code):
    """NPQLTD is real length (1,800+ words), NPQSL and NPQH 1,200+, the rest 500+; each ends
    with a "Your task" section of three prompts and states the 1,500-word limit."""
    (study,) = [s for s in shipped if s.npq == code]
    assert study.word_count >= MINIMUM_WORDS.get(code, 500)
    task = study.body_markdown.split("\n## Your task\n", 1)[1]
    assert "\n## " not in task  # the task is the last section
    assert re.findall(r"^([123])\. ", task, re.MULTILINE) == ["1", "2", "3"]
    assert "no more than 1,500 words" in task


def test_shipped_case_studies_contain_no_html(shipped):
    """Case studies are plain Markdown: no HTML tags or entities in the source."""
    for study in shipped:
        assert not re.search(r"</?[a-zA-Z][^>]*>|&[#a-zA-Z0-9]+;", study.body_markdown), (
            study.source_path.name
        )


def test_the_npqltd_handout_is_a_real_docx_with_data_tables(shipped):
    """The NPQLTD case study names a .docx handout beside it, and python-docx can open it."""
    (ltd,) = [s for s in shipped if s.npq == "NPQLTD"]
    assert ltd.handout_filename == "npqltd-autumn-2026-data.docx"
    document = Document(str(SHIPPED / ltd.handout_filename))
    assert 2 <= len(document.tables) <= 3
    headings = [p.text for p in document.paragraphs
                if p.style.name.startswith(("Heading", "Title"))]
    assert any("Staff survey" in h for h in headings)
    assert any("CPD attendance" in h for h in headings)
    assert any("Pupil outcome" in h for h in headings)


def test_npqs_are_the_ten_in_the_domain_order():
    """NPQ_CODES lists the ten NPQs in the order of the domain page, with names and kinds."""
    assert NPQ_CODES == ("NPQLT", "NPQLBC", "NPQLL", "NPQLTD", "NPQLPM",
                         "NPQSL", "NPQH", "NPQEYL", "NPQEL", "NPQSENCO")
    assert NPQ_NAMES["NPQLTD"] == "Leading Teacher Development"
    assert {n.kind for n in NPQS[:5]} == {"specialist"}
    assert {n.kind for n in NPQS[5:]} == {"leadership"}
    assert {(n.months, n.courses) for n in NPQS} == {(12, 6), (18, 9)}


# --- loading -------------------------------------------------------------------------------


def test_a_good_file_loads_with_every_field(tmp_path):
    """A valid file gives its code, title, summary, body, handout, path and a word count."""
    (tmp_path / "data.pdf").write_bytes(b"%PDF-1.7")
    path = write(tmp_path, "---\nnpq: npqltd\ntitle: ' Brookside '\nsummary: In short.\n"
                           "handout: data.pdf\n---\n\n## Context\n\nSome   words here.\n", "ok.md")
    study = load_case_study(path)
    assert study == CaseStudyFile(
        npq="NPQLTD", title="Brookside", summary="In short.",
        body_markdown="## Context\n\nSome   words here.", handout_filename="data.pdf",
        source_path=path, word_count=5,
    )


@pytest.mark.parametrize("content,field", [
    ("## No front matter at all\n\nText.", "front matter"),
    ("---\nnpq: [unclosed\n---\nText", "front matter"),
    ("---\n- npq\n- title\n---\nText", "front matter"),
    ("---\n---\nText", "front matter"),
    ("---\nnpq: NPQH\ntitle: T\nText with no closing line", "front matter"),
    ("---\n? [a, b]\n: c\n---\nText", "front matter"),
    ("---\ntitle: T\n---\nText", "npq"),
    ("---\nnpq: NPQXX\ntitle: T\n---\nText", "npq"),
    ("---\nnpq: 7\ntitle: T\n---\nText", "npq"),
    ("---\nnpq: NPQH\n---\nText", "title"),
    ("---\nnpq: NPQH\ntitle: '   '\n---\nText", "title"),
    ("---\nnpq: NPQH\ntitle: T\n---\n   \n\n", "body"),
    ("---\nnpq: NPQH\ntitle: T\nhandout: missing.docx\n---\nText", "handout"),
    ("---\nnpq: NPQH\ntitle: T\nhandout: data.xlsx\n---\nText", "handout"),
    ("---\nnpq: NPQH\ntitle: T\nhandout: ../data.docx\n---\nText", "handout"),
    ("---\nnpq: NPQH\ntitle: T\nhandot: data.docx\n---\nText", "handot"),
    ("---\nnpq: NPQH\ntitle: T\ntitle: U\n---\nText", "title"),
])
def test_a_broken_file_raises_naming_the_file_and_the_field(tmp_path, content, field):
    """Missing or invalid front matter, a missing or unknown NPQ code, a missing title, an
    empty body, a handout that is missing or not .docx/.pdf, an unknown field and a field
    given twice each raise CaseStudyError whose message names the file and the field."""
    folder = tmp_path / "case_studies"
    folder.mkdir()
    (tmp_path / "data.docx").write_bytes(b"PK")  # outside the folder: must not count
    path = write(folder, content)
    with pytest.raises(CaseStudyError) as raised:
        load_case_study(path)
    assert raised.value.field == field
    assert "broken.md" in str(raised.value) and f"'{field}'" in str(raised.value)


def test_a_file_that_is_not_utf8_names_the_file(tmp_path):
    """A file that is not UTF-8 text raises CaseStudyError naming the file."""
    path = write(tmp_path, GOOD_FRONT + "Caf\xe9\n", encoding="latin-1")
    with pytest.raises(CaseStudyError, match=r"broken\.md.*UTF-8"):
        load_case_study(path)


def test_available_case_studies_are_sorted_by_file_name(tmp_path):
    """Every *.md file is loaded, sorted by file name; other files are not case studies."""
    for name in ("npqsl-b.md", "npqh-a.md", "npqel-c.md"):
        write(tmp_path, GOOD_FRONT + "Text.", name)
    (tmp_path / "notes.txt").write_text("not a case study")
    names = [s.source_path.name for s in available_case_studies(tmp_path)]
    assert names == ["npqel-c.md", "npqh-a.md", "npqsl-b.md"]


def test_available_case_studies_raises_on_a_broken_file(tmp_path):
    """A broken file is never skipped silently: listing the folder raises."""
    write(tmp_path, GOOD_FRONT + "Text.", "a-good.md")
    write(tmp_path, "---\nnpq: NPQXX\ntitle: T\n---\nText", "b-broken.md")
    with pytest.raises(CaseStudyError, match=r"b-broken\.md.*'npq'"):
        available_case_studies(tmp_path)


def test_available_case_studies_raises_on_a_missing_folder(tmp_path):
    """A case-study folder that does not exist is an error, not an empty list."""
    with pytest.raises(CaseStudyError, match="does not exist"):
        available_case_studies(tmp_path / "nowhere")


# --- rendering -----------------------------------------------------------------------------


def test_rendering_escapes_raw_html_in_the_source():
    """Raw HTML in a case study is shown as text, never passed through to the page."""
    html = render_case_study(
        "## Data\n\n<script>alert(1)</script>\n\nSee <b onclick=\"x()\">this</b>.\n\n"
        "<div>\n<iframe src=\"https://example.org\"></iframe>\n</div>\n"
    )
    assert "<script" not in html and "<b " not in html and "<iframe" not in html
    assert "<div>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b onclick=" in html


def test_rendering_drops_script_links_but_keeps_web_links():
    """Links to javascript: (however disguised) lose their href; http(s) links get govuk-link."""
    html = render_case_study(
        "[a](javascript:alert(1)) [b](&#106;avascript:alert(1)) [c](JAVA\tSCRIPT:x) "
        "[d](https://example.org/report)"
    )
    assert "javascript" not in html.lower() and "&#106;" not in html
    assert '<a class="govuk-link" href="https://example.org/report">d</a>' in html
    assert html.count("<a ") == 1


def test_rendering_adds_govuk_frontend_classes():
    """Headings, paragraphs, lists, links and quotes get their GOV.UK Frontend classes."""
    html = render_case_study(
        "# The school\n\nIntro.\n\n## Context\n\n### Staff\n\n- one\n- two\n\n1. first\n2. second\n"
    )
    assert '<h1 class="govuk-heading-xl">The school</h1>' in html
    assert '<h2 class="govuk-heading-l">Context</h2>' in html
    assert '<h3 class="govuk-heading-m">Staff</h3>' in html
    assert '<p class="govuk-body">Intro.</p>' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html
    assert '<ol class="govuk-list govuk-list--number">' in html


def test_rendering_a_table_uses_govuk_table_classes_in_a_scrolling_region():
    """A Markdown table becomes a govuk-table with head, row, header and cell classes, wrapped
    in a focusable region that scrolls on small screens; right-aligned columns use the numeric
    classes (no inline style, which the Content Security Policy would block)."""
    html = render_case_study(
        "**Table 1: Staff survey**\n\n| Statement | Agree |\n|---|---:|\n| CPD helps | 42% |\n"
    )
    assert ('<div aria-label="Table 1: Staff survey" class="app-table-scroll" role="region" '
            'tabindex="0"><table class="govuk-table">') in html
    assert "</table></div>" in html
    assert '<thead class="govuk-table__head">' in html
    assert '<tbody class="govuk-table__body">' in html
    assert '<tr class="govuk-table__row">' in html
    assert '<th class="govuk-table__header" scope="col">Statement</th>' in html
    assert ('<th class="govuk-table__header govuk-table__header--numeric" scope="col">Agree</th>'
            in html)
    assert '<td class="govuk-table__cell">CPD helps</td>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">42%</td>' in html
    assert "style=" not in html


def test_every_shipped_case_study_renders_with_its_tables_wrapped(shipped):
    """Each shipped case study renders, and every table in it sits in a scrolling region."""
    for study in shipped:
        html = render_case_study(study.body_markdown)
        assert html.count('<table class="govuk-table">') == html.count('class="app-table-scroll"')
        assert '<h2 class="govuk-heading-l">Your task</h2>' in html


@pytest.mark.parametrize("module", ["case_studies.py", "case_study_docx.py", "npqs.py"])
def test_the_case_study_modules_do_not_import_flask(module):
    """Loading and rendering are plain Python: no Flask import, so any caller can use them."""
    tree = ast.parse((Path(__file__).resolve().parents[2] / "assessment_app" / module).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0].lower().startswith("flask") for name in imported)
