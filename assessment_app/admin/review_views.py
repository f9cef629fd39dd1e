"""The admin decides requests for a review of marking and follows each review."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea
from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .. import clock, outcome_checks
from ..access import admin_required
from ..extensions import db
from ..forms_shared import options
from ..models import ReviewRequest, User
from ..review_rules import REVIEW_RULES, ReviewRefused
from ..savepoints import refusal_of
from ..services import reviews
from ..services.checking import final_result
from ..services.rubric_store import rubric_at
from .blueprint import bp
from .confirm import attempt_of, check_page, confirmed


class ReviewDecisionForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(),
                          choices=options([("accept", "Accept: a reviewer marks the script again"),
                                           ("reject", "Reject")]),
                          validators=[InputRequired("Choose a decision")])
    reviewer = SelectField("Reviewer (if accepted)", widget=GovSelect(), validate_choice=False,
                           description="Only markers and moderators qualified for this NPQ who "
                                       "have not marked the script and have no conflict of "
                                       "interest are listed.")
    reason = TextAreaField("Reason (the participant will see it)", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for your decision"),
                                       Length(max=5000)])
    submit = SubmitField("Record decision", widget=GovSubmitInput())


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
@admin_required
def review(review_id: int):
    request_ = db.session.get(ReviewRequest, review_id) or abort(404)
    entry = request_.entry
    form = ReviewDecisionForm()
    eligible = reviews.eligible_reviewers(entry)
    form.reviewer.choices = options([("", "Choose a reviewer")]
                                    + [(str(u.id), f"{u.name} ({u.role.value})") for u in eligible])
    if form.validate_on_submit():
        reviewer = db.session.get(User, int(form.reviewer.data)) if form.reviewer.data else None
        accept = form.decision.data == "accept"

        def decide():
            reviews.decide(request_, accept, form.reason.data, reviewer, current_user,
                           clock.now())

        refusal = refusal_of(decide, ReviewRefused)
        check = outcome_checks.review_request_check(
            attempt_of(entry), accept, reviewer and reviewer.name, form.reason.data)
        if refusal:
            (form.reviewer if accept else form.reason).errors = [refusal]
        elif not confirmed(check):
            return check_page(check, caption=f"Review of marking: {entry.candidate_number}",
                              cancel=url_for(".review", review_id=request_.id))
        else:
            decide()
            flash("Decision recorded. The participant has been told by email.", "success")
            return redirect(url_for(".requests"))
    result = final_result(entry)
    return render_template("admin/review.html", review=request_, entry=entry, form=form,
                           rules=REVIEW_RULES, result=result,
                           rubric=rubric_at(result.rubric_version) if result else None,
                           review_rubric=(rubric_at(request_.rubric_version)
                                          if request_.completed_at else None))
