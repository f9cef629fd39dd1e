"""The marking fixtures serve the operations tests too."""

from marking.conftest import closed  # noqa: F401
