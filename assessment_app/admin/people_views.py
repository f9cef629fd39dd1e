"""The admin's people pages: list, add, change, import, deactivate, password links; and the
audit log."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..access import admin_required
from ..csv_imports import ImportRefused
from ..extensions import db
from ..models import AssessmentWindow, PeopleUpload, Role, User
from ..npqs import NPQ_CODES
from ..services import accounts, admin_lists, audit, audit_search, people_updates
from ..services.accounts import AccountError, RowProblem
from ..services.people_updates import UpdateRefused
from ..timeformat import plural
from .blueprint import bp
from .forms import PeopleImportForm, PersonEditForm, PersonForm
from .imports import import_page


@bp.get("/people")
@admin_required
def people():
    filters = {name: request.args.get(name, "") for name in ("role", "programme", "q")}
    found = admin_lists.people(role=filters["role"], programme=filters["programme"],
                               search=filters["q"], page=request.args.get("page", 1, type=int))
    choices = {"role": [(r.value, f"{r.value.capitalize()}s") for r in Role],
               "programme": [(code, code) for code in NPQ_CODES]}
    return render_template("admin/people.html", page=found, filters=filters, choices=choices)


@bp.route("/people/import", methods=["GET", "POST"])
@admin_required
def import_people():
    # A file that updates anyone is kept and previewed; one of new people only is imported.
    def done(result):
        if isinstance(result, PeopleUpload):
            return None
        if not result:
            return "Nothing has changed: everyone in the file is already here as it says."
        return (f"{plural(len(result), 'person', 'people')} added. Each has been emailed a link "
                "to set a password.")
    return import_page(PeopleImportForm(), "admin/people_import.html",
                       people_updates.import_people, done,
                       lambda result: url_for(".people_upload", import_id=result.id)
                       if isinstance(result, PeopleUpload) else url_for(".people"))


def _upload(import_id: int) -> PeopleUpload:
    return db.session.get(PeopleUpload, import_id) or abort(404)


@bp.get("/people/import/<int:import_id>")
@admin_required
def people_upload(import_id: int):
    return _upload_page(_upload(import_id))


def _upload_page(upload: PeopleUpload, error: str | None = None, status: int = 200):
    """The kept file's changes as they stand now (or every problem it now has)."""
    try:
        plan, shown = people_updates.shown_plan(upload)
    except ImportRefused as refused:
        plan, shown, problems = None, "", refused.problems
    else:
        problems = []
    return render_template("admin/people_upload.html", upload=upload, plan=plan, shown=shown,
                           problems=problems, error=error, page_error=error or problems), status


@bp.post("/people/import/<int:import_id>/apply")
@admin_required
def apply_people_upload(import_id: int):
    upload = _upload(import_id)
    try:
        created, updated = people_updates.apply_upload(upload, request.form.get("shown", ""),
                                                       current_user, clock.now())
    except (UpdateRefused, ImportRefused) as refused:
        db.session.rollback()
        return _upload_page(upload, str(refused) if isinstance(refused, UpdateRefused) else None,
                            409)
    flash(f"From {upload.filename}: {plural(len(updated), 'person', 'people')} updated and "
          f"{plural(len(created), 'person', 'people')} added"
          + (" (each emailed a link to set a password)." if created else "."), "success")
    return redirect(url_for(".people"))


@bp.route("/people/new", methods=["GET", "POST"])
@admin_required
def add_person():
    form = PersonForm()
    if form.validate_on_submit():
        try:
            person = accounts.add_person(_row(form), current_user, clock.now())
        except AccountError as problem:
            db.session.rollback()
            form.email.errors = [str(problem)]
        else:
            flash(f"{person.name} added and emailed a link to set a password.", "success")
            return redirect(url_for(".people"))
    return render_template("admin/person_form.html", form=form)


def _row(form) -> dict:
    """The form's values as a row of the people file (a field the form leaves out is empty)."""
    row = {name: (getattr(form, name).data or "") if name in form else ""
           for name in accounts.PEOPLE_COLUMNS}
    end_date = form.programme_end_date.data if "programme_end_date" in form else None
    row["programme_end_date"] = end_date.isoformat() if end_date else ""
    return row


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


def _editable(user_id: int) -> User:
    """A participant, marker or moderator: admins' accounts are not changed here."""
    person = _person(user_id)
    return person if person.role is not Role.ADMIN else abort(404)


def _edit_form(person: User) -> PersonEditForm:
    form = PersonEditForm(obj=person if request.method == "GET" else None)
    if person.role is not Role.PARTICIPANT:  # a marker's NPQs are on their marker page
        del form.programme, form.programme_end_date
    return form


def _person_url(person: User) -> str:
    return (url_for(".participant", user_id=person.id) if person.role is Role.PARTICIPANT
            else url_for(".people"))


def _checked_edit(person: User, form: PersonEditForm):
    """The update the valid form makes, or None with the problems on their fields."""
    if not form.validate_on_submit():
        return None
    try:
        update = people_updates.review_edit(person, _row(form))
    except RowProblem as problem:
        getattr(form, problem.field).errors.append(accounts.as_sentence(problem))
        return None
    for field, messages in update.refusals.items():
        getattr(form, field).errors.extend(messages)
    return None if update.refusals else update


@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_person(user_id: int):
    """The form, then a check page listing each change and what it does."""
    person = _editable(user_id)
    form = _edit_form(person)
    if "change" not in request.form:  # the check page's Change button: the form again, as typed
        update = _checked_edit(person, form)
        if update is not None and not update.changes:
            flash("Nothing was changed.", "success")
            return redirect(_person_url(person))
        if update is not None:
            return _check_page(person, update)
    return render_template("admin/person_form.html", form=form, person=person,
                           back=_person_url(person))


def _check_page(person: User, update, error: str | None = None, status: int = 200):
    values = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", "submit", "change", "shown")]
    return render_template("admin/person_check.html", person=person, update=update,
                           values=values, shown=people_updates.fingerprint([update]),
                           error=error, page_error=error), status


@bp.post("/people/<int:user_id>/edit/confirm")
@admin_required
def confirm_person_edit(user_id: int):
    """Save the changes the check page showed, or show what is there now."""
    person = _editable(user_id)
    form = _edit_form(person)
    update = _checked_edit(person, form)
    if update is None:
        return render_template("admin/person_form.html", form=form, person=person,
                               back=_person_url(person))
    try:
        people_updates.save_edit(person, _row(form), request.form.get("shown", ""),
                                 current_user, clock.now())
    except UpdateRefused as refused:
        db.session.rollback()
        return _check_page(person, people_updates.review_edit(person, _row(form)),
                           str(refused), 409)
    flash(f"{person.name}'s details saved.", "success")
    return redirect(_person_url(person))


@bp.post("/people/<int:user_id>/active")
@admin_required
def set_active(user_id: int):
    user = _person(user_id)
    try:
        accounts.set_active(user, request.form.get("active") == "1", current_user)
    except AccountError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    else:
        flash(f"{user.name} {'can sign in again' if user.active else 'can no longer sign in'}.",
              "success")
    return redirect(url_for(".people"))


@bp.post("/people/<int:user_id>/password-link")
@admin_required
def send_password_link(user_id: int):
    user = _person(user_id)
    accounts.issue_password_link(user, clock.now(), first_time=user.password_hash is None)
    audit.record("password.link_sent", actor=current_user, user=user.id)
    db.session.commit()
    flash(f"A link to set a password has been emailed to {user.email}.", "success")
    return redirect(url_for(".people"))


@bp.get("/audit")
@admin_required
def audit_log():
    window_id = request.args.get("window", type=int)
    result = audit_search.search(participant=request.args.get("participant", "").strip(),
                                 window_id=window_id, actor=request.args.get("user", "").strip(),
                                 page=request.args.get("page", 1, type=int))
    windows = db.session.scalars(select(AssessmentWindow).order_by(AssessmentWindow.release_at.desc())).all()
    return render_template("admin/audit.html", result=result, windows=windows,
                           args=request.args)
