"""Hostile case-study files at load (flask import-papers) and at upload: a message naming the file
and field, nothing stored, and never a 500 (PostgreSQL refuses a NUL in text, so a NUL that
reached the database would fail the upload there)."""

import pytest
from papers.test_paper_bank import admin, upload  # noqa: F401

from assessment_app.models import AuditEvent, CasePaper

NUL_BODY = b"---\nnpq: NPQLTD\ntitle: Brookside\n---\n\n## Context\n\nCPD\x00 data.\n"
NESTED = b"---\nnpq: NPQLTD\ntitle: " + b"[" * 3000 + b"\n---\n\nText.\n"


@pytest.mark.parametrize(("data", "named"), [
    (NUL_BODY, "b.md, field 'body': has a control character that cannot be stored"),
    (NESTED, "b.md, field 'front matter': is nested too deeply"),
])
def test_import_papers_refuses_a_hostile_file_by_name_and_adds_nothing(app, tmp_path, data, named):
    (tmp_path / "a.md").write_text("---\nnpq: NPQLTD\ntitle: A\n---\n\nText A.\n")
    (tmp_path / "b.md").write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import-papers", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output and named in result.output
    with app.app_context():
        assert CasePaper.query.count() == 0


def test_an_uploaded_paper_with_a_nul_is_refused_on_its_field(app, admin):  # noqa: F811
    response = upload(admin, name="b.md", data=NUL_BODY, handouts=())
    assert response.status_code == 200 and "govuk-error-summary" in response.text
    assert "field &#39;body&#39;: has a control character that cannot be stored" in response.text
    with app.app_context():
        assert CasePaper.query.count() == 0
        assert AuditEvent.query.filter_by(action="paper.uploaded").count() == 0
