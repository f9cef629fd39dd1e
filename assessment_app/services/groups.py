"""Choosing participants by cohort, delivery partner or school, for group extensions."""

from collections import Counter

from ..models import Entry

GROUP_KINDS = {"cohort": "Cohort", "delivery_partner": "Delivery partner", "school": "School"}


def group_choices(entries: list[Entry]) -> list[tuple[str, str]]:
    """(key, label) for every cohort, delivery partner and school among these entries."""
    choices = []
    for kind, label in GROUP_KINDS.items():
        counts = Counter(getattr(e.participant, kind) for e in entries
                         if getattr(e.participant, kind))
        choices += [(f"{kind}:{value}", f"{label}: {value} ({n} participant{'' if n == 1 else 's'})")
                    for value, n in sorted(counts.items())]
    return choices


def in_group(entries: list[Entry], key: str) -> list[Entry]:
    """The entries whose participant is in the group `key` ("school:Oakfield Primary")."""
    kind, _, value = key.partition(":")
    if kind not in GROUP_KINDS:
        return []
    return [e for e in entries if getattr(e.participant, kind) == value]
