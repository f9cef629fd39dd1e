"""The check pages: the only routes that make a mark final.

A marker's, moderator's or reviewer's form saves a draft and comes here (views.continued).
The page shows the draft as saved, the outcome the rubric's rule gives and what happens next;
its button posts the fingerprint of what it showed, and the draft is made final only if it
still matches (mark_input.check_as_shown), so a change made in another tab is never submitted
unseen. A draft with something missing goes back to its form, with the GOV.UK errors.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..access import marker_required
from ..extensions import db
from ..models import AllocationStatus, MarkingRole, ReviewStatus
from ..review_rules import REVIEW_RULES, ReviewRefused
from ..services import reviews, rubric_store
from ..services.mark_input import (
    IncompleteMark,
    MarkInput,
    check_as_shown,
    check_complete,
    shown_fingerprint,
    stored,
)
from ..services.marking_error import MarkingError
from ..services.marks import LEVEL_TOLERANCE
from ..services.moderation import moderate
from .blueprint import bp
from .views import (
    KINDS,
    case_for,
    moderation_done_url,
    moderation_page,
    moderator_required,
    rationale_note,
    reason_note,
    review_for,
    review_page,
    script_for,
    script_page,
    shown,
)


def _check(rubric, data: MarkInput, notes, make_final, form_page, next_steps, labels=None,
           **page):
    """A check page's GET and POST for the draft `data` and its `notes`. The POST makes it
    final (`make_final`, which answers) only if it is the mark the page showed; otherwise the
    page shows the mark as it is now, with why. A draft that lacks something goes back to its
    form (`form_page(problems)`); `next_steps(levels)` says what submitting leads to."""
    error = None
    if request.method == "POST":
        try:
            check_as_shown(rubric, data, request.form.get("fingerprint", ""), notes)
            return make_final()
        except (MarkingError, ReviewRefused) as problem:
            db.session.rollback()
            error = str(problem)
    try:
        check_complete(rubric, data, notes)
    except IncompleteMark as incomplete:
        return form_page(incomplete.problems)
    levels = {c.id: data.levels[c.id] for c in rubric.criteria}
    return render_template(
        "marker/check.html", rubric=rubric, data=data, error=error,
        notes=[{"field": n.field, "value": n.value, "label": labels[n.field]} for n in notes],
        outcome=rubric.outcome(levels), borderline=rubric.is_borderline(levels),
        fingerprint=shown_fingerprint(rubric, data, notes), next_steps=next_steps(levels),
        action_url=request.path, **page)


MODERATION_STEPS = [
    ("Your decision is final: it replaces both marks as the script's result, and is recorded "
     "in the audit log with your reason."),
    ("The participant sees the outcome, your levels and your comments when the window's "
     "results are released.")]


def _script_next_steps(script, page, rubric, levels: dict[str, str]) -> list[str]:
    """What submitting leads to. A seed reads exactly as a live script of its role does."""
    final = "Once you submit, the mark is final: you cannot change it."
    if page.qualification:
        return [final, ("Your levels are compared with the levels agreed for this script. When "
                        "you have submitted the whole set, your qualification page shows how "
                        "they compare.")]
    if script.role is MarkingRole.SECOND:
        return [final, ("It is compared with the first mark, which you have not seen. If the "
                        "outcomes differ, or a criterion differs by more than "
                        f"{LEVEL_TOLERANCE} level, a moderator decides the final mark.")]
    if rubric.outcome(levels) == "fail" or rubric.is_borderline(levels):
        checked = ("Every fail and every borderline script is second-marked blind, so this one "
                   "will be.")
    else:
        checked = "A share of every marker's scripts is drawn for blind second marking."
    return [final, f"{checked} If the two marks disagree, a moderator decides the final mark.",
            ("The participant sees the outcome, your levels and your comments only when the "
             "window's results are released.")]


@bp.route("/scripts/<candidate>/check", methods=["GET", "POST"])
@marker_required
def check_script(candidate: str):
    script = script_for(current_user, candidate)
    page = shown(script)
    form_url = url_for(".script", candidate=candidate)
    if script.status is not AllocationStatus.ALLOCATED or script.mark is None:
        return redirect(form_url)
    rubric = rubric_store.rubric_for(page.npq.code)
    data = stored(script.mark)

    def make_final():
        KINDS[type(script)].save(script, data, clock.now(), submit=True)
        flash("Mark submitted.", "success")
        if page.qualification:
            return redirect(url_for(".qualification", window_id=page.window.id,
                                    npq=page.npq.code))
        return redirect(url_for(".home"))

    return _check(rubric, data, (), make_final,
                  lambda problems: script_page(script, page, data=data, problems=problems),
                  lambda levels: _script_next_steps(script, page, rubric, levels),
                  form_url=form_url, candidate=page.candidate_number, button="Submit mark",
                  caption=f"{page.npq.name} – your mark")


@bp.route("/moderation/<int:case_id>/check", methods=["GET", "POST"])
@moderator_required
def check_moderation(case_id: int):
    case = case_for(case_id)
    form_url = url_for(".moderation", case_id=case.id)
    if case.decided_at is not None:
        return redirect(form_url)
    data, reason = stored(case), case.reason or ""

    def make_final():
        moderate(case, current_user, data, reason, clock.now())
        flash(f"Moderation decision recorded for {case.entry.candidate_number}.", "success")
        return redirect(moderation_done_url(case))

    return _check(rubric_store.rubric_for(case.entry.npq_code), data, (reason_note(reason),),
                  make_final,
                  lambda problems: moderation_page(case, data, reason, problems=problems),
                  lambda levels: MODERATION_STEPS, {"reason": "Reason for your decision"},
                  form_url=form_url, candidate=case.entry.candidate_number,
                  button="Record final mark", caption=f"{case.entry.npq.name} – moderation")


@bp.route("/reviews/<int:review_id>/check", methods=["GET", "POST"])
@marker_required
def check_review(review_id: int):
    review = review_for(review_id)
    form_url = url_for(".review", review_id=review.id)
    if review.status is not ReviewStatus.ACCEPTED:
        return redirect(form_url)
    data, rationale = stored(review), review.rationale or ""

    def make_final():
        reviews.save_review(review, current_user, data, rationale, clock.now(), submit=True)
        flash("Review submitted.", "success")
        return redirect(url_for(".home"))

    return _check(rubric_store.rubric_for(review.entry.npq_code), data,
                  (rationale_note(rationale),), make_final,
                  lambda problems: review_page(review, data, rationale, problems=problems),
                  lambda levels: ["Once you submit, the review is final.", *REVIEW_RULES[2:]],
                  {"rationale": "Reason for your judgement"}, form_url=form_url,
                  candidate=review.entry.candidate_number, button="Submit review",
                  caption=f"{review.entry.npq.name} – review of marking")
