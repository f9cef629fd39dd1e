"""The assessment admin's pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import views  # noqa: E402,F401  (routes register on import)
from . import marking_views  # noqa: E402,F401
from . import eligibility_views  # noqa: E402,F401
from . import people_views  # noqa: E402,F401
