"""A .docx whose body Word would never write is refused quickly with a clear message, before
any reader walks it: paragraphs nested in paragraphs, tables nested too deep, cell spans and
tables beyond Word's limits, and more text than any response. Ordinary documents read as
before. The hostile documents are built here from their XML."""

import io
import zipfile

import pytest
from own_time import own_seconds

from assessment_app.case_studies import CaseStudyError
from assessment_app.case_study_docx import docx_to_markdown
from assessment_app.docx_upload import (
    MAX_COLUMNS,
    MAX_TABLE_DEPTH,
    MAX_TEXT_CHARACTERS,
    DocxRejected,
    read_response_docx,
)
from assessment_app.wordcount import docx_text

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{main}" ContentType="application/vnd.openxmlformats-officedocument.'
    'wordprocessingml.document.main+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{main}"/></Relationships>')


def package(body: str, main: str = "word/document.xml", extra: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _TYPES.format(main=main))
        z.writestr("_rels/.rels", _RELS.format(main=main))
        z.writestr(main, f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}">'
                         f"<w:body>{body}</w:body></w:document>")
        for name, text in (extra or {}).items():
            z.writestr(name, text)
    return buffer.getvalue()


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def nested_paragraphs(depth: int, runs: int) -> str:
    return "<w:p>" * depth + "".join(run(f"word{i} ") for i in range(runs)) + "</w:p>" * depth


def ordinary(runs: int) -> str:
    """Ordinary paragraphs of ten runs each."""
    return "".join("<w:p>" + "".join(run(f"word{i + j} ") for j in range(10)) + "</w:p>"
                   for i in range(0, runs, 10))


def seconds(action) -> float:
    best = float("inf")
    for _ in range(3):
        started = own_seconds()
        try:
            action()
        except (DocxRejected, CaseStudyError):
            pass
        best = min(best, own_seconds() - started)
    return max(best, 0.002)


def test_paragraphs_nested_in_paragraphs_are_refused_at_once():
    """250 paragraphs nested around 1,000 runs (6-10 s and 250 copies of the text before) are
    refused, and refusing costs no more than reading an ordinary document of the same size."""
    for runs in (1_000, 5_000):
        hostile = package(nested_paragraphs(250, runs))
        plain = package(ordinary(runs) + "<w:p/>" * 250)
        with pytest.raises(DocxRejected, match="paragraphs inside other paragraphs"):
            read_response_docx("response.docx", hostile)
        ratio = (seconds(lambda h=hostile: read_response_docx("r.docx", h))
                 / seconds(lambda p=plain: read_response_docx("r.docx", p)))
        assert ratio < 5, ratio


def test_a_text_box_in_a_paragraph_is_read_as_before_but_not_a_box_in_a_box():
    box = ('<w:p>{r}<w:r><w:pict><w:txbxContent><w:p>{inner}</w:p></w:txbxContent></w:pict>'
           '</w:r></w:p>')
    assert docx_text(package(box.format(r=run("Outside"), inner=run("Inside")))) == "Outside"
    read_response_docx("r.docx", package(box.format(r=run("Outside"), inner=run("Inside"))))
    boxed = box.format(r=run("Outside"), inner=box.format(r=run("Deeper"), inner=run("x")))
    with pytest.raises(DocxRejected, match="paragraphs inside other paragraphs"):
        read_response_docx("r.docx", package(boxed))


def test_the_part_checked_is_the_part_read():
    """A package whose main document is not word/document.xml is checked at its real place."""
    hostile = package(nested_paragraphs(50, 10), main="word/other.xml",
                      extra={"word/document.xml": f'<w:document xmlns:w="{W}"/>'})
    with pytest.raises(DocxRejected, match="paragraphs inside other paragraphs"):
        read_response_docx("r.docx", hostile)


def table(inner: str, span: int = 1, rows: int = 1, cells: int = 1) -> str:
    span_xml = f'<w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>' if span > 1 else ""
    cell = f"<w:tc>{span_xml}{inner}</w:tc>"
    return "<w:tbl>" + ("<w:tr>" + cell * cells + "</w:tr>") * rows + "</w:tbl>"


def test_tables_nested_a_few_deep_read_but_deeper_ones_are_refused():
    allowed = "<w:p>" + run("Cell text") + "</w:p>"
    for _ in range(MAX_TABLE_DEPTH):
        allowed = table(allowed + "<w:p/>")
    assert "Cell text" in read_response_docx("r.docx", package(allowed))
    with pytest.raises(DocxRejected, match=f"nested more than {MAX_TABLE_DEPTH} deep"):
        read_response_docx("r.docx", package(table(allowed + "<w:p/>")))


@pytest.mark.parametrize("span", [100_000, 3_000_000])
def test_a_case_study_cell_spanning_beyond_words_limit_is_refused_at_once(span):
    """A gridSpan of 100,000 took 18 s to convert (3,000,000 never finished)."""
    hostile = package(table("<w:p>" + run("Cell") + "</w:p>", span=span, rows=20))
    plain = package(table("<w:p>" + run("Cell") + "</w:p>", rows=20))
    with pytest.raises(CaseStudyError, match=f"wider than {MAX_COLUMNS} columns"):
        docx_to_markdown(hostile, "paper.docx")
    with pytest.raises(DocxRejected, match=f"wider than {MAX_COLUMNS} columns"):
        read_response_docx("r.docx", hostile)
    assert seconds(lambda: docx_to_markdown(hostile, "p.docx")) < 5 * seconds(
        lambda: docx_to_markdown(plain, "p.docx"))


def test_tables_too_wide_or_too_big_are_refused():
    with pytest.raises(CaseStudyError, match="wider than"):
        docx_to_markdown(package(table("<w:p/>", cells=MAX_COLUMNS + 1)), "paper.docx")
    with pytest.raises(CaseStudyError, match="more than 20,000 cells"):
        docx_to_markdown(package(table("<w:p/>", rows=1_000, cells=30)), "paper.docx")
    ordinary_table = package(table("<w:p>" + run("Cell") + "</w:p>", rows=3, cells=2))
    assert "| Cell | Cell |" in docx_to_markdown(ordinary_table, "paper.docx").markdown


def test_more_text_than_any_response_is_refused_saying_the_limit():
    words = "<w:p>" + run(" ".join(f"w{i}" for i in range(10_000))) + "</w:p>"
    with pytest.raises(DocxRejected, match=f"more than {MAX_TEXT_CHARACTERS:,} characters"):
        read_response_docx("r.docx", package(words * 20))
    assert read_response_docx("r.docx", package(words)).count("w") == 10_000
    with pytest.raises(CaseStudyError, match=f"more than {MAX_TEXT_CHARACTERS:,} characters"):
        docx_to_markdown(package(words * 20), "paper.docx")
