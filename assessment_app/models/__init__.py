"""Database models, one module per area."""

from .audit import AuditEvent
from .responses import Draft, ResponseSource, ResponseUpload, SubmissionVersion
from .users import Role, User
from .windows import AssessmentWindow, Entry, Npq, WindowPaper

__all__ = [
    "AssessmentWindow",
    "AuditEvent",
    "Draft",
    "Entry",
    "Npq",
    "ResponseSource",
    "ResponseUpload",
    "Role",
    "SubmissionVersion",
    "User",
    "WindowPaper",
]
