"""A closed NPQLTD window with three submitted scripts, two markers and a moderator."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from factories import make_entry, make_user, make_window
from moments import CLOSED, DURING

from assessment_app.extensions import db
from assessment_app.models import MarkerProfile, Role
from assessment_app.rubrics import load_rubric
from assessment_app.services import submissions
from assessment_app.settings import PROJECT_ROOT

AFTER_CLOSE = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@dataclass
class Marking:
    window_id: int
    entry_ids: list[int]
    marker_ids: list[int]
    moderator_id: int
    admin_id: int


def add_marker(name, email, school=None, partner=None, role=Role.MARKER, capacity=50, npqs="NPQLTD"):
    user = make_user(role, email=email, name=name, school=school, delivery_partner=partner)
    db.session.add(MarkerProfile(user_id=user.id, capacity=capacity, npq_codes=npqs))
    db.session.commit()
    return user


@pytest.fixture
def closed(app, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window()
        people = [("Sam Taylor", "sam@example.org", "Oakfield Primary", "Midlands Alliance"),
                  ("Jo Evans", "jo@example.org", "Riverside Academy", "Coastal Trust"),
                  ("Alex Morgan", "alex@example.org", "St Brendan's", "Coastal Trust")]
        entries = [make_entry(window, make_user(email=e, name=n, school=s, delivery_partner=p))
                   for n, e, s, p in people]
        markers = [add_marker("Martin Doyle", "m1@example.org", partner="Midlands Alliance"),
                   add_marker("Nina Patel", "m2@example.org", partner="Northern Partnership")]
        # Qualified to moderate NPQLTD; capacity 0 keeps her out of marking.
        moderator = add_marker("Priya Shah", "mod@example.org", role=Role.MODERATOR, capacity=0)
        admin = make_user(Role.ADMIN, email="boss@example.org")
        clock.at(DURING)
        for i, entry in enumerate(entries):
            submissions.submit(entry, f"Response number {i} about professional development.",
                               declaration=True, client_token=f"t{i}", at=DURING)
        db.session.commit()  # as the request does
        ids = Marking(window.id, [e.id for e in entries], [m.id for m in markers], moderator.id,
                      admin.id)
    clock.at(CLOSED)
    return ids




def rubric_form(level="secure", **overrides):
    """Form data giving every NPQLTD criterion `level`, with overrides per criterion id."""
    rubric = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
    data = {f"level-{c.id}": overrides.get(c.id, level) for c in rubric.criteria}
    data.update({f"comment-{c.id}": f"Comment on {c.id}" for c in rubric.criteria})
    data["feedback"] = "A clear diagnosis and a workable plan."
    return data


def submit_through_check(client, url, data, **final):
    """Make a mark final as a marker does: the form's Continue (which saves the draft), then
    the check page's button with the fingerprint the page carries. `url` is the form's (a
    script, a moderation case or a review); `final` goes to the last post (follow_redirects).
    Returns the check page's answer to that post."""
    continued = client.post(url, data={**data, "action": "continue"})
    assert continued.status_code == 302, continued.text
    assert continued.headers["Location"].endswith(f"{url}/check")
    page = client.get(f"{url}/check").text
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', page).group(1)
    return client.post(f"{url}/check", data={"fingerprint": fingerprint}, **final)
