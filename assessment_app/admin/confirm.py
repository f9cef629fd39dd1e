"""The one "Check before you ..." page every admin action that cannot be undone goes through
(confirmations.Check): the view works the check out from what was posted, acts if the button
sent back its fingerprint, and otherwise shows it."""

from flask import render_template, request
from markupsafe import Markup, escape

from ..confirmations import Check

FINGERPRINT = "check"


def _attribute(value: str) -> Markup:
    """A hidden input's value, posted back exactly as it was sent: an HTML parser reads a raw
    CR LF as LF, so a reason typed on two lines would otherwise come back changed, and the
    check would never be confirmed."""
    return Markup(str(escape(value)).replace("\r", "&#13;").replace("\n", "&#10;"))


def attempt_of(entry) -> str:
    """Whose attempt a check is about, in the words every check page uses."""
    return (f"{entry.participant.name}, candidate {entry.candidate_number} "
            f"({entry.npq.name}, {entry.window.name})")


def confirmed(check: Check) -> bool:
    return check.confirmed_by(request.form.get(FINGERPRINT))


def check_page(check: Check, *, caption: str, cancel: str):
    """The page, whose button posts back everything that was sent with the check's fingerprint,
    so the check is worked out again from the same input when it is pressed."""
    resent = [(name, _attribute(value)) for name in request.form
              for value in request.form.getlist(name) if name not in ("csrf_token", FINGERPRINT)]
    return render_template("admin/check.html", check=check, caption=caption, cancel=cancel,
                           resent=resent, fingerprint_name=FINGERPRINT,
                           # A button pressed on facts that have changed since: say so.
                           stale=FINGERPRINT in request.form)
