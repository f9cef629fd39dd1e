"""The admin's eligibility pages: engagement import, deferrals, EC claims, extensions, timelines."""

import io

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import attempts, clock, outcome_checks
from ..access import admin_required
from ..extensions import db
from ..forms_shared import ClaimForm, chosen_label, options
from ..models import (
    AssessmentWindow,
    AuditEvent,
    DeferralRequest,
    EcClaim,
    EcEvidence,
    EngagementRecord,
    Entry,
    Extension,
    RequestStatus,
    Role,
    User,
)
from ..participant.eligibility_views import claim_page
from ..savepoints import refusal_of
from ..services import (
    amendments,
    arrangements,
    audit,
    deadline_extensions,
    eligibility,
    groups,
    outcomes,
    reviews,
)
from ..services.eligibility import EligibilityError
from ..services.engagement import (
    ExemptionError,
    exemption_windows,
    exemptions_of,
    record_exemption,
)
from ..timeformat import deadline_text, plural
from .blueprint import bp
from .confirm import attempt_of, check_page, confirmed
from .forms import (
    ClaimDecisionForm,
    DeferralDecisionForm,
    EngagementImportForm,
    ExemptionForm,
    ExtensionForm,
    WithdrawExtensionForm,
)
from .imports import import_page
from .views import _window_or_404


@bp.route("/engagement", methods=["GET", "POST"])
@admin_required
def engagement():
    return import_page(EngagementImportForm(), "admin/engagement.html", eligibility.import_engagement,
                       lambda count: f"{count} engagement figures imported.",
                       url_for(".engagement"))


@bp.get("/requests")
@admin_required
def requests():
    deferrals = db.session.scalars(
        select(DeferralRequest).where(DeferralRequest.status == RequestStatus.PENDING)
        .options(selectinload(DeferralRequest.entry).selectinload(Entry.participant))
        .order_by(DeferralRequest.requested_at)).all()
    claims = db.session.scalars(
        select(EcClaim).where(EcClaim.decided_at.is_(None))
        .options(selectinload(EcClaim.entry).selectinload(Entry.participant))
        .order_by(EcClaim.filed_at)).all()
    return render_template("admin/requests.html", deferrals=deferrals, claims=claims,
                           reviews=reviews.open_requests())


def _window_choices(entry):
    return options([("", "Choose a window")] + [(str(w.id), w.name) for w in eligibility.later_windows(entry, clock.now())])


@bp.route("/deferrals/<int:request_id>", methods=["GET", "POST"])
@admin_required
def deferral(request_id: int):
    deferral_request = db.session.get(DeferralRequest, request_id) or abort(404)
    form = DeferralDecisionForm()
    form.to_window.choices = _window_choices(deferral_request.entry)
    if form.validate_on_submit():
        to_window, agree, entry = (_window(form.to_window.data), form.decision.data == "agree",
                                   deferral_request.entry)

        def decide():
            eligibility.decide_deferral(deferral_request, agree, form.reason.data, current_user,
                                        clock.now(), to_window)

        check = outcome_checks.deferral_check(
            attempt_of(entry), agree, to_window and to_window.name, form.reason.data,
            entry.outcome, outcomes.outcome_if(entry, clock.now(), deferred=True),
            entry.reported_outcome)
        refusal = refusal_of(decide, EligibilityError)
        if refusal:
            form.reason.errors = [refusal]
        elif not confirmed(check):
            return check_page(check, caption=f"Deferral request from {entry.participant.name}",
                              cancel=url_for(".deferral", request_id=deferral_request.id))
        else:
            decide()
            flash("Decision recorded. The participant can see it.", "success")
            return redirect(url_for(".requests"))
    return render_template("admin/deferral.html", request=deferral_request, form=form)


def _window(window_id: str):
    return db.session.get(AssessmentWindow, int(window_id)) if window_id else None


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@admin_required
def claim(claim_id: int):
    ec_claim = db.session.get(EcClaim, claim_id) or abort(404)
    form = ClaimDecisionForm()
    form.to_window.choices = _window_choices(ec_claim.entry)
    if form.validate_on_submit() and ec_claim.decided_at is None:
        def decide():
            eligibility.decide_claim(ec_claim, form.decision.data, form.reason.data, current_user,
                                     clock.now(), until=form.until.data,
                                     to_window=_window(form.to_window.data))

        check = _claim_check(ec_claim, form)
        refusal = refusal_of(decide, EligibilityError)
        if refusal:
            form.reason.errors = [refusal]
        elif not confirmed(check):
            return check_page(check, caption=f"Extenuating circumstances claim from "
                                             f"{ec_claim.entry.participant.name}",
                              cancel=url_for(".claim", claim_id=ec_claim.id))
        else:
            decide()
            flash("Decision recorded. The participant can see it.", "success")
            return redirect(url_for(".requests"))
    return render_template("admin/claim.html", claim=ec_claim, form=form)


def _claim_check(ec_claim: EcClaim, form: ClaimDecisionForm):
    entry, decision = ec_claim.entry, form.decision.data
    to_window = _window(form.to_window.data)
    detail = {"extension": form.until.data and form.until.data.strftime("%-d %B %Y"),
              "defer": to_window and to_window.name}.get(decision)
    return outcome_checks.claim_check(
        attempt_of(entry), decision,
        chosen_label(form.decision),
        detail, form.reason.data, entry.outcome,
        outcomes.outcome_if(entry, clock.now(), **outcome_checks.CLAIM_FACTS[decision]),
        entry.reported_outcome, ec_claim.decided_at is not None)


@bp.get("/claims/<int:claim_id>/evidence/<int:evidence_id>")
@admin_required
def evidence(claim_id: int, evidence_id: int):
    item = db.session.get(EcEvidence, evidence_id)
    if item is None or item.claim_id != claim_id:
        abort(404)
    entry = item.claim.entry
    audit.record("ec.evidence_viewed", actor=current_user, window_id=entry.window_id,
                 participant_id=entry.participant_id, claim=claim_id, evidence=item.id,
                 filename=item.filename)
    db.session.commit()
    return send_file(io.BytesIO(item.data), mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename)


@bp.route("/participants/<int:user_id>/entries/<int:entry_id>/claim", methods=["GET", "POST"])
@admin_required
def claim_for(user_id: int, entry_id: int):
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.participant_id != user_id:
        abort(404)
    back = url_for(".participant", user_id=user_id)
    return claim_page(entry, ClaimForm(), back, {"on_behalf": True, "back_link": back})


@bp.route("/windows/<int:window_id>/extensions", methods=["GET", "POST"])
@admin_required
def extensions(window_id: int):
    window = _window_or_404(window_id)
    # Only attempts an extension can still help: running, or recorded as not submitted.
    entries = db.session.scalars(
        select(Entry).where(Entry.window_id == window.id, Entry.entered.is_(True),
                            Entry.outcome.is_(None)
                            | (Entry.outcome == attempts.AttemptOutcome.NOT_SUBMITTED))
        .options(selectinload(Entry.participant)).order_by(Entry.id)).all()
    form = ExtensionForm()
    form.entry_ids.choices = options((e.id, f"{e.participant.name} ({e.candidate_number})") for e in entries)
    form.group.choices = options([("", "No group: the participants ticked above")]
                                 + groups.group_choices(entries))
    to_confirm = []
    if form.validate_on_submit():
        chosen = ([e for e in entries if e.id in form.entry_ids.data] if form.entry_ids.data
                  else groups.in_group(entries, form.group.data))
        listed = ",".join(str(e.id) for e in chosen)
        if form.group.data and form.confirm_ids.data != listed:
            to_confirm = chosen  # a group: show who is in it before granting
        else:
            try:
                done = deadline_extensions.grant(chosen, form.until.data, form.reason.data,
                                        current_user, clock.now())
            except deadline_extensions.ExtensionRefused as problem:
                db.session.rollback()
                form.until.errors = [str(problem)]
            else:
                flash(granting_summary(done), "success")
                return redirect(url_for(".window", window_id=window.id))
    return render_template("admin/extensions.html", window=window, form=form,
                           to_confirm=to_confirm,
                           confirm_ids=",".join(str(e.id) for e in to_confirm))


def _participant_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.role is not Role.PARTICIPANT:
        abort(404)
    return user


def _exemption_form(user: User) -> ExemptionForm:
    form = ExemptionForm()
    form.window_id.choices = options([("", "Choose a window")] + [
        (str(w.id), w.name) for w in exemption_windows(user, clock.now())])
    return form


@bp.post("/participants/<int:user_id>/exemptions")
@admin_required
def exempt(user_id: int):
    """Record that this participant may be entered for a window below 90% engagement."""
    user = _participant_or_404(user_id)
    form = _exemption_form(user)
    if form.validate_on_submit():
        try:
            record_exemption(user, _window(form.window_id.data), form.reason.data, current_user,
                             clock.now())
        except ExemptionError as problem:
            db.session.rollback()
            form.reason.errors = [str(problem)]
        else:
            flash("Engagement exemption recorded.", "success")
            return redirect(url_for(".participant", user_id=user.id))
    return _participant_page(user, form)


@bp.get("/participants/<int:user_id>")
@admin_required
def participant(user_id: int):
    user = _participant_or_404(user_id)
    return _participant_page(user, _exemption_form(user))


def _participant_page(user: User, exemption_form: ExemptionForm):
    entries = db.session.scalars(
        select(Entry).where(Entry.participant_id == user.id)
        .options(selectinload(Entry.window)).order_by(Entry.created_at)).all()
    ledgers = {code: eligibility.ledger_for(user.id, code) for code in {e.npq_code for e in entries}}
    changes = amendments.history(e.id for e in entries)
    return render_template(
        "admin/participant.html", user=user, entries=entries, ledgers=ledgers,
        amendments=[a for e in entries for a in changes.get(e.id, [])],
        amendable={e.id for e in entries if amendments.choices_for(e, changes.get(e.id, []))},
        form=exemption_form, exemptions=exemptions_of(user.id),
        arrangement=arrangements.arrangement_of(user.id),
        engagement=db.session.scalars(select(EngagementRecord).where(
            EngagementRecord.participant_id == user.id).order_by(EngagementRecord.as_of.desc())).all(),
        extensions=db.session.scalars(select(Extension).join(Entry).where(
            Entry.participant_id == user.id).order_by(Extension.granted_at)).all(),
        events=db.session.scalars(select(AuditEvent).where(AuditEvent.participant_id == user.id)
                                  .options(selectinload(AuditEvent.actor))
                                  .order_by(AuditEvent.at.desc())).all(),
    )


def granting_summary(done: deadline_extensions.Granting) -> str:
    """Who got the extension, and who was left alone because it would not have helped them."""
    names = [x.entry.participant.name for x in done.granted]
    text = (f"Extension granted to {plural(len(names), 'participant')}: {', '.join(names)}."
            if names else "Nobody was given an extension.")
    if done.left_alone:
        text += (f" Left alone ({plural(len(done.left_alone), 'participant')}, the extension "
                 "would not give them more time): " + "; ".join(
                     f"{e.participant.name}: {why}" for e, why in done.left_alone) + ".")
    return text


@bp.route("/extensions/<int:extension_id>/withdraw", methods=["GET", "POST"])
@admin_required
def withdraw_extension(extension_id: int):
    """Taking an extension back: its own action, with a reason, while the deadline is ahead."""
    extension = db.session.get(Extension, extension_id)
    if extension is None or extension.withdrawn_at is not None:
        abort(404)
    entry = extension.entry
    form = WithdrawExtensionForm()
    if form.validate_on_submit():
        try:
            deadline_extensions.withdraw(extension, form.reason.data, current_user, clock.now())
        except deadline_extensions.ExtensionRefused as problem:
            db.session.rollback()
            form.reason.errors = [str(problem)]
        else:
            flash(f"Extension taken back: {entry.participant.name}'s deadline is now "
                  f"{deadline_text(entry.closes_at)}. They have been told by email.", "success")
            return redirect(url_for(".participant", user_id=entry.participant_id))
    return render_template("admin/withdraw_extension.html", extension=extension, entry=entry,
                           form=form, after=deadline_extensions.closes_at_without(extension))
