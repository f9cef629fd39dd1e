"""The participant's pages: their assessments, the case study, writing and submitting."""

from flask import Blueprint

bp = Blueprint("participant", __name__, url_prefix="/assessments")

from . import eligibility_views, review_views, views  # noqa: F401  (routes register on import)
