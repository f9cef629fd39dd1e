"""A "Check before you ..." page for an admin action that cannot be undone: the facts of what
will happen (to how many people), what still looks wrong, and anything that stops it now.

The page names what it showed by a fingerprint. The action happens only when the button posts
back the fingerprint of the facts worked out afresh at that moment: a confirmation given to one
set of facts never confirms another (a script marked, a case opened, in between)."""

import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Warning:
    """Something that still looks wrong, and where to put it right."""

    text: str
    href: str | None = None
    link_text: str = ""


@dataclass(frozen=True)
class Check:
    action: str  # completes "Check before you …" and "Confirm and …"
    facts: list[tuple[str, str]]  # what will happen, as a summary list
    warnings: list[Warning] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)  # why it cannot happen now: no button

    @property
    def fingerprint(self) -> str:
        shown = [f"{k}: {v}" for k, v in self.facts] + [w.text for w in self.warnings] \
            + self.blockers
        return hashlib.sha256("\n".join([self.action, *shown]).encode()).hexdigest()[:16]

    def confirmed_by(self, posted: str | None) -> bool:
        return not self.blockers and posted == self.fingerprint
