"""Database models, one module per area."""

from .amendments import OutcomeAmendment
from .audit import AuditEvent
from .eligibility import (
    DeferralRequest,
    EcCategory,
    EcClaim,
    EcDecision,
    EcEvidence,
    EngagementExemption,
    EngagementRecord,
    Extension,
    RequestStatus,
)
from .integrity import (
    CheckTrigger,
    MisconductCase,
    MisconductEvidence,
    SimilarityPair,
    SimilarityRun,
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
    SampleReason,
    SecondMarkingSample,
)
from .papers import CasePaper, PaperHandout, PaperSource
from .responses import Draft, ResponseSource, ResponseUpload, SubmissionVersion
from .users import Role, User
from .windows import AssessmentWindow, Entry, Npq, WindowPaper

__all__ = [
    "Allocation",
    "AllocationStatus",
    "AssessmentWindow",
    "AuditEvent",
    "CasePaper",
    "CheckTrigger",
    "DeferralRequest",
    "Draft",
    "EcCategory",
    "EcClaim",
    "EcDecision",
    "EcEvidence",
    "EngagementExemption",
    "EngagementRecord",
    "Entry",
    "Extension",
    "Judgement",
    "Mark",
    "MarkerProfile",
    "MarkingRole",
    "MisconductCase",
    "MisconductEvidence",
    "Moderation",
    "Npq",
    "OutboxMessage",
    "Outcome",
    "OutcomeAmendment",
    "PaperHandout",
    "PaperSource",
    "PasswordToken",
    "RequestStatus",
    "ResponseSource",
    "ResponseUpload",
    "Role",
    "RubricVersion",
    "SampleReason",
    "SecondMarkingSample",
    "SimilarityPair",
    "SimilarityRun",
    "SubmissionVersion",
    "User",
    "WindowPaper",
]
