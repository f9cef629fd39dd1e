"""A window whose results come out at RESULTS, with Sam (linked to the DfE) and Jo (not)."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from dfe.fake_dfe import FakeDfe
from factories import make_entry, make_user, make_window

from assessment_app.extensions import db
from assessment_app.models import Entry, Role
from assessment_app.services import dfe_api, dfe_outbox

RESULTS = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
COMPLETED = datetime(2027, 2, 10, 9, 0, tzinfo=UTC)
SAM_DFE = "7a8fef46-3c43-42c0-b3d5-1ba5904ba562"


@dataclass
class World:
    window_id: int
    sam: int  # entries
    jo: int
    admin_id: int


@pytest.fixture
def fake(app, monkeypatch):
    """The DfE the app talks to while DFE_API_* are set (as they are here)."""
    app.config.update(DFE_API_BASE_URL="https://dfe.test", DFE_API_TOKEN="secret-token-123")
    dfe = FakeDfe()
    monkeypatch.setattr(dfe_api, "client", lambda: dfe.client() if dfe_api.configured() else None)
    return dfe


@pytest.fixture
def world(app, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        window = make_window()
        window.results_release_at = RESULTS
        sam = make_entry(window, make_user(email="sam@example.org", name="Sam Taylor",
                                           dfe_participant_id=SAM_DFE))
        jo = make_entry(window, make_user(email="jo@example.org", name="Jo Evans"))
        admin = make_user(Role.ADMIN, email="boss@example.org")
        db.session.commit()
        return World(window.id, sam.id, jo.id, admin.id)


def report(entry_id: int, outcome: str, completed_at: datetime, at: datetime) -> None:
    """Record what the DfE return reports for an entry, as outcomes.settle does, and commit."""
    entry = db.session.get(Entry, entry_id)
    entry.outcome = entry.reported_outcome = outcome
    entry.completed_at = entry.reported_completed_at = completed_at
    dfe_outbox.queue_for([entry], at)
    db.session.commit()


def release(window_id: int, at: datetime = RESULTS) -> None:
    from assessment_app.models import AssessmentWindow

    db.session.get(AssessmentWindow, window_id).results_recorded_at = at
    db.session.commit()
