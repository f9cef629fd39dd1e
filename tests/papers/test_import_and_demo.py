"""Loading case-study files into the bank (flask import-papers) and the demo's bank."""

from datetime import UTC, datetime

from assessment_app.models import AssessmentWindow, AuditEvent, CasePaper


def test_import_papers_loads_a_folder_once_with_handouts(app, tmp_path):
    (tmp_path / "data.pdf").write_bytes(b"%PDF-1.4 data")
    (tmp_path / "a.md").write_text("---\nnpq: NPQLTD\ntitle: A\nhandout: data.pdf\n---\n\nText A.\n")
    (tmp_path / "b.md").write_text("---\nnpq: NPQH\ntitle: B\n---\n\nText B.\n")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-papers", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "2 papers added." in first.output
    second = runner.invoke(args=["import-papers", str(tmp_path)])
    assert "Already in the bank: a.md, b.md" in second.output and "0 papers added." in second.output
    with app.app_context():
        papers = {p.title: p for p in CasePaper.query}
        assert sorted(papers) == ["A", "B"]
        assert [h.data for h in papers["A"].handouts] == [b"%PDF-1.4 data"]
        assert papers["A"].uploaded_by is None
        assert AuditEvent.query.filter_by(action="paper.uploaded").count() == 2


def test_import_papers_with_a_broken_file_adds_nothing_and_names_it(app, tmp_path):
    (tmp_path / "a.md").write_text("---\nnpq: NPQLTD\ntitle: A\n---\n\nText A.\n")
    (tmp_path / "b.md").write_text("---\nnpq: NPQXX\ntitle: B\n---\n\nText B.\n")
    result = app.test_cli_runner().invoke(args=["import-papers", str(tmp_path)])
    assert result.exit_code != 0
    assert "Nothing was imported" in result.output and "b.md, field 'npq'" in result.output
    with app.app_context():
        assert CasePaper.query.count() == 0


def test_the_demo_gives_each_window_a_different_paper_and_keeps_an_unused_one(ctx, clock):
    """A resit or deferral in the demo always meets a new paper; the bank shows used and unused."""
    from assessment_app.demo import seed_demo

    clock.at(datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    seed_demo()
    used = [p.paper_id for w in AssessmentWindow.query for p in w.papers]
    assert None not in used and len(set(used)) == len(used) >= 13
    papers = CasePaper.query.count()
    assert len({p.text_sha256 for p in CasePaper.query}) == papers
    unused = [p.original_filename for p in CasePaper.query if p.used_in is None]
    assert "npqltd-reserve.md" in unused
    seed_demo()
    assert CasePaper.query.count() == papers
