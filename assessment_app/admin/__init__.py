"""The assessment admin's pages."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module registers its routes on bp when imported.
from . import (  # noqa: F401
    amendment_views,
    arrangement_views,
    eligibility_views,
    integrity_views,
    marking_views,
    papers_views,
    people_views,
    report_pages,
    review_views,
    standardisation_views,
    views,
)
