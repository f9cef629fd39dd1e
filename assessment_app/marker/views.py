from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import clock
from ..access import marker_required, role_required
from ..downloads import send_handout
from ..extensions import db
from ..models import (
    Allocation,
    AllocationStatus,
    Entry,
    MarkingRole,
    Moderation,
    Role,
    SubmissionVersion,
)
from ..services import marking
from ..services.marking import MarkingError, MarkInput
from ..services.marking_stats import agreement_by_marker
from ..services.papers import paper_html
from ..wordcount import cut_at_limit
from . import bp

moderator_required = role_required(Role.MODERATOR, Role.ADMIN)


def _allocation_for(user, allocation_id: int) -> Allocation:
    """The marker's own live allocation, or 404: other scripts do not exist for them."""
    allocation = db.session.get(Allocation, allocation_id)
    if (allocation is None or allocation.marker_id != user.id
            or allocation.status is AllocationStatus.RETURNED):
        abort(404)
    return allocation


def _mark_input() -> MarkInput:
    return MarkInput(
        levels={k[6:]: v for k, v in request.form.items() if k.startswith("level-")},
        comments={k[8:]: v for k, v in request.form.items() if k.startswith("comment-")},
        feedback=request.form.get("feedback", ""),
    )


def script_view(version: SubmissionVersion, word_limit: int) -> dict:
    """The response split where the word limit falls, for windows that allowed a tolerance."""
    text = version.text
    cut = cut_at_limit(text, word_limit)
    return {"within": text[:cut], "beyond": text[cut:] if version.word_count > word_limit else ""}


@bp.get("/")
@marker_required
def home():
    allocations = db.session.scalars(
        select(Allocation)
        .where(Allocation.marker_id == current_user.id,
               Allocation.status != AllocationStatus.RETURNED)
        .options(selectinload(Allocation.entry).selectinload(Entry.window),
                 selectinload(Allocation.mark))
        .order_by(Allocation.status, Allocation.allocated_at)
    ).all()
    todo = [a for a in allocations if a.status is AllocationStatus.ALLOCATED]
    done = [a for a in allocations if a.status is AllocationStatus.SUBMITTED]
    deadlines = sorted({a.entry.window.marking_deadline for a in todo
                        if a.entry.window.marking_deadline})
    cases = []
    if current_user.has_role(Role.MODERATOR):
        cases = marking.cases_for_moderator(current_user)
    return render_template("marker/home.html", todo=todo, done=done, deadlines=deadlines,
                           cases=cases)


@bp.route("/scripts/<int:allocation_id>", methods=["GET", "POST"])
@marker_required
def script(allocation_id: int):
    allocation = _allocation_for(current_user, allocation_id)
    if request.method == "POST" and allocation.status is AllocationStatus.ALLOCATED:
        data = _mark_input()
        submit = request.form.get("action") == "submit"
        try:
            marking.save_mark(allocation, data, clock.now(), submit=submit)
        except MarkingError as problem:
            db.session.rollback()
            return _script_page(allocation, data=data, error=str(problem))
        flash("Mark submitted." if submit else "Draft saved.", "success")
        return redirect(url_for(".home") if submit else url_for(".script", allocation_id=allocation.id))
    return _script_page(allocation)


def _script_page(allocation: Allocation, data: MarkInput | None = None, error: str | None = None,
                 return_error: str | None = None):
    """The workbench: the script and case study beside the rubric, with what the marker typed
    (`data`) and the problem with it, or with their reason for handing the script back."""
    entry = allocation.entry
    mark = allocation.mark
    if data is None:
        data = MarkInput(
            levels=mark.levels() if mark else {},
            comments={j.criterion_id: j.comment for j in mark.judgements} if mark else {},
            feedback=mark.feedback if mark else "",
        )
    return render_template(
        "marker/script.html", allocation=allocation, entry=entry,
        rubric=marking.rubric_for(entry.npq_code), data=data, error=error,
        return_error=return_error, script=script_view(allocation.version, entry.window.word_limit),
        case_study=paper_html(entry.paper.case_paper),
        handout_url=lambda number: url_for(".handout", allocation_id=allocation.id, number=number),
        locked=allocation.status is not AllocationStatus.ALLOCATED,
    )


@bp.get("/scripts/<int:allocation_id>/handouts/<int:number>")
@marker_required
def handout(allocation_id: int, number: int):
    """A handout of the script's case study, for the marker it is allocated to only."""
    return send_handout(_allocation_for(current_user, allocation_id).entry.paper.handouts, number)


@bp.post("/scripts/<int:allocation_id>/return")
@marker_required
def give_back(allocation_id: int):
    allocation = _allocation_for(current_user, allocation_id)
    try:
        marking.return_to_pool(allocation, request.form.get("reason", ""), current_user, clock.now())
    except MarkingError as problem:
        db.session.rollback()
        return _script_page(allocation, return_error=str(problem))
    flash("The script has been returned and will be given to another marker.", "success")
    return redirect(url_for(".home"))


@bp.route("/moderation/<int:case_id>", methods=["GET", "POST"])
@moderator_required
def moderation(case_id: int):
    case = db.session.get(Moderation, case_id)
    # A moderator sees only the cases they may decide, or decided; admins see every case.
    if case is None or not (current_user.has_role(Role.ADMIN)
                            or case.moderator_id == current_user.id
                            or marking.may_decide(case, current_user)):
        abort(404)
    entry = case.entry
    done_url = (url_for("admin.marking_overview", window_id=entry.window_id)
                if current_user.has_role(Role.ADMIN) else url_for(".home"))
    rubric = marking.rubric_for(entry.npq_code)
    first = marking.submitted_mark(entry.id, MarkingRole.FIRST)
    second = marking.submitted_mark(entry.id, MarkingRole.SECOND)
    error, data = None, None
    if request.method == "POST":
        data = _mark_input()
        try:
            marking.moderate(case, current_user, data, request.form.get("reason", ""), clock.now())
        except MarkingError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            flash(f"Moderation decision recorded for {entry.candidate_number}.", "success")
            return redirect(done_url)
    if data is None:
        data = MarkInput(levels=case.levels(), feedback=case.feedback,
                         comments={j.criterion_id: j.comment for j in case.judgements})
    version = first.allocation.version
    return render_template(
        "marker/moderation.html", case=case, entry=entry, rubric=rubric, first=first,
        second=second, data=data, error=error, page_error=error, back_url=done_url,
        script=script_view(version, entry.window.word_limit), locked=case.decided_at is not None,
    )


@bp.get("/agreement")
@moderator_required
def agreement():
    return render_template("marker/agreement.html", rows=agreement_by_marker())
