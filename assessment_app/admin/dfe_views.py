"""The admin's DfE pages: the outbox of outcomes going to the DfE and its failures, participants
fetched from the DfE beside what we hold, and where the DfE's outcomes differ from ours."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..access import admin_required
from ..dfe.client import DfeError
from ..extensions import db
from ..models import AssessmentWindow, DfeCall, DfeParticipantFetch
from ..services import audit, dfe_api, dfe_outbox, dfe_people
from ..services.dfe_people import FetchRefused
from ..timeformat import plural
from .blueprint import bp


@bp.get("/dfe")
@admin_required
def dfe():
    waiting = db.session.scalars(select(DfeParticipantFetch)
                                 .where(DfeParticipantFetch.applied_at.is_(None))
                                 .order_by(DfeParticipantFetch.fetched_at.desc())).all()
    windows = db.session.scalars(select(AssessmentWindow)
                                 .where(AssessmentWindow.results_recorded_at.is_not(None))
                                 .order_by(AssessmentWindow.release_at.desc())).all()
    return render_template("admin/dfe.html", configured=dfe_api.configured(),
                           counts=dfe_outbox.counts(), failing=dfe_outbox.failing(),
                           waiting=waiting, windows=windows)


@bp.post("/dfe/participants")
@admin_required
def fetch_dfe_participants():
    client = dfe_api.client()
    if client is None:
        flash("The DfE's API is not set up: see Configuration in the README.", "error")
        return redirect(url_for(".dfe"))
    try:
        with client:
            fetched = dfe_people.fetch(client, current_user, clock.now())
    except DfeError as error:
        db.session.rollback()
        flash(f"The DfE's participants could not be fetched: {error}", "error")
        return redirect(url_for(".dfe"))
    return redirect(url_for(".dfe_participants", fetch_id=fetched.id))


def _fetch(fetch_id: int) -> DfeParticipantFetch:
    return db.session.get(DfeParticipantFetch, fetch_id) or abort(404)


@bp.get("/dfe/participants/<int:fetch_id>")
@admin_required
def dfe_participants(fetch_id: int):
    return _participants_page(_fetch(fetch_id))


def _participants_page(fetched: DfeParticipantFetch, error: str | None = None, status=200):
    planned = dfe_people.plan(fetched)
    return render_template("admin/dfe_participants.html", fetched=fetched, planned=planned,
                           shown=dfe_people.fingerprint(planned), error=error), status


@bp.post("/dfe/participants/<int:fetch_id>/apply")
@admin_required
def apply_dfe_participants(fetch_id: int):
    fetched = _fetch(fetch_id)
    try:
        added, updated = dfe_people.apply(fetched, request.form.get("shown", ""), current_user,
                                          clock.now())
    except FetchRefused as refused:
        db.session.rollback()
        return _participants_page(fetched, str(refused), 409)
    flash(f"From the DfE: {plural(added, 'person', 'people')} added (each emailed a link to set a password), "
          f"{plural(updated, 'person', 'people')} updated.", "success")
    return redirect(url_for(".people"))


@bp.post("/dfe/calls/<int:call_id>/retry")
@admin_required
def retry_dfe_call(call_id: int):
    call = db.session.get(DfeCall, call_id)
    if call is None or call.done_at or call.cancelled_at or call.last_error is None:
        abort(404)
    dfe_outbox.retry_now(call, clock.now())
    audit.record("dfe.call_retried", actor=current_user, window_id=call.entry.window_id,
                 participant_id=call.entry.participant_id, call=call.id,
                 last_error=call.last_error)
    flash(f"The call for {call.entry.participant.name} will be tried again within a minute.",
          "success")
    return redirect(url_for(".dfe"))


@bp.get("/windows/<int:window_id>/dfe-outcomes")
@admin_required
def dfe_outcomes(window_id: int):
    window = db.session.get(AssessmentWindow, window_id) or abort(404)
    client = dfe_api.client()
    differing = agreeing = problem = None
    if client is not None:
        try:
            with client:
                differing, agreeing = dfe_outbox.disagreements(window, client)
        except DfeError as error:
            problem = str(error)
    return render_template("admin/dfe_outcomes.html", window=window, configured=client is not None,
                           differing=differing, agreeing=agreeing, problem=problem)
