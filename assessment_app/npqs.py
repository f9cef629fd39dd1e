"""The ten National Professional Qualifications."""

from dataclasses import dataclass


@dataclass(frozen=True)
class NPQ:
    code: str
    name: str
    kind: str  # "specialist" or "leadership"
    months: int
    courses: int


NPQS = (
    NPQ("NPQLT", "Leading Teaching", "specialist", 12, 6),
    NPQ("NPQLBC", "Leading Behaviour and Culture", "specialist", 12, 6),
    NPQ("NPQLL", "Leading Literacy", "specialist", 12, 6),
    NPQ("NPQLTD", "Leading Teacher Development", "specialist", 12, 6),
    NPQ("NPQLPM", "Leading Primary Mathematics", "specialist", 12, 6),
    NPQ("NPQSL", "Senior Leadership", "leadership", 18, 9),
    NPQ("NPQH", "Headship", "leadership", 18, 9),
    NPQ("NPQEYL", "Early Years Leadership", "leadership", 18, 9),
    NPQ("NPQEL", "Executive Leadership", "leadership", 18, 9),
    NPQ("NPQSENCO", "Special Educational Needs Co-ordinators", "leadership", 18, 9),
)
NPQ_CODES = tuple(npq.code for npq in NPQS)
NPQ_NAMES = {npq.code: npq.name for npq in NPQS}
