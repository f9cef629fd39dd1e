"""The admin's marking pages for a window: allocation, sampling, results release, exports."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock, release_check
from ..access import admin_required
from ..extensions import db
from ..forms_shared import options
from ..models import Allocation, Entry, MarkerProfile, MarkingRole, Moderation, Role, User
from ..npqs import NPQ_CODES, NPQ_NAMES
from ..services import admin_lists, allocations, audit, checking, exports, moderation, results
from ..services import release_check as release_checks
from ..services.checking import NO_MODERATOR
from ..services.marking_error import MarkingError
from ..timeformat import london_time, plural
from .blueprint import bp
from .confirm import check_page, confirmed
from .downloads import download
from .forms import AssignMarkerForm, AssignModeratorForm, MarkerForm, ReleaseForm
from .views import _window_or_404

# Listed on the marking page; the rest are counted (release refusals name them all).
OUTSTANDING_LISTED = 20


@bp.get("/windows/<int:window_id>/marking")
@admin_required
def marking_overview(window_id: int):
    return _marking_page(_window_or_404(window_id), clock.now(), ReleaseForm(formdata=None))


def _marking_page(window, at, release_form: ReleaseForm):
    filters = {"npq": request.args.get("npq", ""), "status": request.args.get("status", ""),
               "marker": request.args.get("marker", type=int)}
    markers = db.session.execute(
        select(User, MarkerProfile.npq_codes).join(MarkerProfile, MarkerProfile.user_id == User.id)
        .order_by(User.name)
    ).all()
    scripts, outstanding_total = checking.checking_counts(window, at)
    # Nothing still to check (the usual page once marking is done): nothing to look for.
    outstanding = (checking.outstanding_checks(window, at, limit=OUTSTANDING_LISTED, kept=True)
                   if outstanding_total else [])
    page = admin_lists.window_scripts(window, at, npq=filters["npq"], status=filters["status"],
                                      marker_id=filters["marker"],
                                      page=request.args.get("page", 1, type=int),
                                      unfiltered_total=scripts)
    return render_template(
        "admin/marking.html", window=window, page=page, scripts=scripts,
        markers=[m for m, _ in markers],
        qualified={m.id: set((codes or "").split()) for m, codes in markers},
        choices={"npq": [(p.npq_code, p.npq_code) for p in window.papers],
                 "status": [(k, text) for k, (text, _) in admin_lists.SCRIPT_STATUSES.items()],
                 "marker": [(m.id, m.name) for m, _ in markers]},
        filters=filters, at=at, form=release_form,
        outstanding=outstanding, outstanding_total=outstanding_total,
        stuck=[o for o in checking.outstanding_checks(window, at, moderation_only=True, kept=True)
               if o.holder == NO_MODERATOR] if outstanding_total else [])


@bp.post("/windows/<int:window_id>/marking/allocate")
@admin_required
def allocate(window_id: int):
    window = _window_or_404(window_id)
    result = allocations.allocate_window(window, clock.now(), current_user)
    message = f"{plural(len(result.assignments), 'script')} allocated."
    if result.unallocated:
        reasons = sorted(set(result.unallocated.values()))
        message += f" {len(result.unallocated)} could not be allocated: {'; '.join(reasons)}."
    flash(message, "success" if not result.unallocated else "error")
    return redirect(url_for(".marking_overview", window_id=window.id))


@bp.post("/windows/<int:window_id>/marking/<int:allocation_id>/move")
@admin_required
def move_allocation(window_id: int, allocation_id: int):
    window = _window_or_404(window_id)
    allocation = db.session.get(Allocation, allocation_id)
    marker = db.session.get(User, request.form.get("marker_id", type=int) or 0)
    if allocation is None or allocation.window.id != window.id or marker is None:
        flash("Choose a marker.", "error")
    else:
        try:
            allocations.reassign(allocation, marker, current_user, clock.now())
        except MarkingError as problem:
            db.session.rollback()
            flash(str(problem), "error")
        else:
            flash(f"Script {allocation.candidate_number} moved to {marker.name}.", "success")
    return redirect(url_for(".marking_overview", window_id=window.id))


@bp.route("/windows/<int:window_id>/marking/scripts/<int:entry_id>/<role>/assign",
          methods=["GET", "POST"])
@admin_required
def assign_marker(window_id: int, entry_id: int, role: str):
    """A script nobody could be allocated: every qualified marker and why they may not have it,
    and the admin assigns one who may (over capacity if need be)."""
    window = _window_or_404(window_id)
    entry = db.session.get(Entry, entry_id)
    if entry is None or entry.window_id != window.id or role not in {r.value for r in MarkingRole}:
        abort(404)
    stage = MarkingRole(role)
    people = allocations.candidates(entry, stage)
    form = AssignMarkerForm()
    form.marker_id.choices = options(
        (c.user.id, c.user.name + (f" (over capacity: {c.reason})" if c.over_capacity else ""))
        for c in people if c.may_assign)
    if form.validate_on_submit():
        marker = db.session.get(User, int(form.marker_id.data))
        try:
            allocations.assign(entry, stage, marker, current_user, clock.now())
        except MarkingError as problem:
            db.session.rollback()
            form.marker_id.errors = [str(problem)]
        else:
            flash(f"Script {entry.candidate_number} assigned to {marker.name} for {role} "
                  "marking.", "success")
            return redirect(url_for(".marking_overview", window_id=window.id))
    return render_template("admin/assign_marker.html", window=window, entry=entry, role=stage,
                           people=people, form=form)


@bp.post("/windows/<int:window_id>/marking/sample")
@admin_required
def draw_sample(window_id: int):
    window = _window_or_404(window_id)
    chosen = checking.draw_second_marking_sample(window, clock.now(), current_user)
    in_sample = "is" if len(chosen) == 1 else "are"
    flash(f"{plural(len(chosen), 'script')} {in_sample} in the second-marking sample.", "success")
    return redirect(url_for(".marking_overview", window_id=window.id))


def _case_or_404(window, case_id: int) -> Moderation:
    case = db.session.get(Moderation, case_id)
    if case is None or case.entry.window_id != window.id:
        abort(404)
    return case


@bp.route("/windows/<int:window_id>/moderation/<int:case_id>", methods=["GET", "POST"])
@admin_required
def resolve_moderation(window_id: int, case_id: int):
    """A case: give it to a moderator, or open it to decide it yourself."""
    window = _window_or_404(window_id)
    case = _case_or_404(window, case_id)
    form = AssignModeratorForm()
    moderators = db.session.scalars(
        select(User).where(User.role == Role.MODERATOR, User.active.is_(True)).order_by(User.name)
    ).all()
    form.moderator_id.choices = [("", "Choose a moderator")] + [(m.id, m.name) for m in moderators]
    if case.decided_at is None and form.validate_on_submit():
        try:
            moderation.assign_moderator(case, db.session.get(User, form.moderator_id.data),
                                        current_user, clock.now())
        except MarkingError as problem:
            db.session.rollback()
            form.moderator_id.errors.append(str(problem))
        else:
            flash(f"Candidate {case.entry.candidate_number} is now with "
                  f"{case.assigned_moderator.name} for moderation.", "success")
            return redirect(url_for(".marking_overview", window_id=window.id))
    return render_template("admin/moderation_case.html", window=window, case=case, form=form)


@bp.post("/windows/<int:window_id>/results")
@admin_required
def release(window_id: int):
    """Release results now or on a date, only from the check page's button: the form's errors
    come back on the marking page with what was typed; otherwise the check is shown."""
    window = _window_or_404(window_id)
    at = clock.now()
    form = ReleaseForm()
    when = form.release_at(at) if form.validate_on_submit() else None
    if when is None:
        return _marking_page(window, at, form), 400
    check = release_check.check(
        release_checks.gather(window, at, current_user), when, at,
        {"similarity": url_for(".similarity_page", window_id=window.id),
         "requests": url_for(".requests")})
    if not confirmed(check):
        return check_page(check, caption=window.name,
                          cancel=url_for(".marking_overview", window_id=window.id))
    try:
        results.release_results(window, when, current_user, at)
    except MarkingError as problem:  # the check found nothing: a race lost to another admin
        db.session.rollback()
        flash(str(problem), "error")
    else:
        flash("Results released." if when <= at else
              f"Results will be released at {london_time(when)}.", "success")
    return redirect(url_for(".marking_overview", window_id=window.id))


@bp.get("/windows/<int:window_id>/export/marks.csv")
@admin_required
def export_csv(window_id: int):
    window = _window_or_404(window_id)
    return download(window, "marks_csv", f"window-{window.id}-marks.csv",
                    exports.marks_csv(window, clock.now()), "text/csv")


@bp.get("/markers")
@admin_required
def markers():
    rows = db.session.scalars(
        select(User).where(User.role.in_([Role.MARKER, Role.MODERATOR])).order_by(User.name)
    ).all()
    profiles = {p.user_id: p for p in db.session.scalars(select(MarkerProfile))}
    return render_template("admin/markers.html", rows=rows, profiles=profiles)


@bp.route("/markers/<int:user_id>", methods=["GET", "POST"])
@admin_required
def marker(user_id: int):
    user = db.session.get(User, user_id)
    if user is None or user.role not in (Role.MARKER, Role.MODERATOR):
        abort(404)
    profile = db.session.get(MarkerProfile, user.id) or MarkerProfile(user_id=user.id, capacity=60,
                                                                      share=1.0, npq_codes="")
    form = MarkerForm(obj=profile)
    form.npq_codes.choices = options((code, f"{NPQ_NAMES[code]} ({code})") for code in NPQ_CODES)
    if not form.is_submitted():
        form.npq_codes.data = sorted(profile.npqs)
    if form.validate_on_submit():
        before = {"npqs": profile.npq_codes, "capacity": profile.capacity, "share": profile.share}
        profile.npq_codes = " ".join(c for c in NPQ_CODES if c in form.npq_codes.data)
        profile.capacity, profile.share = form.capacity.data, float(form.share.data)
        db.session.add(profile)
        audit.record("marker.updated", actor=current_user, marker=user.id, before=before,
                     after={"npqs": profile.npq_codes, "capacity": profile.capacity,
                            "share": profile.share})
        db.session.commit()
        flash(f"Marking settings saved for {user.name}.", "success")
        return redirect(url_for(".markers"))
    return render_template("admin/marker.html", form=form, user=user)
