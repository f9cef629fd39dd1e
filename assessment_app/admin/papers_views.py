"""The paper bank: each NPQ's case studies, uploads, previews, and attaching one to a window."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from .. import clock
from ..access import admin_required
from ..downloads import send_handout
from ..extensions import db
from ..forms_shared import options
from ..models import CasePaper, Npq, WindowPaper
from ..npqs import NPQ_CODES
from ..services import papers, windows
from ..services.papers import PaperError, UploadedFile
from ..services.windows import WindowError
from .blueprint import bp
from .paper_forms import AttachPaperForm, PaperUploadForm
from .views import _window_or_404


def _npq_or_404(npq_code: str) -> Npq:
    npq = db.session.get(Npq, npq_code) if npq_code in NPQ_CODES else None
    if npq is None:
        abort(404)
    return npq


def _paper_or_404(paper_id: int) -> CasePaper:
    paper = db.session.get(CasePaper, paper_id)
    if paper is None:
        abort(404)
    return paper


@bp.get("/papers")
@admin_required
def paper_bank():
    counts = dict(db.session.execute(
        select(CasePaper.npq_code, func.count(CasePaper.id)).group_by(CasePaper.npq_code)).all())
    unused = dict(db.session.execute(
        select(CasePaper.npq_code, func.count(CasePaper.id))
        .outerjoin(WindowPaper, WindowPaper.paper_id == CasePaper.id)
        .where(WindowPaper.id.is_(None)).group_by(CasePaper.npq_code)).all())
    npqs = db.session.scalars(select(Npq).order_by(Npq.code)).all()
    return render_template("admin/paper_bank.html", npqs=npqs, counts=counts, unused=unused)


@bp.get("/papers/npq/<npq_code>")
@admin_required
def npq_papers(npq_code: str):
    npq = _npq_or_404(npq_code)
    return render_template("admin/npq_papers.html", npq=npq, papers=papers.bank(npq.code),
                           at=clock.now())


@bp.route("/papers/npq/<npq_code>/upload", methods=["GET", "POST"])
@admin_required
def upload_paper(npq_code: str):
    npq = _npq_or_404(npq_code)
    form = PaperUploadForm()
    if form.validate_on_submit():
        handouts = [UploadedFile(f.filename or "", f.read())
                    for f in request.files.getlist(form.handouts.name) if f.filename]
        try:
            paper = papers.add_paper(
                npq.code, UploadedFile(form.paper.data.filename or "", form.paper.data.read()),
                handouts, form.title.data or "", current_user, clock.now())
        except PaperError as problem:
            db.session.rollback()
            getattr(form, problem.field).errors.append(str(problem))
        else:
            flash(f"“{paper.title}” added to the {npq.code} bank. Check the preview before "
                  "attaching it to a window.", "success")
            warning = papers.near_copy_warning(paper)
            if warning:
                flash(warning, "warning")
            return redirect(url_for(".preview_paper", paper_id=paper.id))
    return render_template("admin/paper_upload.html", npq=npq, form=form)


@bp.get("/papers/<int:paper_id>")
@admin_required
def preview_paper(paper_id: int):
    """Admins read any paper at any time, exactly as participants will see it."""
    paper = _paper_or_404(paper_id)
    return _preview(paper)


@bp.get("/papers/<int:paper_id>/handouts/<int:number>")
@admin_required
def paper_handout(paper_id: int, number: int):
    return send_handout(_paper_or_404(paper_id).handouts, number)


@bp.get("/windows/<int:window_id>/papers/<npq_code>/preview")
@admin_required
def preview_case_study(window_id: int, npq_code: str):
    paper = _window_or_404(window_id).paper_for(npq_code)
    if paper is None or not paper.has_case_study:
        abort(404)
    return _preview(paper.case_paper)


def _preview(paper: CasePaper):
    return render_template(
        "admin/preview.html", paper=paper, body=papers.paper_html(paper), at=clock.now(),
        near_copies=papers.near_copies_of(paper),
        handout_url=lambda number: url_for(".paper_handout", paper_id=paper.id, number=number))


@bp.route("/windows/<int:window_id>/papers/<npq_code>", methods=["GET", "POST"])
@admin_required
def case_study(window_id: int, npq_code: str):
    window = _window_or_404(window_id)
    window_paper = window.paper_for(npq_code)
    if window_paper is None:
        abort(404)
    available = papers.unused_papers(npq_code)
    form = AttachPaperForm()
    form.paper_id.choices = options(
        (str(p.id), f"{p.title} ({p.original_filename})") for p in available)
    if form.validate_on_submit():
        chosen = next(p for p in available if str(p.id) == form.paper_id.data)
        try:
            windows.attach_case_study(window_paper, chosen, current_user, clock.now())
        except WindowError as error:
            db.session.rollback()
            form.paper_id.errors.append(str(error))
        else:
            flash(f"“{chosen.title}” attached for {npq_code}.", "success")
            return redirect(url_for(".window", window_id=window.id))
    return render_template("admin/case_study.html", window=window, paper=window_paper, form=form,
                           available=available, at=clock.now())
