"""The admin's page of how each staff role signs in: a second factor, single sign-on."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import admin_required
from ..auth import identity_service
from ..services import second_factor
from ..services.second_factor import STAFF_ROLES
from .blueprint import bp


@bp.route("/sign-in", methods=["GET", "POST"])
@admin_required
def sign_in_rules():
    if request.method == "POST":
        for role in STAFF_ROLES:
            second_factor.set_rule(
                role, by=current_user,
                second_factor=request.form.get(f"{role.value}-second-factor") == "yes",
                single_sign_on=identity_service.enabled()
                and request.form.get(f"{role.value}-single-sign-on") == "yes")
        flash("How staff sign in has been saved.", "success")
        return redirect(url_for(".sign_in_rules"))
    return render_template("admin/sign_in_rules.html",
                           rules=[second_factor.rule_for(role) for role in STAFF_ROLES],
                           single_sign_on=identity_service.enabled())
