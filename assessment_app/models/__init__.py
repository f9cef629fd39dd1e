"""Database models, one module per area."""

from .audit import AuditEvent
from .eligibility import (
    DeferralRequest,
    EcCategory,
    EcClaim,
    EcDecision,
    EcEvidence,
    EngagementRecord,
    Extension,
    RequestStatus,
)
from .mail import OutboxMessage, PasswordToken
from .marking import (
    Allocation,
    AllocationStatus,
    Judgement,
    Mark,
    MarkerProfile,
    MarkingRole,
    Moderation,
    Outcome,
    RubricVersion,
)
from .papers import CasePaper, PaperHandout, PaperSource
from .responses import Draft, ResponseSource, ResponseUpload, SubmissionVersion
from .users import Role, User
from .windows import AssessmentWindow, Entry, Npq, WindowPaper

__all__ = [
    "OutboxMessage",
    "PasswordToken",
    "DeferralRequest",
    "EcCategory",
    "EcClaim",
    "EcDecision",
    "EcEvidence",
    "EngagementRecord",
    "Extension",
    "RequestStatus",
    "Allocation",
    "AllocationStatus",
    "Judgement",
    "Mark",
    "MarkerProfile",
    "MarkingRole",
    "Moderation",
    "Outcome",
    "RubricVersion",
    "AssessmentWindow",
    "CasePaper",
    "PaperHandout",
    "PaperSource",
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
