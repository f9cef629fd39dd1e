"""Column helpers shared by the models."""

from enum import StrEnum

from sqlalchemy import Enum

from ..clock import now
from ..timetypes import UTCDateTime


def enum_column(enum_cls: type[StrEnum]) -> Enum:
    """Store an enum by value as text with a CHECK constraint, the same on every database."""
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


__all__ = ["UTCDateTime", "enum_column", "now"]
