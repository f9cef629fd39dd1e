"""A participant entered for an NPQLTD window, and the named moments of that window; two marked
windows (10 and 120 scripts) and their admin, for the pages that must cost the same for both."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from bulk import seeded_windows
from factories import PASSWORD, login, make_entry, make_user, make_window
from marking.conftest import AFTER_CLOSE
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import User


@dataclass
class Journey:
    window_id: int
    entry_id: int
    participant_id: int
    other_entry_id: int
    client: object
    clock: object

    def at(self, moment):
        """Set the clock and sign in afresh (sessions expire after two idle hours)."""
        self.clock.at(moment)
        with self.client.application.app_context():
            login(self.client, db.session.get(User, self.participant_id))

    def url(self, path: str = "", entry_id: int | None = None) -> str:
        return f"/assessments/{entry_id or self.entry_id}{path}"

    def submit(self, text: str, declaration=True, token="t-1"):
        data = {"text": text, "client_token": token}
        if declaration:
            data["declaration"] = "y"
        return self.client.post(self.url("/response"), data=data)

    def refused_page(self, response):
        """The editor a refused submission redirects to (303: a reload then sends no form),
        as the participant's browser opens it."""
        assert response.status_code == 303
        assert response.headers["Location"] == self.url("/response")
        return self.client.get(response.headers["Location"])


@pytest.fixture
def journey(app, client, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window()
        participant = make_user(email="sam@example.org", name="Sam Taylor",
                                school="Oakfield Primary", delivery_partner="Midlands Alliance")
        entry = make_entry(window, participant)
        other = make_entry(window, make_user(email="jo@example.org", name="Jo Evans"))
        ids = (window.id, entry.id, participant.id, other.id)
        db.session.remove()
    return Journey(*ids, client=client, clock=clock)


@pytest.fixture
def cohorts(app, clock):
    """Two closed windows whose scripts are marked: 10 participants and 120."""
    return seeded_windows(app, clock, (10, 120), DURING, AFTER_CLOSE)


@pytest.fixture
def admin(app, cohorts):
    client = app.test_client()
    login(client, "boss@example.org", PASSWORD)
    return client
