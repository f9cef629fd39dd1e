"""Signing in and out."""

from . import (  # noqa: F401  (routes register on import)
    passwords,
    second_factor_views,
    sign_in_views,
    single_sign_on,
)
from .blueprint import bp  # noqa: F401  (create_app registers it)
