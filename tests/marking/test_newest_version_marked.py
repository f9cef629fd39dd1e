"""Marking follows the newest version: scripts are allocated after each person's own deadline,
and a version submitted under a later extension replaces the one allocated (the marker's work on
the old one is withdrawn, audited, and they are told); nothing says "will be marked" of a
version nobody will mark."""

from datetime import UTC, date, datetime, timedelta

from factories import PASSWORD, login, make_entry, make_user, make_window
from marking.conftest import add_marker
from moments import CLOSED, DURING

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import Allocation, AuditEvent, OutboxMessage, Role, User
from assessment_app.rubrics import load_rubric
from assessment_app.services import deadline_extensions, marks, submissions
from assessment_app.services.mark_input import MarkInput
from assessment_app.settings import PROJECT_ROOT

RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")

# The extension runs to 23:59 on 4 December (GMT).
EXTENDED_CLOSED = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)


def sync(app, clock, at):
    scheduling._app = app
    clock.at(at)
    scheduling.sync_windows()


def setup(app, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="boss@example.org")
        window = make_window(admin=admin)
        window.second_marking_percent = 0
        entry = make_entry(window, make_user(email="sam@example.org", name="Sam Taylor"))
        add_marker("Martin Doyle", "m1@example.org")
        add_marker("Nina Patel", "m2@example.org")
        clock.at(DURING)
        submissions.submit(entry, "Version one.", declaration=True, client_token="v1", at=DURING)
        db.session.commit()
        return entry.id, admin.id


def live(entry_id):
    return Allocation.query.filter(Allocation.entry_id == entry_id,
                                   Allocation.status != "returned").all()


def test_a_version_submitted_under_a_later_extension_replaces_the_one_allocated(app, clock):
    entry_id, admin_id = setup(app, clock)
    sync(app, clock, CLOSED)
    with app.app_context():
        (first,) = live(entry_id)
        assert first.version.number == 1
        first_marker = first.marker.email
        entry = first.entry
        deadline_extensions.grant([entry], date(2026, 12, 4), "Illness",
                                  db.session.get(User, admin_id), CLOSED)
        db.session.commit()
        # Allocated before the participant's own deadline moved ahead: withdrawn now.
        assert live(entry_id) == []
        told = OutboxMessage.query.filter_by(kind="scripts_withdrawn", to=first_marker).one()
        assert entry.candidate_number in told.body and "Sam" not in told.body
        at = clock.at(CLOSED + timedelta(days=1))
        submissions.submit(entry, "Version two, written under the extension.", declaration=True,
                           client_token="v2", at=at)
        db.session.commit()
    participant = app.test_client()
    login(participant, "sam@example.org", PASSWORD)
    history = participant.get(f"/assessments/{entry_id}/submissions").text
    assert '2 <strong class="govuk-tag">Will be marked</strong>' in history
    sync(app, clock, EXTENDED_CLOSED)
    with app.app_context():
        (allocation,) = live(entry_id)
        assert allocation.version.number == 2


def test_a_marked_version_replaced_under_an_extension_is_withdrawn_and_the_new_one_marked(
        app, clock):
    """Version 1 was marked after the window closed; the admin then extends and version 2
    comes in: the mark on version 1 is withdrawn (kept, audited, its marker told) and version 2
    goes to a marker."""
    entry_id, admin_id = setup(app, clock)
    sync(app, clock, CLOSED)
    with app.app_context():
        (first,) = live(entry_id)
        marks.save_mark(first, MarkInput(levels={c.id: "strong" for c in RUBRIC.criteria}),
                        CLOSED, submit=True)
        entry, marker = first.entry, first.marker.email
        # Straight after the window: the scheduler has not recorded a result yet.
        deadline_extensions.grant([entry], date(2026, 12, 4), "Late EC accepted",
                                  db.session.get(User, admin_id), CLOSED)
        at = clock.at(CLOSED + timedelta(days=1))
        submissions.submit(entry, "Version two.", declaration=True, client_token="v2", at=at)
        db.session.commit()
    sync(app, clock, EXTENDED_CLOSED)
    with app.app_context():
        (allocation,) = live(entry_id)
        assert allocation.version.number == 2 and allocation.mark is None
        withdrawn = AuditEvent.query.filter_by(action="allocation.withdrawn").one()
        assert withdrawn.detail["marked"] is True
        assert OutboxMessage.query.filter_by(kind="scripts_withdrawn", to=marker).count() == 1
