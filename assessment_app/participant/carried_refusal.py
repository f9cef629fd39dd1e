"""A refused submission's message, carried in the session from the POST to the editor it
redirects to (POST/redirect/GET), so a reload of the editor never sends the form again.

Only the short message and the declaration's tick travel in the cookie: the refused text
is the saved draft, which the editor shows.
"""

from typing import NamedTuple

_KEY = "refusal"


class Refusal(NamedTuple):
    message: str
    declaration: bool


def carry(session, entry_id: int, refusal: Refusal) -> None:
    session[_KEY] = [entry_id, *refusal]


def take(session, entry_id: int) -> Refusal | None:
    """The refusal carried for this entry, taken out so it is said once; one carried for
    another entry is dropped (it is for a page already left)."""
    carried = session.pop(_KEY, None)
    if not isinstance(carried, list) or len(carried) != 3 or carried[0] != entry_id:
        return None
    return Refusal(str(carried[1]), carried[2] is True)
