"""The admin's paper bank: upload (Markdown or Word, with handouts), preview as participants see
it, the bank per NPQ with where each paper was used, and attaching an unused one before release."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from factories import login, make_entry, make_paper, make_user, make_window, word_case_study
from moments import RELEASED
from sqlalchemy.exc import IntegrityError

from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent, CasePaper, Role, WindowPaper

NOW = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # well before the test window's release
MARKDOWN = ("---\nnpq: NPQLTD\ntitle: Brookside Academy\nsummary: One line.\nhandout: data.docx\n"
            "---\n\n## Context\n\nSECRET-BANK-TEXT about CPD.\n")
DOCX_BYTES = b"PK\x03\x04 handout bytes"
PDF_BYTES = b"%PDF-1.4 handout"


@pytest.fixture
def admin(app, client, clock):
    clock.at(NOW)
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
    login(client, "admin@example.org")
    return client


def upload(client, npq="NPQLTD", name="brookside.md", data=MARKDOWN.encode(),
           handouts=(("data.docx", DOCX_BYTES),), title=""):
    form = {"paper": (io.BytesIO(data), name), "title": title,
            "handouts": [(io.BytesIO(blob), filename) for filename, blob in handouts]}
    return client.post(f"/admin/papers/npq/{npq}/upload", data=form,
                       content_type="multipart/form-data")


def article(html: str) -> str:
    return re.search(r'<article class="app-case-study">.*?</article>', html, re.DOTALL).group(0)


def test_a_markdown_paper_and_its_handouts_go_into_the_bank_and_are_audited(app, admin):
    response = upload(admin, handouts=(("data.docx", DOCX_BYTES), ("plan.pdf", PDF_BYTES)))
    assert response.status_code == 302
    with app.app_context():
        paper = CasePaper.query.one()
        assert (paper.npq_code, paper.title, paper.summary) == ("NPQLTD", "Brookside Academy", "One line.")
        assert paper.markdown.startswith("## Context") and paper.source.value == "markdown"
        assert paper.original_filename == "brookside.md" and len(paper.sha256) == 64
        assert paper.uploader.email == "admin@example.org"
        assert [(h.filename, h.content_type, h.data) for h in paper.handouts] == [
            ("data.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             DOCX_BYTES), ("plan.pdf", "application/pdf", PDF_BYTES)]
        event = AuditEvent.query.filter_by(action="paper.uploaded").one()
        assert event.detail["handouts"] == ["data.docx", "plan.pdf"]
        paper_id = paper.id
    assert response.headers["Location"] == f"/admin/papers/{paper_id}"
    preview = admin.get(f"/admin/papers/{paper_id}").text
    assert "Preview" in preview and "Unused: not attached to any window" in preview
    assert "SECRET-BANK-TEXT" in preview and "Download the handout: plan.pdf" in preview
    download = admin.get(f"/admin/papers/{paper_id}/handouts/2")
    assert download.data == PDF_BYTES and "attachment" in download.headers["Content-Disposition"]
    assert admin.get(f"/admin/papers/{paper_id}/handouts/3").status_code == 404


@pytest.mark.parametrize("kwargs,message", [
    ({"npq": "NPQH"}, "its front matter says npq: NPQLTD, but this is the NPQH bank"),
    ({"handouts": ()}, "names the handout data.docx; upload that file too"),
    ({"handouts": (("data.docx", DOCX_BYTES), ("sheet.xlsx", DOCX_BYTES))},
     "sheet.xlsx: a handout must be a .docx or .pdf file"),
    ({"handouts": (("data.docx", b"hello"),)}, "data.docx: the file is empty, damaged or not really a DOCX file"),
    ({"handouts": [(f"h{i}.pdf", PDF_BYTES) for i in range(6)]}, "Upload at most 5 handouts"),
    ({"name": "paper.txt"}, "paper.txt: upload a Markdown file (.md)"),
    ({"data": b"---\nnpq: NPQLTD\n---\n\nText"}, "brookside.md, field &#39;title&#39;: is missing"),
    ({"data": b"no front matter"}, "field &#39;front matter&#39;: is missing"),
])
def test_a_refused_upload_changes_nothing_and_says_why(app, admin, kwargs, message):
    response = upload(admin, **kwargs)
    assert response.status_code == 200
    assert "govuk-error-summary" in response.text
    assert message in response.text
    with app.app_context():
        assert CasePaper.query.count() == 0
        assert AuditEvent.query.filter_by(action="paper.uploaded").count() == 0


@pytest.mark.parametrize("paper_size,handout_size,message", [
    (2 * 1024 * 1024 + 1, 10, "the paper must be smaller than 2 MB"),
    (len(MARKDOWN), 5 * 1024 * 1024 + 1, "each handout must be smaller than 5 MB"),
])
def test_papers_and_handouts_are_size_limited(ctx, paper_size, handout_size, message):
    """Checked in the service (the page passes the bytes on): nothing is added."""
    from assessment_app.services.papers import PaperError, UploadedFile, add_paper

    paper = MARKDOWN.encode().ljust(paper_size, b" ")
    handout = DOCX_BYTES.ljust(handout_size, b"x")
    with pytest.raises(PaperError, match=message):
        add_paper("NPQLTD", UploadedFile("p.md", paper), [UploadedFile("data.docx", handout)], "",
                  None, NOW)
    assert CasePaper.query.count() == 0


def test_the_same_file_cannot_go_into_an_npqs_bank_twice(app, admin):
    assert upload(admin).status_code == 302
    again = upload(admin, name="copy.md")
    assert "copy.md: this file is already in the NPQLTD bank as “Brookside Academy”" in again.text
    with app.app_context():
        assert CasePaper.query.count() == 1


def test_a_word_paper_is_converted_and_titled_from_its_title_paragraph_or_the_form(app, admin):
    untitled = upload(admin, name="no-title.docx", data=word_case_study(title=None), handouts=())
    assert "Enter a title: the Word document has no Title paragraph" in untitled.text
    assert upload(admin, name="oak.docx", data=word_case_study(), handouts=()).status_code == 302
    titled = upload(admin, name="no-title.docx", data=word_case_study(title=None), handouts=(),
                    title="Given in the form")
    assert titled.status_code == 302
    with app.app_context():
        papers = CasePaper.query.order_by(CasePaper.id).all()
        assert [(p.title, p.source.value) for p in papers] == [
            ("Oakfield Primary", "docx"), ("Given in the form", "docx")]
        first_id = papers[0].id
    preview = admin.get(f"/admin/papers/{first_id}").text
    assert "<strong>420 pupils</strong>" in preview and '<table class="govuk-table">' in preview


def test_the_bank_lists_each_paper_with_the_window_it_was_used_in_or_unused(app, admin):
    with app.app_context():
        make_window(name="Autumn 2026")
        make_paper(name="spare").title = "Spare paper"
        make_paper(npq="NPQH", name="h")
        db.session.commit()
    index = admin.get("/admin/papers").text
    assert re.search(r"NPQLTD\)</a></td>\s*<td[^>]*>2</td>\s*<td[^>]*>1</td>", index)
    bank = admin.get("/admin/papers/npq/NPQLTD").text
    assert "Autumn 2026</a> (not yet released)" in bank
    assert re.search(r"Spare paper.*?Unused", bank, re.DOTALL)
    assert "NPQH" not in bank.split("<main", 1)[1].split("</h1>", 1)[1]


def test_attaching_offers_only_unused_papers_of_the_npq_and_is_audited(app, admin):
    with app.app_context():
        window_id = make_window(name="Autumn 2026").id
        other_id = make_window(name="Spring 2027", case_study=False).id
        used_id = db.session.get(AssessmentWindow, window_id).paper_for("NPQLTD").paper_id
        spare = make_paper(name="spare")
        spare.title = "Spare paper"
        spare_id = spare.id
        wrong_npq_id = make_paper(npq="NPQH", name="h").id
        db.session.commit()
    page = admin.get(f"/admin/windows/{other_id}/papers/NPQLTD").text
    assert f'value="{spare_id}"' in page
    assert f'value="{used_id}"' not in page and f'value="{wrong_npq_id}"' not in page
    refused = admin.post(f"/admin/windows/{other_id}/papers/NPQLTD", data={"paper_id": used_id})
    assert "govuk-error-summary" in refused.text
    response = admin.post(f"/admin/windows/{other_id}/papers/NPQLTD", data={"paper_id": spare_id})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AssessmentWindow, other_id).paper_for("NPQLTD").paper_id == spare_id
        event = AuditEvent.query.filter_by(action="case_study.attached").one()
        assert event.detail["paper_id"] == spare_id and event.window_id == other_id
    assert "Spring 2027</a> (not yet released)" in admin.get("/admin/papers/npq/NPQLTD").text


def test_a_paper_is_attached_to_one_window_only_by_the_database_too(app, ctx):
    """UNIQUE on window_paper.paper_id: even a bug in a page cannot give one paper to two windows."""
    first = make_window(name="W1")
    second = make_window(name="W2", case_study=False)
    second.paper_for("NPQLTD").paper_id = first.paper_for("NPQLTD").paper_id
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_the_paper_can_change_until_the_release_minute_and_never_after(app, admin, clock):
    with app.app_context():
        window_id = make_window(name="Autumn 2026").id
        first_id = db.session.get(AssessmentWindow, window_id).paper_for("NPQLTD").paper_id
        second_id, third_id = make_paper(name="second").id, make_paper(name="third").id
    clock.at(RELEASED - timedelta(seconds=1))
    login(admin, "admin@example.org")
    ok = admin.post(f"/admin/windows/{window_id}/papers/NPQLTD", data={"paper_id": second_id})
    assert ok.status_code == 302
    clock.at(RELEASED)
    login(admin, "admin@example.org")
    page = admin.get(f"/admin/windows/{window_id}/papers/NPQLTD").text
    assert "so it can no longer be changed" in page and "<form" not in page.split("<main", 1)[1]
    refused = admin.post(f"/admin/windows/{window_id}/papers/NPQLTD", data={"paper_id": third_id})
    assert "The case study has been released and can no longer be changed." in refused.text
    with app.app_context():
        assert db.session.get(AssessmentWindow, window_id).paper_for("NPQLTD").paper_id == second_id
        assert db.session.get(CasePaper, first_id).used_in is None  # replaced before release


def test_the_preview_is_exactly_what_participants_see(app, admin, clock):
    """The admin's preview and the participant's page share one partial: same title, handouts
    and body, with a Preview banner only on the admin's."""
    assert upload(admin, handouts=(("data.docx", DOCX_BYTES), ("plan.pdf", PDF_BYTES))).status_code == 302
    with app.app_context():
        window = make_window(name="Autumn 2026", case_study=False)
        paper = CasePaper.query.one()
        window.paper_for("NPQLTD").case_paper = paper
        db.session.commit()
        entry_id = make_entry(window, make_user(email="sam@example.org")).id
        paper_id = paper.id
    preview = admin.get(f"/admin/papers/{paper_id}").text
    clock.at(RELEASED)
    sam = app.test_client()
    login(sam, "sam@example.org")
    page = sam.get(f"/assessments/{entry_id}/case-study").text
    assert article(page) == article(preview)
    handout_list = re.compile(r'<ul class="govuk-list">.*?</ul>', re.DOTALL)
    strip_links = re.compile(r'href="[^"]*"')
    assert (strip_links.sub("", handout_list.search(page.split("<main", 1)[1]).group(0))
            == strip_links.sub("", handout_list.search(preview.split("</h1>", 1)[1]).group(0)))
    assert '<h1 class="govuk-heading-xl">Brookside Academy</h1>' in page
    assert '<h1 class="govuk-heading-xl">Brookside Academy</h1>' in preview
    assert "Preview" in preview and "Admin preview" not in page
    assert sam.get(f"/assessments/{entry_id}/case-study/handouts/2").data == PDF_BYTES
    assert sam.get(f"/assessments/{entry_id}/case-study/handouts/3").status_code == 404


PAPER_ROUTES = ["/admin/papers", "/admin/papers/npq/NPQLTD", "/admin/papers/npq/NPQLTD/upload",
                "/admin/papers/{paper}", "/admin/papers/{paper}/handouts/1",
                "/admin/windows/{window}/papers/NPQLTD", "/admin/windows/{window}/papers/NPQLTD/preview"]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MARKER, Role.MODERATOR])
@pytest.mark.parametrize("route", PAPER_ROUTES)
def test_only_admins_reach_the_bank_previews_and_handouts(app, client, clock, role, route):
    """Before release nobody but an admin can read a paper: every other role is refused."""
    clock.at(NOW)
    with app.app_context():
        window = make_window()
        ids = {"window": window.id, "paper": window.paper_for("NPQLTD").paper_id}
        make_user(role, email="someone@example.org")
    login(client, "someone@example.org")
    response = client.get(route.format(**ids))
    assert response.status_code == 403
    assert b"SECRET-CASE-STUDY-TEXT" not in response.data


def test_admins_can_preview_a_windows_paper_before_release(app, admin):
    with app.app_context():
        window_id = make_window().id
    page = admin.get(f"/admin/windows/{window_id}/papers/NPQLTD/preview").text
    assert "SECRET-CASE-STUDY-TEXT NPQLTD" in page
    assert "Participants can read it from 12:01am on Tuesday 24 November 2026" in page


def test_window_paper_rows_keep_a_real_foreign_key(app, ctx):
    with pytest.raises(IntegrityError):
        window = make_window(case_study=False)
        db.session.execute(WindowPaper.__table__.update().values(paper_id=999999)
                           .where(WindowPaper.window_id == window.id))
        db.session.commit()
    db.session.rollback()
