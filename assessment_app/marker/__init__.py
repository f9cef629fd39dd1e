"""The marker's pages. Markers see scripts by candidate number only."""

from flask import Blueprint, render_template

from ..access import marker_required

bp = Blueprint("marker", __name__, url_prefix="/marking")


@bp.get("/")
@marker_required
def home():
    return render_template("marker/home.html")
