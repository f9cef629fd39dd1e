"""The participant asks for a review of marking after results, and follows it."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from .. import clock
from ..access import entry_for, participant_required
from ..extensions import db
from ..review_rules import ReviewRefused
from ..services import reviews
from .blueprint import bp


class ReviewRequestForm(FlaskForm):
    grounds = TextAreaField(
        "Why should the marking be reviewed?", widget=GovTextArea(),
        description="For example, which criteria you think were judged wrongly, and why. "
                    "You can ask once for this attempt.",
        validators=[DataRequired("Give your grounds for the review"), Length(max=10000)])


@bp.route("/<int:entry_id>/review", methods=["GET", "POST"])
@participant_required
def review(entry_id: int):
    entry = entry_for(current_user, entry_id)
    at = clock.now()
    form = ReviewRequestForm()
    if form.validate_on_submit():
        try:
            reviews.request_review(entry, form.grounds.data, current_user, at)
        except ReviewRefused as problem:
            db.session.rollback()
            form.grounds.errors = [str(problem)]
        else:
            flash("Your request for a review has been sent. You will see the decision here.",
                  "success")
            return redirect(url_for(".review", entry_id=entry.id))
    existing = reviews.review_of(entry.id)
    return render_template("participant/review.html", entry=entry, form=form, review=existing,
                           closes_at=reviews.closes_at(entry),
                           problem=None if form.errors else reviews.problem_with_request(entry, at))
