"""The admin amends a recorded outcome (after a review of marking, or a late EC decision)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .. import clock, outcome_checks
from ..access import admin_required
from ..attempts import OUTCOME_TEXT, AttemptOutcome
from ..dfe_return import AmendmentRefused
from ..extensions import db
from ..forms_shared import chosen_label, options
from ..models import Entry
from ..savepoints import refusal_of
from ..services import amendments
from .blueprint import bp
from .confirm import attempt_of, check_page, confirmed


class AmendmentForm(FlaskForm):
    outcome = RadioField("New outcome", widget=GovRadioInput(),
                         validators=[InputRequired("Choose the new outcome")])
    completion = RadioField("Completion date", widget=GovRadioInput(),
                            validators=[InputRequired("Choose the completion date")])
    reason = TextAreaField("Reason (the participant will see it)", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for the amendment"),
                                       Length(max=5000)])
    submit = SubmitField("Amend the outcome", widget=GovSubmitInput())


@bp.route("/participants/<int:user_id>/entries/<int:entry_id>/amend", methods=["GET", "POST"])
@admin_required
def amend_outcome(user_id: int, entry_id: int):
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.participant_id != user_id:
        abort(404)
    earlier = amendments.history([entry.id]).get(entry.id, [])
    choices = amendments.choices_for(entry, earlier)
    if not choices:
        abort(404)
    at = clock.now()
    form = AmendmentForm()
    form.outcome.choices = options((c.value, OUTCOME_TEXT[AttemptOutcome(c.value)]) for c in choices)
    form.completion.choices = options([
        ("keep", f"Keep the completion date, {clock.to_london(entry.completed_at):%-d %B %Y}"),
        ("today", f"Today, {clock.to_london(at):%-d %B %Y} (for example, the date of a late EC decision)")])
    if form.validate_on_submit():
        def amend():
            amendments.amend_outcome(entry, form.outcome.data, form.completion.data == "keep",
                                     form.reason.data, current_user, at)

        check = outcome_checks.amendment_check(
            attempt_of(entry), entry.outcome,
            form.outcome.data,
            chosen_label(form.completion),
            form.reason.data, entry.reported_outcome)
        refusal = refusal_of(amend, AmendmentRefused)
        if refusal:
            form.outcome.errors = [refusal]
        elif not confirmed(check):
            return check_page(check, caption=entry.participant.name,
                              cancel=url_for(".participant", user_id=user_id))
        else:
            amend()
            flash("Outcome amended. The participant has been told by email.", "success")
            return redirect(url_for(".participant", user_id=user_id))
    return render_template("admin/amend_outcome.html", entry=entry, form=form, earlier=earlier)
