"""The admin records a participant's standing access arrangement, with evidence."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovTextArea, GovTextInput
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .. import clock
from ..access import admin_required
from ..access_arrangements import MAX_EXTRA_DAYS
from ..extensions import db
from ..forms_shared import uploaded_files
from ..models import ArrangementEvidence
from ..services import arrangements, audit
from ..services.arrangements import ArrangementRefused
from .blueprint import bp
from .eligibility_views import _participant_or_404


class DaysField(IntegerField):
    """IntegerField whose message for text that is not a number says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the number of extra days as a whole number, for example "
                             "5") from None


class ArrangementForm(FlaskForm):
    extra_days = DaysField(
        "Extra days after each window's deadline", widget=GovTextInput(),
        description="Applied to every window this participant is entered for, up to that "
                    "window's extension limit.",
        validators=[InputRequired("Enter the number of extra days as a whole number"),
                    NumberRange(1, MAX_EXTRA_DAYS,
                                f"Enter a whole number of days from 1 to {MAX_EXTRA_DAYS}")])
    details = TextAreaField("What the arrangement is for", widget=GovTextArea(),
                            description="Only assessment admins see this and the evidence; "
                                        "markers never see either.",
                            validators=[DataRequired("Say what the arrangement is for"),
                                        Length(max=5000)])
    evidence = MultipleFileField("Evidence", widget=GovFileInput(multiple=True),
                                 description="PDF, JPEG, PNG or Word documents, up to 5 files of "
                                             "10 MB each.")


@bp.route("/participants/<int:user_id>/arrangement", methods=["GET", "POST"])
@admin_required
def arrangement(user_id: int):
    user = _participant_or_404(user_id)
    current = arrangements.arrangement_of(user.id)
    form = ArrangementForm(obj=current if request.method == "GET" else None)
    if form.validate_on_submit():
        files = uploaded_files(form.evidence)
        try:
            arrangements.record_arrangement(user, form.extra_days.data, form.details.data, files,
                                            current_user, clock.now())
        except ArrangementRefused as problem:
            db.session.rollback()
            field = getattr(form, problem.field or "details")
            field.errors = [*field.errors, str(problem)]
        else:
            flash("Access arrangement recorded. It applies to every window this participant is "
                  "entered for whose deadline has not passed.", "success")
            return redirect(url_for(".participant", user_id=user.id))
    return render_template("admin/arrangement.html", user=user, arrangement=current, form=form)


@bp.post("/participants/<int:user_id>/arrangement/end")
@admin_required
def end_arrangement(user_id: int):
    user = _participant_or_404(user_id)
    current = arrangements.arrangement_of(user.id) or abort(404)
    try:
        arrangements.end_arrangement(current, current_user, clock.now())
    except ArrangementRefused as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        flash("Access arrangement ended: it no longer applies to windows entered from now on.",
              "success")
    return redirect(url_for(".participant", user_id=user.id))


@bp.get("/participants/<int:user_id>/arrangement/evidence/<int:evidence_id>")
@admin_required
def arrangement_evidence(user_id: int, evidence_id: int):
    item = db.session.get(ArrangementEvidence, evidence_id)
    if item is None or item.arrangement.participant_id != user_id:
        abort(404)
    audit.record("access_arrangement.evidence_viewed", actor=current_user, participant_id=user_id,
                 evidence=item.id, filename=item.filename)
    db.session.commit()
    return send_file(io.BytesIO(item.data), mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename)
