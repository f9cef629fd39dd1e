from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..access import marker_required, role_required
from ..downloads import send_handout
from ..extensions import db
from ..mark_check import Note, by_field
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
from ..services import marker_queue, reviews, rubric_store, standardisation
from ..services.allocations import return_to_pool
from ..services.mark_input import IncompleteMark, MarkInput, check_complete, stored
from ..services.marking_error import MarkingError
from ..services.marking_stats import agreement_by_marker
from ..services.marks import save_mark, submitted_mark
from ..services.moderation import NO_REASON, cases_for_moderator, may_decide, save_draft
from ..services.papers import paper_html
from ..standardisation import Standing
from ..wordcount import count_response, marked_parts
from .blueprint import bp

moderator_required = role_required(Role.MODERATOR, Role.ADMIN)


def script_for(user, candidate: str) -> Allocation | Seed:
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
    cases = []
    if current_user.has_role(Role.MODERATOR):
        cases = cases_for_moderator(current_user)
    return render_template("marker/home.html",
                           queue=marker_queue.queue(current_user,
                                                    request.args.get("page", 1, type=int),
                                                    request.args.get("submitted", 1, type=int)),
                           cases=cases, standardisation=standardisation.for_marker(current_user),
                           marker_text=standardisation.MARKER_TEXT,
                           reviews=reviews.for_reviewer(current_user))


def continued(check_url: str, again_url: str, rubric, data: MarkInput,
              notes: tuple[Note, ...] = ()):
    """After a form's draft is saved: with "Save draft", back to the form; otherwise (Continue,
    or Enter in the form) on to the check page once nothing is missing (IncompleteMark)."""
    if request.form.get("action") == "save":
        flash("Draft saved.", "success")
        return redirect(again_url)
    check_complete(rubric, data, notes)
    return redirect(check_url)


@bp.route("/scripts/<candidate>", methods=["GET", "POST"])
@marker_required
def script(candidate: str):
    """A script in the marker's queue, at its candidate number, live or seeded alike. Posting
    saves the draft and never makes it final: only the check page does."""
    script = script_for(current_user, candidate)
    page = shown(script)
    if request.method == "POST" and script.status is AllocationStatus.ALLOCATED:
        data = _mark_input()
        try:
            KINDS[type(script)].save(script, data, clock.now(), submit=False)
            return continued(url_for(".check_script", candidate=candidate),
                             url_for(".script", candidate=candidate),
                             rubric_store.rubric_for(page.npq.code), data)
        except IncompleteMark as incomplete:  # the draft stays saved: nothing typed is lost
            return script_page(script, page, data=data, problems=incomplete.problems)
        except MarkingError as problem:
            db.session.rollback()
            return script_page(script, page, data=data, error=str(problem))
    return script_page(script, page)


def script_page(script: Allocation | Seed, page: Shown, data: MarkInput | None = None,
                 error: str | None = None, return_error: str | None = None, problems=()):
    """The workbench: the script and case study beside the rubric, with what the marker typed
    (`data`) and the problems with it, or with their reason for handing the script back. A
    seed is shown exactly as a live script is (`page`)."""
    mark = script.mark
    if data is None:
        data = stored(mark) if mark else MarkInput()
    return render_template(
        "marker/script.html", script=script, shown=page,
        rubric=rubric_store.rubric_for(page.npq.code), data=data, error=error,
        problems=problems, problem_fields=by_field(problems),
        return_error=return_error, script_view=script_view(page.text, page.window.word_limit),
        case_study=paper_html(page.paper) if page.paper else None,
        handout_url=lambda n: url_for(".handout", candidate=page.candidate_number, number=n),
        locked=script.status is not AllocationStatus.ALLOCATED,
    )


@bp.get("/scripts/<candidate>/handouts/<int:number>")
@marker_required
def handout(candidate: str, number: int):
    """A handout of the script's case study, for the marker it is allocated to only."""
    paper = shown(script_for(current_user, candidate)).paper
    return send_handout(paper.handouts if paper else [], number)


@bp.post("/scripts/<candidate>/return")
@marker_required
def give_back(candidate: str):
    script = script_for(current_user, candidate)
    try:
        KINDS[type(script)].hand_back(script, request.form.get("reason", ""), current_user,
                                      clock.now())
    except MarkingError as problem:
        db.session.rollback()
        return script_page(script, shown(script), return_error=str(problem))
    flash("The script has been returned and will be given to another marker.", "success")
    return redirect(url_for(".home"))


def case_for(case_id: int) -> Moderation:
    """A moderation case the user may see: one they may decide, or decided; admins see every
    case. Any other is 404."""
    case = db.session.get(Moderation, case_id)
    if case is None or not (current_user.has_role(Role.ADMIN)
                            or case.moderator_id == current_user.id
                            or may_decide(case, current_user)):
        abort(404)
    return case


def moderation_done_url(case: Moderation) -> str:
    """Where a decider lands: an admin on the window's marking page, a moderator on theirs."""
    return (url_for("admin.marking_overview", window_id=case.entry.window_id)
            if current_user.has_role(Role.ADMIN) else url_for(".home"))


def reason_note(reason: str) -> Note:
    return Note("reason", reason, NO_REASON)


@bp.route("/moderation/<int:case_id>", methods=["GET", "POST"])
@moderator_required
def moderation(case_id: int):
    """Both marks and the script; posting saves the decision as a draft (never final: only the
    check page records it)."""
    case = case_for(case_id)
    if request.method == "POST" and case.decided_at is None:
        data, reason = _mark_input(), request.form.get("reason", "")
        try:
            save_draft(case, current_user, data, reason)
            return continued(url_for(".check_moderation", case_id=case.id),
                             url_for(".moderation", case_id=case.id),
                             rubric_store.rubric_for(case.entry.npq_code), data,
                             (reason_note(reason),))
        except IncompleteMark as incomplete:
            return moderation_page(case, data, reason, problems=incomplete.problems)
        except MarkingError as problem:
            db.session.rollback()
            return moderation_page(case, data, reason, error=str(problem))
    return moderation_page(case, stored(case), case.reason or "")


def moderation_page(case: Moderation, data: MarkInput, reason: str, error: str | None = None,
                    problems=()):
    """The case: both marks, the script, and the decision as typed (`data`, `reason`) with the
    problems with it."""
    entry = case.entry
    first = submitted_mark(entry.id, MarkingRole.FIRST)
    second = submitted_mark(entry.id, MarkingRole.SECOND)
    version = first.allocation.version
    return render_template(
        "marker/moderation.html", case=case, entry=entry,
        rubric=rubric_store.rubric_for(entry.npq_code), first=first, second=second, data=data,
        reason=reason, error=error, problems=problems,
        problem_fields=by_field(problems), page_error=error or problems,
        back_url=moderation_done_url(case),
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


def review_for(review_id: int) -> ReviewRequest:
    """A review of marking given to this reviewer; any other is 404."""
    review = db.session.get(ReviewRequest, review_id)
    if review is None or review.reviewer_id != current_user.id:
        abort(404)
    return review


def rationale_note(rationale: str) -> Note:
    return Note("rationale", rationale, reviews.NO_RATIONALE)


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@marker_required
def review(review_id: int):
    """A review of marking: the script afresh, blind to the earlier marks and the participant.
    Posting saves the draft; only the check page submits it."""
    review = review_for(review_id)
    if request.method == "POST" and review.status is ReviewStatus.ACCEPTED:
        data, rationale = _mark_input(), request.form.get("rationale", "")
        try:
            reviews.save_review(review, current_user, data, rationale, clock.now(), submit=False)
            return continued(url_for(".check_review", review_id=review.id),
                             url_for(".review", review_id=review.id),
                             rubric_store.rubric_for(review.entry.npq_code), data,
                             (rationale_note(rationale),))
        except IncompleteMark as incomplete:
            return review_page(review, data, rationale, problems=incomplete.problems)
        except (MarkingError, ReviewRefused) as problem:
            db.session.rollback()
            return review_page(review, data, rationale, error=str(problem))
    return review_page(review, stored(review), review.rationale or "")


def review_page(review: ReviewRequest, data: MarkInput, rationale: str,
                error: str | None = None, problems=()):
    """The review: the case study and the script, and the judgement as typed with the problems
    with it."""
    entry = review.entry
    version = reviews.reviewed_version(entry.id)
    return render_template(
        "marker/review.html", review=review, entry=entry,
        rubric=rubric_store.rubric_for(entry.npq_code), data=data, rationale=rationale,
        error=error, problems=problems, problem_fields=by_field(problems),
        page_error=error or problems, rules=REVIEW_RULES, version=version,
        script=script_view(version.text, entry.window.word_limit),
        locked=review.status is not ReviewStatus.ACCEPTED,
        case_study=paper_html(entry.paper.case_paper),
    )
