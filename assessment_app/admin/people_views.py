"""The admin's people pages: list, import, deactivate, password links; and the audit log."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..access import admin_required
from ..extensions import db
from ..models import AssessmentWindow, Role, User
from ..npqs import NPQ_CODES
from ..services import accounts, admin_lists, audit, audit_search
from ..services.accounts import AccountError
from .blueprint import bp
from .forms import PeopleImportForm, PersonForm
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
    return import_page(PeopleImportForm(), "admin/people_import.html", accounts.import_people,
                       lambda people: f"{len(people)} people added. Each has been emailed a link "
                                      "to set a password.",
                       url_for(".people"))


@bp.route("/people/new", methods=["GET", "POST"])
@admin_required
def add_person():
    form = PersonForm()
    if form.validate_on_submit():
        row = {name: (getattr(form, name).data or "") for name in accounts.PEOPLE_COLUMNS}
        end_date = form.programme_end_date.data
        row["programme_end_date"] = end_date.isoformat() if end_date else ""
        try:
            person = accounts.add_person(row, current_user, clock.now())
        except AccountError as problem:
            db.session.rollback()
            form.email.errors = [str(problem)]
        else:
            flash(f"{person.name} added and emailed a link to set a password.", "success")
            return redirect(url_for(".people"))
    return render_template("admin/person_form.html", form=form)


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


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
