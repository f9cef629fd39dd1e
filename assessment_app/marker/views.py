from collections.abc import Callable
from dataclasses import dataclass

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
    AssessmentWindow,
    CasePaper,
    Entry,
    MarkingRole,
    Moderation,
    Npq,
    ReviewRequest,
    ReviewStatus,
    Role,
    Seed,
    SeedPurpose,
)
from ..review_rules import REVIEW_RULES, ReviewRefused
from ..services import reviews, rubric_store, standardisation
from ..services.allocations import return_to_pool
from ..services.mark_input import MarkInput
from ..services.marking_error import MarkingError
from ..services.marking_stats import agreement_by_marker
from ..services.marks import save_mark, submitted_mark
from ..services.moderation import cases_for_moderator, may_decide, moderate
from ..services.papers import paper_html
from ..standardisation import Standing
from ..wordcount import count_response, marked_parts
from .blueprint import bp

moderator_required = role_required(Role.MODERATOR, Role.ADMIN)


def _script_for(user, candidate: str) -> Allocation | Seed:
    """The marker's own script by its candidate number, live or seeded (the same two queries
    either way), or 404: other scripts, and those handed back, do not exist for them."""
    live = db.session.scalars(
        select(Allocation).join(Entry, Entry.id == Allocation.entry_id)
        .where(Entry.candidate_number == candidate, Allocation.marker_id == user.id,
               Allocation.status != AllocationStatus.RETURNED)).all()
    seeded = db.session.scalars(
        select(Seed).where(Seed.candidate_number == candidate, Seed.marker_id == user.id,
                           Seed.status != AllocationStatus.RETURNED)).all()
    found = [*live, *seeded]
    if len(found) != 1:
        abort(404)
    return found[0]


def _mark_input() -> MarkInput:
    return MarkInput(
        levels={k[6:]: v for k, v in request.form.items() if k.startswith("level-")},
        comments={k[8:]: v for k, v in request.form.items() if k.startswith("comment-")},
        feedback=request.form.get("feedback", ""),
    )


def script_view(text: str, word_limit: int) -> dict:
    """The whole response as counted: its parts in order (body, reference heading, entries not
    counted, other lines counted) with where the limit falls when a tolerance let more in."""
    parts = marked_parts(text, word_limit)
    kinds = [part.kind for part in parts]
    heading = kinds.index("heading") if "heading" in kinds else len(parts)
    return {"body": parts[:heading], "references": parts[heading:],
            "counted": count_response(text)}


@dataclass(frozen=True)
class Shown:
    """What the script page shows: the same fields, from an entry or from a seed."""

    candidate_number: str
    npq: Npq
    window: AssessmentWindow
    paper: CasePaper | None
    text: str
    word_count: int
    qualification: bool


def _shown_live(allocation: Allocation) -> Shown:
    entry, version = allocation.entry, allocation.version
    return Shown(entry.candidate_number, entry.npq, entry.window, entry.paper.case_paper,
                 version.text, version.word_count, False)


def _shown_seed(seed: Seed) -> Shown:
    script = seed.definitive
    return Shown(seed.candidate_number, db.session.get(Npq, script.npq_code), seed.window,
                 script.paper, script.text, script.word_count,
                 seed.purpose is SeedPurpose.QUALIFICATION)


@dataclass(frozen=True)
class Kind:
    """How the pages show, mark and take back each kind of script in a marker's queue: a live
    one (an allocation) or a seed, which the marker must not tell apart."""

    shown: Callable[..., Shown]
    save: Callable[..., object]
    hand_back: Callable[..., object]


KINDS = {Allocation: Kind(_shown_live, save_mark, return_to_pool),
         Seed: Kind(_shown_seed, standardisation.save_seed_mark, standardisation.withdraw_seed)}


def shown(script: Allocation | Seed) -> Shown:
    return KINDS[type(script)].shown(script)


@bp.get("/")
@marker_required
def home():
    live = db.session.scalars(
        select(Allocation)
        .where(Allocation.marker_id == current_user.id,
               Allocation.status != AllocationStatus.RETURNED)
        .options(selectinload(Allocation.entry).selectinload(Entry.window),
                 selectinload(Allocation.mark))
    ).all()
    seeds = db.session.scalars(
        select(Seed)
        .where(Seed.marker_id == current_user.id, Seed.status != AllocationStatus.RETURNED,
               Seed.purpose == SeedPurpose.LIVE)  # qualification scripts are listed apart
        .options(selectinload(Seed.window), selectinload(Seed.definitive),
                 selectinload(Seed.mark))
    ).all()
    # Seeds sit among live scripts in candidate-number order within each batch, so neither
    # their place in the queue nor their address tells them apart.
    queue = sorted([*live, *seeds], key=lambda s: (s.allocated_at, s.candidate_number))
    todo = [s for s in queue if s.status is AllocationStatus.ALLOCATED]
    done = [s for s in queue if s.status is AllocationStatus.SUBMITTED]
    deadlines = sorted({s.window.marking_deadline for s in todo if s.window.marking_deadline})
    cases = []
    if current_user.has_role(Role.MODERATOR):
        cases = cases_for_moderator(current_user)
    return render_template("marker/home.html", todo=todo, done=done, deadlines=deadlines,
                           cases=cases, standardisation=standardisation.for_marker(current_user),
                           marker_text=standardisation.MARKER_TEXT,
                           reviews=reviews.for_reviewer(current_user))


@bp.route("/scripts/<candidate>", methods=["GET", "POST"])
@marker_required
def script(candidate: str):
    """A script in the marker's queue, at its candidate number, live or seeded alike."""
    script = _script_for(current_user, candidate)
    page = shown(script)
    if request.method == "POST" and script.status is AllocationStatus.ALLOCATED:
        data = _mark_input()
        submit = request.form.get("action") == "submit"
        try:
            KINDS[type(script)].save(script, data, clock.now(), submit=submit)
        except MarkingError as problem:
            db.session.rollback()
            return _script_page(script, page, data=data, error=str(problem))
        flash("Mark submitted." if submit else "Draft saved.", "success")
        if submit and page.qualification:
            return redirect(url_for(".qualification", window_id=page.window.id, npq=page.npq.code))
        return redirect(url_for(".home") if submit else url_for(".script", candidate=candidate))
    return _script_page(script, page)


def _script_page(script: Allocation | Seed, page: Shown, data: MarkInput | None = None,
                 error: str | None = None, return_error: str | None = None):
    """The workbench: the script and case study beside the rubric, with what the marker typed
    (`data`) and the problem with it, or with their reason for handing the script back. A seed
    is shown exactly as a live script is (`page`)."""
    mark = script.mark
    if data is None:
        data = MarkInput(
            levels=mark.levels() if mark else {},
            comments={j.criterion_id: j.comment for j in mark.judgements} if mark else {},
            feedback=mark.feedback if mark else "",
        )
    return render_template(
        "marker/script.html", script=script, shown=page,
        rubric=rubric_store.rubric_for(page.npq.code), data=data, error=error,
        return_error=return_error, script_view=script_view(page.text, page.window.word_limit),
        case_study=paper_html(page.paper) if page.paper else None,
        handout_url=lambda n: url_for(".handout", candidate=page.candidate_number, number=n),
        locked=script.status is not AllocationStatus.ALLOCATED,
    )


@bp.get("/scripts/<candidate>/handouts/<int:number>")
@marker_required
def handout(candidate: str, number: int):
    """A handout of the script's case study, for the marker it is allocated to only."""
    paper = shown(_script_for(current_user, candidate)).paper
    return send_handout(paper.handouts if paper else [], number)


@bp.post("/scripts/<candidate>/return")
@marker_required
def give_back(candidate: str):
    script = _script_for(current_user, candidate)
    try:
        KINDS[type(script)].hand_back(script, request.form.get("reason", ""), current_user,
                                      clock.now())
    except MarkingError as problem:
        db.session.rollback()
        return _script_page(script, shown(script), return_error=str(problem))
    flash("The script has been returned and will be given to another marker.", "success")
    return redirect(url_for(".home"))


@bp.route("/moderation/<int:case_id>", methods=["GET", "POST"])
@moderator_required
def moderation(case_id: int):
    case = db.session.get(Moderation, case_id)
    # A moderator sees only the cases they may decide, or decided; admins see every case.
    if case is None or not (current_user.has_role(Role.ADMIN)
                            or case.moderator_id == current_user.id
                            or may_decide(case, current_user)):
        abort(404)
    entry = case.entry
    done_url = (url_for("admin.marking_overview", window_id=entry.window_id)
                if current_user.has_role(Role.ADMIN) else url_for(".home"))
    rubric = rubric_store.rubric_for(entry.npq_code)
    first = submitted_mark(entry.id, MarkingRole.FIRST)
    second = submitted_mark(entry.id, MarkingRole.SECOND)
    error, data = None, None
    if request.method == "POST":
        data = _mark_input()
        try:
            moderate(case, current_user, data, request.form.get("reason", ""), clock.now())
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
        script=script_view(version.text, entry.window.word_limit), locked=case.decided_at is not None,
    )


@bp.get("/agreement")
@moderator_required
def agreement():
    return render_template("marker/agreement.html", rows=agreement_by_marker())


def _record_or_404(window_id: int, npq: str) -> standardisation.MarkerRecord:
    window = db.session.get(AssessmentWindow, window_id)
    record = (standardisation.records(window, [current_user.id]).get((current_user.id, npq))
              if window else None)
    if record is None or record.standing is Standing.NOT_REQUIRED:
        abort(404)
    return record


@bp.get("/standardisation/<int:window_id>/<npq>")
@marker_required
def qualification(window_id: int, npq: str):
    """The marker's qualification set, then how their levels compare with the agreed ones."""
    record = _record_or_404(window_id, npq)
    window = db.session.get(AssessmentWindow, window_id)
    return render_template("marker/qualification.html", record=record, window=window,
                           standing_text=standardisation.MARKER_TEXT[record.standing],
                           setting=standardisation.settings_for(window),
                           feedback=standardisation.qualification_feedback(record),
                           qualification=[s for s in record.seeds
                                          if s.purpose is SeedPurpose.QUALIFICATION])


@bp.post("/standardisation/<int:window_id>/<npq>/start")
@marker_required
def start_qualification(window_id: int, npq: str):
    _record_or_404(window_id, npq)
    window = db.session.get(AssessmentWindow, window_id)
    try:
        standardisation.start_qualification(window, npq, current_user, clock.now())
    except MarkingError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    return redirect(url_for(".qualification", window_id=window_id, npq=npq))
@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@marker_required
def review(review_id: int):
    """A review of marking: the script afresh, blind to the earlier marks and the participant."""
    review = db.session.get(ReviewRequest, review_id)
    if review is None or review.reviewer_id != current_user.id:
        abort(404)
    entry = review.entry
    rubric = rubric_store.rubric_for(entry.npq_code)
    error, data, rationale = None, None, review.rationale or ""
    locked = review.status is not ReviewStatus.ACCEPTED
    if request.method == "POST" and not locked:
        data, rationale = _mark_input(), request.form.get("rationale", "")
        submit = request.form.get("action") == "submit"
        try:
            reviews.save_review(review, current_user, data, rationale, clock.now(), submit=submit)
        except (MarkingError, ReviewRefused) as problem:
            db.session.rollback()
            error = str(problem)
        else:
            flash("Review submitted." if submit else "Draft saved.", "success")
            return redirect(url_for(".home") if submit else url_for(".review", review_id=review.id))
    if data is None:
        data = MarkInput(levels=review.levels(), feedback=review.feedback,
                         comments={j.criterion_id: j.comment for j in review.judgements})
    version = reviews.reviewed_version(entry.id)
    return render_template(
        "marker/review.html", review=review, entry=entry, rubric=rubric, data=data,
        rationale=rationale, error=error, page_error=error, rules=REVIEW_RULES, version=version,
        script=script_view(version.text, entry.window.word_limit), locked=locked,
        case_study=paper_html(entry.paper.case_paper),
    )
