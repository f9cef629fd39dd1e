"""A script nobody can be allocated says why, marker by marker, and the admin can assign a
named qualified marker (over capacity if need be, never against a conflict or an exclusion)."""

from datetime import UTC, datetime

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from marking.conftest import AFTER_CLOSE, add_marker
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import Allocation, AuditEvent, Entry, MarkingRole, Role, User
from assessment_app.rubrics import load_rubric
from assessment_app.services import allocations, checking, marks, submissions
from assessment_app.services.mark_input import MarkInput
from assessment_app.services.marking_error import MarkingError
from assessment_app.settings import PROJECT_ROOT

RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
FAIL = {c.id: "not_evident" for c in RUBRIC.criteria}


def failed_with_no_second_marker(app, clock):
    """Sam's script is failed by Martin; Nina shares Sam's delivery partner and Omar is at
    capacity, so nobody can second-mark it."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="boss@example.org")
        window = make_window(admin=admin)
        window.second_marking_percent = 0
        entry = make_entry(window, make_user(email="sam@example.org", name="Sam Taylor",
                                             delivery_partner="Coastal Trust"))
        add_marker("Martin Doyle", "m1@example.org")
        clock.at(DURING)
        submissions.submit(entry, "A response.", declaration=True, client_token="t", at=DURING)
        db.session.commit()
        clock.at(AFTER_CLOSE)
        allocations.allocate_window(window, AFTER_CLOSE)
        (first,) = Allocation.query.all()
        add_marker("Nina Patel", "m2@example.org", partner="Coastal Trust")
        add_marker("Omar Reid", "m3@example.org", capacity=0)
        marks.save_mark(first, MarkInput(levels=FAIL), AFTER_CLOSE, submit=True)
        checking.draw_second_marking_sample(window, AFTER_CLOSE)
        db.session.commit()
        return window.id, entry.id


def test_the_admin_sees_why_nobody_can_second_mark_and_assigns_a_marker(app, clock):
    window_id, entry_id = failed_with_no_second_marker(app, clock)
    with app.app_context():
        (waiting,) = checking.outstanding_checks(db.session.get(Entry, entry_id).window,
                                                 AFTER_CLOSE)
        assert (waiting.stage, waiting.holder, waiting.role) == (
            "second marking", checking.NOT_ALLOCATED, MarkingRole.SECOND)
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    assign_url = f"/admin/windows/{window_id}/marking/scripts/{entry_id}/second/assign"
    assert assign_url in admin.get(f"/admin/windows/{window_id}/marking").text
    page = admin.get(assign_url).text
    assert "Martin Doyle</td><td class=\"govuk-table__cell\">No: already its first marker" in page
    assert "Nina Patel</td><td class=\"govuk-table__cell\">No: same delivery partner" in page
    assert "Only over capacity: at capacity (0 of 0 scripts)" in page
    with app.app_context():
        martin = User.query.filter_by(email="m1@example.org").one().id
        omar = User.query.filter_by(email="m3@example.org").one().id
    refused = admin.post(assign_url, data={"marker_id": martin})
    assert "Error:" in refused.text
    done = admin.post(assign_url, data={"marker_id": omar})
    assert done.status_code == 302
    with app.app_context():
        second = Allocation.query.filter_by(role=MarkingRole.SECOND).one()
        assert second.marker_id == omar and second.entry_id == entry_id
        assert AuditEvent.query.filter_by(action="allocation.assigned").one().detail[
            "over_capacity"] is True
        (waiting,) = checking.outstanding_checks(second.entry.window, AFTER_CLOSE)
        assert waiting.holder == "Omar Reid"


def test_a_conflict_of_interest_is_never_assigned(app, clock):
    _, entry_id = failed_with_no_second_marker(app, clock)
    with app.app_context():
        nina = User.query.filter_by(email="m2@example.org").one()
        admin = User.query.filter_by(email="boss@example.org").one()
        with pytest.raises(MarkingError, match="same delivery partner"):
            allocations.assign(db.session.get(Entry, entry_id), MarkingRole.SECOND, nina, admin,
                               AFTER_CLOSE)
