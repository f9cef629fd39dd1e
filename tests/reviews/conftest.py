"""Released results (from the returns tests) and helpers for reviews of marking."""

from marking.conftest import AFTER_CLOSE, closed, rubric_form  # noqa: F401
from returns.conftest import mark_input, released, signed_in  # noqa: F401
