"""The participant's requests: deferral before the engagement deadline, and EC claims."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..access import entry_for, participant_required
from ..extensions import db
from ..forms_shared import ClaimForm, DeferralForm, uploaded_files
from ..models import DeferralRequest, EcClaim
from ..services import eligibility
from ..services.eligibility import ClaimInput, EligibilityError
from .blueprint import bp


@bp.route("/<int:entry_id>/deferral", methods=["GET", "POST"])
@participant_required
def deferral(entry_id: int):
    entry = entry_for(current_user, entry_id)
    form = DeferralForm()
    if form.validate_on_submit():
        try:
            eligibility.request_deferral(entry, form.reason.data, current_user, clock.now())
        except EligibilityError as problem:
            db.session.rollback()
            form.reason.errors.append(str(problem))
        else:
            flash("Your request to defer has been sent. You will see the decision here.", "success")
            return redirect(url_for(".overview", entry_id=entry.id))
    requests = db.session.scalars(
        select(DeferralRequest).where(DeferralRequest.entry_id == entry.id)
        .order_by(DeferralRequest.requested_at.desc())).all()
    return render_template("participant/deferral.html", entry=entry, form=form, requests=requests)


def claim_page(entry, form, back_url: str, template_args: dict):
    """The EC claim form, for a participant or an admin filing on their behalf."""
    if form.validate_on_submit():
        files = uploaded_files(form.evidence)
        data = ClaimInput(form.category.data, form.description.data, form.affected_from.data,
                          form.affected_to.data, files)
        try:
            eligibility.file_claim(entry, data, current_user, clock.now())
        except EligibilityError as problem:
            db.session.rollback()
            field = getattr(form, problem.field or "description")
            field.errors = [*field.errors, str(problem)]
        else:
            flash("The claim has been filed. An assessment admin will decide it and you will see "
                  "the decision here.", "success")
            return redirect(back_url)
    claims = db.session.scalars(
        select(EcClaim).where(EcClaim.entry_id == entry.id).order_by(EcClaim.filed_at.desc())).all()
    return render_template("participant/claim.html", entry=entry, form=form, claims=claims,
                           **template_args)


@bp.route("/<int:entry_id>/circumstances", methods=["GET", "POST"])
@participant_required
def circumstances(entry_id: int):
    entry = entry_for(current_user, entry_id)
    return claim_page(entry, ClaimForm(), url_for(".circumstances", entry_id=entry.id),
                      {"on_behalf": False})
