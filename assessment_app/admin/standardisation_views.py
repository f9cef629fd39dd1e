"""The lead's standardisation pages for a window: settings, definitive scripts, each marker's
agreement with them over time, and decisions on markers outside tolerance."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clock
from ..access import admin_required
from ..clock import to_london
from ..extensions import db
from ..models import LeadAction, User
from ..services import lead_decisions, rubric_store, standardisation
from ..services.mark_input import MarkInput
from ..services.marking_error import MarkingError
from ..standardisation import criteria_matched
from ..svg_charts import bar_chart
from .blueprint import bp
from .standardisation_forms import DecisionForm, DefinitiveForm, SettingsForm
from .views import _window_or_404

ACTION_TEXT = {
    LeadAction.CLEAR: "Clear them to mark live scripts",
    LeadAction.FEEDBACK: "Give them feedback and let them continue",
    LeadAction.SECOND_MARK: "Send every script they marked since their last good seed to "
                            "second marking",
    LeadAction.STOP: "Stop them: their unmarked scripts go back to the pool",
}


@bp.route("/windows/<int:window_id>/standardisation", methods=["GET", "POST"])
@admin_required
def standardisation_overview(window_id: int):
    window = _window_or_404(window_id)
    form = SettingsForm(obj=standardisation.settings_for(window))
    if form.validate_on_submit():
        standardisation.save_settings(window, form.seed_every.data, form.qualification_size.data,
                                      form.criteria_off_allowed.data, current_user)
        flash("Standardisation settings saved.", "success")
        return redirect(url_for(".standardisation_overview", window_id=window.id))
    records = sorted(standardisation.records(window).values(),
                     key=lambda r: (not r.standing.needs_lead, r.marker.name, r.npq_code))
    return render_template("admin/standardisation.html", window=window, form=form,
                           records=records, scripts=standardisation.definitive_scripts(window),
                           remarked=standardisation.drift_remarks(window))


@bp.route("/windows/<int:window_id>/standardisation/definitive", methods=["GET", "POST"])
@admin_required
def add_definitive(window_id: int):
    window = _window_or_404(window_id)
    form = DefinitiveForm()
    form.npq_code.choices = [("", "Choose the NPQ")] + [(p.npq_code, p.npq_code)
                                                        for p in window.papers]
    # Only an NPQ of this window: any other code (typed into the address) has no rubric here.
    codes = [p.npq_code for p in window.papers]
    npq = next((c for c in (form.npq_code.data, request.args.get("npq")) if c in codes),
               codes[0] if codes else "")
    levels = {k[6:]: v for k, v in request.form.items() if k.startswith("level-")}
    error = None
    if form.validate_on_submit():
        try:
            standardisation.add_definitive(window, form.npq_code.data, MarkInput(levels=levels),
                                           form.rationale.data, current_user, clock.now(),
                                           text=form.text.data or "", source_candidate=form.source.data or "")
        except MarkingError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            flash("Definitive script added.", "success")
            return redirect(url_for(".standardisation_overview", window_id=window.id))
    rubric = rubric_store.rubric_for(npq) if npq else None
    return render_template("admin/definitive_form.html", window=window, form=form, rubric=rubric,
                           levels=levels, error=error, page_error=error)


@bp.route("/windows/<int:window_id>/standardisation/markers/<int:marker_id>/<npq>",
          methods=["GET", "POST"])
@admin_required
def standardisation_marker(window_id: int, marker_id: int, npq: str):
    """One marker's agreement with the definitive marks over time, and the lead's decision."""
    window = _window_or_404(window_id)
    record = standardisation.records(window, [marker_id]).get((marker_id, npq))
    if record is None:
        abort(404)
    form = DecisionForm()
    allowed = [a for a in LeadAction if a in lead_decisions.ALLOWED.get(record.standing, set())]
    form.action.choices = [(a.value, ACTION_TEXT[a]) for a in allowed]
    if allowed and form.validate_on_submit():
        try:
            decision = lead_decisions.decide(window, npq, db.session.get(User, marker_id),
                                             LeadAction(form.action.data), form.reason.data,
                                             current_user, clock.now())
        except MarkingError as problem:
            db.session.rollback()
            form.reason.errors.append(str(problem))
        else:
            flash(f"Decision recorded for {record.marker.name}"
                  + (f": {decision.remarked} scripts sent to second marking." if decision.remarked
                     else "."), "success")
            return redirect(url_for(".standardisation_marker", window_id=window.id,
                                    marker_id=marker_id, npq=npq))
    checked = [s for s in record.seeds if s.checked_at is not None]
    rows = [(s, criteria_matched(s.definitive.levels, s.mark.levels()),
             len(s.definitive.levels)) for s in checked]
    chart = bar_chart(
        "agreement", f"{record.marker.name}: criteria at the agreed level, per script",
        [(f"{to_london(s.checked_at):%d %b %H:%M} {s.candidate_number}", matched)
         for s, matched, _ in rows],
        "One bar per definitive script marked, oldest first; the table below gives the same "
        "figures with the tolerance verdict.")
    return render_template("admin/standardisation_marker.html", window=window, record=record,
                           rows=rows, chart=chart, form=form if allowed else None,
                           criteria=standardisation.per_criterion(record), action_text=ACTION_TEXT)
