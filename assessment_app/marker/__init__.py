"""The marker's and moderator's pages. Scripts are shown by candidate number only."""

from flask import Blueprint

bp = Blueprint("marker", __name__, url_prefix="/marking")

from . import views  # noqa: F401  (routes register on import)
