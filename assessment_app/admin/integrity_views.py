"""The admin's similarity checks of a window and academic-misconduct cases (never markers')."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from .. import clock, similarity
from .. import misconduct as misconduct_rules
from ..access import admin_required
from ..attempts import OUTCOME_TEXT
from ..evidence_files import EvidenceRejected
from ..extensions import db
from ..forms_shared import options
from ..misconduct import APPEAL_TEXT, DECISION_TEXT, Appeal, Decision, DecisionRefused, how_applied
from ..models import Entry, MisconductCase, MisconductEvidence
from ..services import misconduct
from ..services import similarity as checks
from .blueprint import bp
from .confirm import attempt_of, check_page, confirmed
from .views import _window_or_404


class EvidenceForm(FlaskForm):
    note = TextAreaField("Evidence", widget=GovTextArea(),
                         description="What you found, for example the pair and the shared "
                                     "passages, or what the participant said.",
                         validators=[DataRequired("Describe the evidence"), Length(max=10000)])
    file = FileField("File (optional)", widget=GovFileInput(),
                     description="A PDF, a JPEG or PNG image, or a Word document, under 10 MB.")
    add = SubmitField("Add evidence", widget=GovSubmitInput())


class MisconductDecisionForm(FlaskForm):
    decision = RadioField("Decision", widget=GovRadioInput(),
                          choices=options((d.value, text) for d, text in DECISION_TEXT.items()),
                          validators=[InputRequired("Choose a decision")])
    reason = TextAreaField("Reason", widget=GovTextArea(),
                           validators=[DataRequired("Give the reason for the decision"),
                                       Length(max=5000)])
    decide = SubmitField("Record the decision", widget=GovSubmitInput())


class AppealForm(FlaskForm):
    appeal = RadioField("Outcome of the appeal", widget=GovRadioInput(),
                        choices=options((a.value, text) for a, text in APPEAL_TEXT.items()),
                        validators=[InputRequired("Choose the outcome of the appeal")])
    appeal_reason = TextAreaField("Reason (the participant will see it)", widget=GovTextArea(),
                                  validators=[DataRequired("Give the reason for the appeal's "
                                                           "outcome"), Length(max=5000)])
    record = SubmitField("Record the appeal's outcome", widget=GovSubmitInput())


@bp.get("/windows/<int:window_id>/similarity")
@admin_required
def similarity_page(window_id: int):
    window = _window_or_404(window_id)
    found = checks.overview(window, request.args.get("page", 1, type=int))
    return render_template("admin/similarity.html", window=window, found=found,
                           threshold=checks.threshold(), decisions=DECISION_TEXT)


@bp.post("/windows/<int:window_id>/similarity/check")
@admin_required
def request_similarity_check(window_id: int):
    window = _window_or_404(window_id)
    checks.request_check(window, current_user, clock.now())
    flash("Similarity check asked for: it runs within a few minutes. Reload this page to see "
          "the pairs.", "success")
    return redirect(url_for(".similarity_page", window_id=window.id))


@bp.get("/windows/<int:window_id>/similarity/pairs/<int:pair_id>")
@admin_required
def similarity_pair(window_id: int, pair_id: int):
    window = _window_or_404(window_id)
    pair = checks.pair_in(window, pair_id) or abort(404)
    other_text = pair.other_version.text if pair.other_version else pair.paper.markdown
    passages, other_passages = similarity.shared_passages(pair.version.text, other_text)
    return render_template(
        "admin/similarity_pair.html", window=window, pair=pair,
        left=similarity.segments(pair.version.text, passages),
        right=similarity.segments(other_text, other_passages))


def _case_or_404(case_id: int) -> MisconductCase:
    return db.session.get(MisconductCase, case_id) or abort(404)


class OpenCaseForm(FlaskForm):
    reason = TextAreaField("Why are you opening a case?", widget=GovTextArea(),
                           description="For example, the pair and its overlap, or what a marker "
                                       "reported. It is kept on the case and in the audit log.",
                           validators=[DataRequired("Give the reason for opening the case"),
                                       Length(max=5000)])
    submit = SubmitField("Continue", widget=GovSubmitInput())


@bp.route("/entries/<int:entry_id>/misconduct", methods=["GET", "POST"])
@admin_required
def open_misconduct_case(entry_id: int):
    """The reason, then the check, then the case; an attempt has one case, so one already open
    is shown instead."""
    entry = db.session.get(Entry, entry_id) or abort(404)
    existing = misconduct.case_of(entry)
    if existing is not None:
        return redirect(url_for(".misconduct_case", case_id=existing.id))
    form = OpenCaseForm()
    if not form.validate_on_submit():
        return render_template("admin/open_misconduct_case.html", entry=entry, form=form), \
            400 if form.is_submitted() else 200
    check = misconduct_rules.opening_check(attempt_of(entry), form.reason.data)
    if not confirmed(check):
        return check_page(check, caption=entry.window.name,
                          cancel=url_for(".similarity_page", window_id=entry.window_id))
    case = misconduct.open_case(entry, form.reason.data, current_user, clock.now())
    flash("Misconduct case opened.", "success")
    return redirect(url_for(".misconduct_case", case_id=case.id))


@bp.get("/misconduct/<int:case_id>")
@admin_required
def misconduct_case(case_id: int):
    return _case_page(_case_or_404(case_id), EvidenceForm(formdata=None),
                      MisconductDecisionForm(formdata=None))


def _case_page(case: MisconductCase, evidence_form: EvidenceForm,
               decision_form: MisconductDecisionForm, failed=None, appeal_form=None):
    return render_template("admin/misconduct_case.html", case=case, evidence_form=evidence_form,
                           decision_form=decision_form, form=failed, decisions=DECISION_TEXT,
                           appeal_form=appeal_form or AppealForm(formdata=None),
                           appeals=APPEAL_TEXT)


@bp.post("/misconduct/<int:case_id>/evidence")
@admin_required
def add_misconduct_evidence(case_id: int):
    case = _case_or_404(case_id)
    form = EvidenceForm()
    if form.validate_on_submit():
        upload = form.file.data
        file = (upload.filename or "", upload.read()) if upload and upload.filename else None
        try:
            misconduct.add_evidence(case, form.note.data, file, current_user, clock.now())
        except (EvidenceRejected, DecisionRefused) as problem:
            db.session.rollback()
            form.file.errors = [str(problem)]
        else:
            flash("Evidence added to the case.", "success")
            return redirect(url_for(".misconduct_case", case_id=case.id))
    return _case_page(case, form, MisconductDecisionForm(formdata=None), failed=form), 400


@bp.post("/misconduct/<int:case_id>/decision")
@admin_required
def decide_misconduct_case(case_id: int):
    case = _case_or_404(case_id)
    form = MisconductDecisionForm()
    if form.validate_on_submit():
        entry = case.entry
        decision = Decision(form.decision.data)
        check = misconduct_rules.decision_check(
            attempt_of(entry), decision, form.reason.data,
            how_applied(decision, entry.window.results_recorded_at is not None, entry.outcome),
            OUTCOME_TEXT[entry.outcome], len(case.evidence), case.decided_at is not None)
        if not confirmed(check):
            return check_page(check, caption=f"Academic-misconduct case: {entry.candidate_number}",
                              cancel=url_for(".misconduct_case", case_id=case.id))
        try:
            misconduct.decide(case, form.decision.data, form.reason.data, current_user,
                              clock.now())
        except DecisionRefused as problem:
            db.session.rollback()
            form.reason.errors = [str(problem)]
        else:
            flash("Decision recorded.", "success")
            return redirect(url_for(".misconduct_case", case_id=case.id))
    return _case_page(case, EvidenceForm(formdata=None), form, failed=form), 400


@bp.post("/misconduct/<int:case_id>/appeal")
@admin_required
def record_misconduct_appeal(case_id: int):
    """The outcome of the participant's appeal: the only way an upheld decision is lifted."""
    case = _case_or_404(case_id)
    form = AppealForm()
    if form.validate_on_submit():
        check = misconduct_rules.appeal_check(attempt_of(case.entry), Appeal(form.appeal.data),
                                              form.appeal_reason.data,
                                              case.appeal_decided_at is not None)
        if not confirmed(check):
            return check_page(check, caption=f"Academic-misconduct case: "
                                             f"{case.entry.candidate_number}",
                              cancel=url_for(".misconduct_case", case_id=case.id))
        try:
            misconduct.decide_appeal(case, form.appeal.data, form.appeal_reason.data,
                                     current_user, clock.now())
        except DecisionRefused as problem:
            db.session.rollback()
            form.appeal_reason.errors = [str(problem)]
        else:
            flash("The appeal's outcome is recorded. The participant has been told.", "success")
            return redirect(url_for(".misconduct_case", case_id=case.id))
    return _case_page(case, EvidenceForm(formdata=None), MisconductDecisionForm(formdata=None),
                      failed=form, appeal_form=form), 400


@bp.get("/misconduct/<int:case_id>/evidence/<int:evidence_id>")
@admin_required
def misconduct_evidence(case_id: int, evidence_id: int):
    item = db.session.get(MisconductEvidence, evidence_id)
    if item is None or item.case_id != case_id or item.filename is None:
        abort(404)
    misconduct.evidence_viewed(item, current_user)
    return send_file(io.BytesIO(item.data), mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename)
