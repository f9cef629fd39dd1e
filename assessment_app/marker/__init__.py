"""The marker's and moderator's pages. Scripts are shown by candidate number only."""

from . import check_views, views  # noqa: F401  (routes register on import)
from .blueprint import bp  # noqa: F401  (create_app registers it)
