from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..access import admin_required
from ..clock import LONDON
from ..entry_rules import entry_timing
from ..extensions import db
from ..forms_shared import options
from ..models import AssessmentWindow, Entry, SubmissionVersion
from ..npqs import NPQ_CODES, NPQ_NAMES
from ..review_rules import DEFAULT_REVIEW_PERIOD_DAYS
from ..scheduling import notify_window_changed
from ..services import admin_lists, windows
from ..services.windows import NeedsConfirmation, WindowError, WindowSettings
from .blueprint import bp
from .forms import EntryForm, WindowForm


def _window_or_404(window_id: int) -> AssessmentWindow:
    window = db.session.get(AssessmentWindow, window_id)
    if window is None:
        abort(404)
    return window


def _npq_choices():
    return options((code, f"{NPQ_NAMES[code]} ({code})") for code in NPQ_CODES)


@bp.get("/")
@admin_required
def home():
    entered = (
        select(Entry.window_id, func.count(Entry.id).label("n")).group_by(Entry.window_id).subquery()
    )
    submitted = (
        select(Entry.window_id, func.count(func.distinct(SubmissionVersion.entry_id)).label("n"))
        .join(SubmissionVersion, SubmissionVersion.entry_id == Entry.id)
        .group_by(Entry.window_id)
        .subquery()
    )
    rows = db.session.execute(
        select(AssessmentWindow, entered.c.n, submitted.c.n)
        .outerjoin(entered, entered.c.window_id == AssessmentWindow.id)
        .outerjoin(submitted, submitted.c.window_id == AssessmentWindow.id)
        .options(selectinload(AssessmentWindow.papers))
        .order_by(AssessmentWindow.release_at.desc())
    ).all()
    return render_template("admin/home.html", rows=rows, at=clock.now())


def _settings(form: WindowForm) -> WindowSettings:
    return WindowSettings(
        name=form.name.data,
        first_day=form.first_day.data,
        length_days=form.length_days.data,
        release_time=form.release_time.time,
        deadline_time=form.deadline_time.time,
        word_limit=form.word_limit.data,
        tolerance_percent=form.tolerance_percent.data,
        npq_codes=tuple(form.npq_codes.data),
        marking_deadline=form.marking_deadline.data,
        second_marking_percent=form.second_marking_percent.data,
        engagement_deadline=form.engagement_deadline.data,
        max_extension_days=form.max_extension_days.data,
        review_period_days=form.review_period_days.data or DEFAULT_REVIEW_PERIOD_DAYS,
    )


def _name_taken(form: WindowForm, window_id: int | None) -> bool:
    clash = db.session.scalar(
        select(AssessmentWindow.id).where(AssessmentWindow.name == form.name.data.strip())
    )
    if clash is not None and clash != window_id:
        form.name.errors.append("A window with this name already exists")
        return True
    return False


@bp.route("/windows/new", methods=["GET", "POST"])
@admin_required
def new_window():
    form = WindowForm()
    form.npq_codes.choices = _npq_choices()
    review = None
    if form.validate_on_submit() and not _name_taken(form, None):
        review = windows.review_new_window(_settings(form))
        if form.confirmed(review):
            window = windows.create_window(_settings(form), current_user)
            db.session.commit()  # first: the scheduler's job store writes by its own connection
            notify_window_changed(current_app)
            flash(f"Window “{window.name}” created.", "success")
            return redirect(url_for(".window", window_id=window.id))
    return render_template("admin/window_form.html", form=form, window=None, review=review)


@bp.route("/windows/<int:window_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_window(window_id: int):
    window = _window_or_404(window_id)
    form = WindowForm(obj=window)
    form.npq_codes.choices = _npq_choices()
    if not form.is_submitted():
        form.npq_codes.data = [p.npq_code for p in window.papers]
        form.release_time.set_time(window.release_time)
        form.deadline_time.set_time(window.deadline_time)
        if window.engagement_deadline:
            form.engagement_deadline.data = (window.engagement_deadline - timedelta(minutes=1)).astimezone(LONDON).date()
    review = None
    if form.validate_on_submit() and not _name_taken(form, window.id):
        review = windows.review_update(window, _settings(form), clock.now())
        if form.confirmed(review):
            try:
                windows.update_window(window, _settings(form), current_user, clock.now(),
                                      confirmed=review.fingerprint)
            except WindowError as error:
                db.session.rollback()
                form.first_day.errors.append(str(error))
            else:
                db.session.commit()  # first: the scheduler's job store writes by its own connection
                notify_window_changed(current_app)
                flash("Window saved.", "success")
                return redirect(url_for(".window", window_id=window.id))
    return render_template("admin/window_form.html", form=form, window=window, review=review,
                           affected=len(windows.live_entries(window)) if review else 0)


@bp.get("/windows/<int:window_id>")
@admin_required
def window(window_id: int):
    window = _window_or_404(window_id)
    filters = {k: request.args.get(k, "").strip() for k in ("npq", "status", "q")}
    entered = admin_lists.entry_count(window)
    page = admin_lists.window_entries(window, npq=filters["npq"], status=filters["status"],
                                      search=filters["q"],
                                      page=request.args.get("page", 1, type=int),
                                      unfiltered_total=entered)
    return render_template(
        "admin/window.html", window=window, page=page, entered=entered,
        filters=filters, at=clock.now(),
        choices={"npq": [(p.npq_code, p.npq_code) for p in window.papers],
                 "status": [(k, text) for k, (text, _) in admin_lists.ENTRY_STATUSES.items()]})


@bp.route("/windows/<int:window_id>/entries", methods=["GET", "POST"])
@admin_required
def enter(window_id: int):
    window = _window_or_404(window_id)
    form = EntryForm()
    form.npq_code.choices = options([("", "Select the NPQ")] + [
        (p.npq_code, f"{NPQ_NAMES[p.npq_code]} ({p.npq_code})") for p in window.papers
    ])
    needed = None
    if form.validate_on_submit():
        try:
            entries = windows.enter_participants(
                window, form.npq_code.data, form.emails.data.splitlines(), current_user,
                confirmed=frozenset(filter(None, (form.confirmed.data or "").split(","))),
            )
        except WindowError as error:
            db.session.rollback()
            form.emails.errors.append(str(error))
        except NeedsConfirmation as warned:
            db.session.rollback()
            needed = warned
        else:
            flash(f"{len(entries)} participant{'s' if len(entries) != 1 else ''} entered.",
                  "success")
            return redirect(url_for(".window", window_id=window.id))
    return render_template("admin/enter.html", window=window, form=form, needed=needed,
                           timing=entry_timing(window.closes_at, clock.now()))
