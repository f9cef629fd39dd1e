"""The assessment admin's pages."""

# Each module registers its routes on bp when imported.
from . import (  # noqa: F401
    amendment_views,
    arrangement_views,
    dfe_views,
    eligibility_views,
    integrity_views,
    mail_views,
    marking_views,
    pack_views,
    papers_views,
    people_views,
    report_pages,
    review_views,
    sign_in_views,
    standardisation_views,
    views,
)
from .blueprint import bp  # noqa: F401  (create_app registers it)
