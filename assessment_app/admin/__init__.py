"""The assessment admin's pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module registers its routes on bp when imported.
from . import eligibility_views, marking_views, people_views, views  # noqa: E402,F401
