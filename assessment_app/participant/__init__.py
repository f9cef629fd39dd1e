"""The participant's pages: their assessments, the case study, writing and submitting."""

from . import eligibility_views, review_views, views  # noqa: F401  (routes register on import)
from .blueprint import bp  # noqa: F401  (create_app registers it)
