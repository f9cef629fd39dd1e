"""An NPQ participant as the DfE sends it, read into the values we keep on a person."""

from dataclasses import dataclass
from datetime import UTC, datetime

from .courses import COURSE_TO_NPQ


@dataclass(frozen=True)
class Incoming:
    """What the DfE says about one participant, in our terms."""

    dfe_participant_id: str
    name: str
    email: str | None
    programme: str  # our NPQ code
    school_urn: str | None
    dfe_training_status: str  # active, deferred or withdrawn
    earlier_ids: tuple[str, ...] = ()  # ids the DfE merged into this one

    def values(self) -> dict:
        """The person's fields this sets (a missing email leaves ours alone)."""
        values = {"name": self.name, "programme": self.programme, "school_urn": self.school_urn,
                  "dfe_participant_id": self.dfe_participant_id,
                  "dfe_training_status": self.dfe_training_status}
        if self.email:
            values["email"] = self.email
        return values


def read(participant: dict) -> Incoming | None:
    """The participant's assessed enrolment (the newest on one of our NPQs), or None when every
    enrolment is a support offer with no assessment."""
    attributes = participant.get("attributes") or {}
    enrolments = [e for e in attributes.get("npq_enrolments") or []
                  if e.get("course_identifier") in COURSE_TO_NPQ]
    if not enrolments:
        return None
    enrolment = max(enrolments, key=lambda e: _instant(e.get("created_at")))
    email = (enrolment.get("email") or "").strip().lower() or None
    return Incoming(
        dfe_participant_id=str(participant["id"]).lower(),
        name=" ".join((attributes.get("full_name") or "").split()),
        email=email,
        programme=COURSE_TO_NPQ[enrolment["course_identifier"]],
        school_urn=(enrolment.get("school_urn") or "").strip() or None,
        dfe_training_status=enrolment.get("training_status") or "active",
        earlier_ids=tuple(str(change["from_participant_id"]).lower()
                          for change in attributes.get("participant_id_changes") or []
                          if change.get("from_participant_id")),
    )


def _instant(text: str | None) -> datetime:
    """For ordering only: a missing or unreadable date sorts first."""
    try:
        instant = datetime.fromisoformat(text or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)
