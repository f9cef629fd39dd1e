"""The error every marking action raises when it cannot be done."""


class MarkingError(Exception):
    """A marking action that cannot be done; the message says why."""
