"""A case study written in Word becomes Markdown that renders as the participants' page."""

import io

import pytest
from docx import Document
from docx_files import repack
from factories import word_case_study

from assessment_app.case_studies import CaseStudyError, parse_case_study, render_case_study
from assessment_app.case_study_docx import docx_to_markdown


def test_headings_paragraphs_lists_tables_and_emphasis_are_kept():
    """Title is taken out as the title; Heading 1 is a level-2 heading under the page's h1;
    bold, italic, bullets, numbers and a table with its header row survive."""
    converted = docx_to_markdown(word_case_study(), "oakfield.docx")
    assert converted.title == "Oakfield Primary"
    html = render_case_study(converted.markdown)
    assert '<h2 class="govuk-heading-l">The school</h2>' in html
    assert "<strong>420 pupils</strong>" in html and "<em>new</em>" in html
    assert '<ul class="govuk-list govuk-list--bullet">\n<li>First point</li>\n<li>Second point</li>\n</ul>' in html
    assert '<ol class="govuk-list govuk-list--number">\n<li>Diagnose the problem.</li>\n</ol>' in html
    assert '<th class="govuk-table__header" scope="col">Score</th>' in html
    assert '<td class="govuk-table__cell">71%</td>' in html
    assert '<h3 class="govuk-heading-m">Your task</h3>' in html
    assert "Oakfield Primary" not in converted.markdown


def test_markdown_characters_typed_in_word_stay_text():
    """An underscore or asterisk in the Word text is shown, not read as emphasis."""
    html = render_case_study(docx_to_markdown(word_case_study(), "x.docx").markdown)
    assert "head_teacher *now*." in html


def test_the_shipped_handout_converts_with_its_tables():
    from assessment_app.settings import PROJECT_ROOT

    data = (PROJECT_ROOT / "case_studies" / "npqltd-autumn-2026-data.docx").read_bytes()
    assert "| --- |" in docx_to_markdown(data, "data.docx").markdown


@pytest.mark.parametrize("data,problem", [
    (b"", "empty"),
    (b"%PDF-1.4 not word", "PDF"),
    (b"PK\x03\x04 not really a zip", "damaged"),
])
def test_an_unreadable_word_file_is_refused_naming_the_file(data, problem):
    with pytest.raises(CaseStudyError) as refused:
        docx_to_markdown(data, "paper.docx")
    assert "paper.docx" in str(refused.value) and problem in str(refused.value)


@pytest.mark.parametrize("body", [b"", b"<Relationships><Relationship Id="])
def test_a_word_file_whose_relationships_are_not_xml_is_refused_as_damaged(body):
    damaged = repack(word_case_study(), replace={"_rels/.rels": body})
    with pytest.raises(CaseStudyError) as refused:
        docx_to_markdown(damaged, "paper.docx")
    assert "paper.docx" in str(refused.value) and "damaged" in str(refused.value)


def test_a_word_file_with_no_text_is_refused():
    buffer = io.BytesIO()
    Document().save(buffer)
    with pytest.raises(CaseStudyError, match="field 'body': is empty"):
        docx_to_markdown(buffer.getvalue(), "blank.docx")


def test_a_markdown_upload_is_checked_from_its_bytes_like_a_file():
    """Front matter is validated the same way for an upload as for a file in case_studies/."""
    study = parse_case_study(b"---\nnpq: npqh\ntitle: T\nhandout: data.pdf\n---\n\nText", "up.md")
    assert (study.npq, study.title, study.handout_filename) == ("NPQH", "T", "data.pdf")
    with pytest.raises(CaseStudyError, match="up.md, field 'handout'"):
        parse_case_study(b"---\nnpq: NPQH\ntitle: T\nhandout: ../x.pdf\n---\n\nText", "up.md")
    with pytest.raises(CaseStudyError, match="not UTF-8"):
        parse_case_study("---\nnpq: NPQH\ntitle: Café\n---\nText".encode("latin-1"), "up.md")
