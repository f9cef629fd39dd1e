"""Database models, one module per area."""

from .amendments import OutcomeAmendment, OutcomeRuling
from .arrangements import AccessArrangement, ArrangementEvidence
from .audit import AuditEvent
from .dfe import DfeCall, DfeParticipantFetch
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
    ScriptSignature,
    SimilarityPair,
    SimilarityRun,
)
from .mail import OutboxMessage, PasswordToken
from .marking import (
    Allocation,
    AllocationStatus,
    Judgement,
    LevelCount,
    Mark,
    MarkerProfile,
    MarkingRole,
    Moderation,
    Outcome,
    RubricVersion,
    SampleReason,
    SecondMarkingSample,
)
from .packs import ModerationPack, PackStatus
from .papers import CasePaper, PaperHandout, PaperResemblance, PaperSource
from .responses import Draft, ResponseSource, ResponseUpload, SubmissionVersion
from .reviews import ReviewJudgement, ReviewRequest, ReviewStatus
from .scheduler import SchedulerHeartbeat
from .standardisation import (
    DefinitiveScript,
    LeadAction,
    LeadDecision,
    Seed,
    SeedPurpose,
    StandardisationSetting,
)
from .users import PeopleUpload, RecoveryCode, Role, SignInRule, User
from .windows import AssessmentWindow, Entry, Npq, WindowPaper

__all__ = [
    "AccessArrangement",
    "Allocation",
    "AllocationStatus",
    "ArrangementEvidence",
    "AssessmentWindow",
    "AuditEvent",
    "CasePaper",
    "CheckTrigger",
    "DeferralRequest",
    "DefinitiveScript",
    "DfeCall",
    "DfeParticipantFetch",
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
    "LevelCount",
    "LeadAction",
    "LeadDecision",
    "Mark",
    "MarkerProfile",
    "MarkingRole",
    "MisconductCase",
    "MisconductEvidence",
    "Moderation",
    "ModerationPack",
    "Npq",
    "OutboxMessage",
    "Outcome",
    "OutcomeAmendment",
    "OutcomeRuling",
    "PackStatus",
    "PaperHandout",
    "PaperResemblance",
    "PaperSource",
    "PasswordToken",
    "PeopleUpload",
    "RecoveryCode",
    "RequestStatus",
    "ResponseSource",
    "ResponseUpload",
    "ReviewJudgement",
    "ReviewRequest",
    "ReviewStatus",
    "Role",
    "RubricVersion",
    "SampleReason",
    "SchedulerHeartbeat",
    "ScriptSignature",
    "SecondMarkingSample",
    "Seed",
    "SeedPurpose",
    "SignInRule",
    "SimilarityPair",
    "SimilarityRun",
    "StandardisationSetting",
    "SubmissionVersion",
    "User",
    "WindowPaper",
]
