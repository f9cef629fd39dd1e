"""The admin's window pages: create, see state, attach case studies, enter participants."""

from datetime import UTC, date, datetime

import pytest
from factories import count_queries, login, make_user, make_window

from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, AuditEvent, EngagementRecord, Entry, Role, User

WINDOW_FORM = {
    "name": "Spring 2027",
    "first_day": ["25", "3", "2027"],
    "length_days": "8",
    "release_time": "00:01",
    "deadline_time": "23:59",
    "word_limit": "1500",
    "tolerance_percent": "0",
    "npq_codes": ["NPQLTD", "NPQSL"],
    "second_marking_percent": "10",
    "max_extension_days": "14",
}


@pytest.fixture
def admin(app, client, clock):
    clock.at(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    with app.app_context():
        email = make_user(Role.ADMIN, email="admin@example.org").email
    login(client, email)
    return client


def test_creating_a_window_stores_utc_instants_from_london_wall_clock(app, admin):
    """Day 1 in GMT and day 8 in BST: 00:01 GMT release, 23:59 BST deadline, stored in UTC."""
    response = admin.post("/admin/windows/new", data=WINDOW_FORM)
    assert response.status_code == 302
    with app.app_context():
        window = AssessmentWindow.query.one()
        assert window.release_at == datetime(2027, 3, 25, 0, 1, tzinfo=UTC)
        assert window.closes_at == datetime(2027, 4, 1, 23, 0, tzinfo=UTC)
        assert sorted(p.npq_code for p in window.papers) == ["NPQLTD", "NPQSL"]
        assert AuditEvent.query.filter_by(action="window.created").count() == 1
    page = admin.get(response.headers["Location"]).text
    assert "Scheduled" in page
    assert "12:01am on Thursday 25 March 2027" in page
    assert "11:59pm on Thursday 1 April 2027" in page


@pytest.mark.parametrize("field,value,message", [
    ("name", "", "Enter a name for the window"),
    ("release_time", "25:00", "Enter release time as a 24-hour time, like 23:59"),
    ("word_limit", "0", "The word limit must be between 100 and 10,000"),
    ("tolerance_percent", "60", "The tolerance must be between 0 and 50%"),
    ("npq_codes", [], "Select at least one NPQ"),
])
def test_window_form_errors_are_clear_and_create_nothing(app, admin, field, value, message):
    response = admin.post("/admin/windows/new", data={**WINDOW_FORM, field: value})
    assert response.status_code == 200
    assert message in response.text
    assert "govuk-error-summary" in response.text
    with app.app_context():
        assert AssessmentWindow.query.count() == 0


def test_window_states_follow_the_clock(app, admin, clock):
    with app.app_context():
        make_window()
    assert "Scheduled" in admin.get("/admin/").text
    clock.at(datetime(2026, 11, 24, 0, 1, tzinfo=UTC))
    login(admin, "admin@example.org")
    assert "Open" in admin.get("/admin/").text
    clock.at(datetime(2026, 12, 2, tzinfo=UTC))
    login(admin, "admin@example.org")
    assert "Closed" in admin.get("/admin/").text


def test_the_release_cannot_move_once_released(app, admin, clock):
    with app.app_context():
        window_id = make_window(first_day=date(2026, 11, 20)).id
    form = {**WINDOW_FORM, "name": "Autumn 2026", "first_day": ["27", "11", "2026"],
            "npq_codes": ["NPQLTD"]}
    response = admin.post(f"/admin/windows/{window_id}/edit", data=form)
    assert "can no longer change" in response.text
    with app.app_context():
        assert db.session.get(AssessmentWindow, window_id).first_day == date(2026, 11, 20)


def test_entering_participants_is_all_or_nothing_with_every_problem_listed(app, admin):
    with app.app_context():
        window_id = make_window().id
        make_user(email="a@example.org")
        make_user(Role.MARKER, email="m@example.org")
    response = admin.post(f"/admin/windows/{window_id}/entries", data={
        "npq_code": "NPQLTD", "emails": "a@example.org\nnobody@example.org\nm@example.org"})
    assert "Nobody was entered" in response.text
    assert "nobody@example.org: no participant has this email address" in response.text
    assert "m@example.org: this person is not a participant" in response.text
    assert "a@example.org: no engagement figure has been imported for NPQLTD" in response.text
    with app.app_context():
        assert Entry.query.count() == 0
        # The 90% gate applies at entry when the window has no engagement deadline to come.
        db.session.add(EngagementRecord(participant_id=User.query.filter_by(email="a@example.org").one().id,
                                        npq_code="NPQLTD", percent=90, as_of=date(2026, 10, 1),
                                        source="lp.csv"))
        db.session.commit()
    response = admin.post(f"/admin/windows/{window_id}/entries",
                          data={"npq_code": "NPQLTD", "emails": "A@example.org\n"})
    assert response.status_code == 302
    with app.app_context():
        entry = Entry.query.one()
        assert len(entry.candidate_number) == 8
        assert AuditEvent.query.filter_by(action="participant.entered").count() == 1


def test_the_window_list_makes_a_fixed_number_of_queries(app, admin):
    """No N+1: listing 1 or 6 windows takes the same number of queries."""
    with app.app_context():
        make_window(name="W0")
    one = count_queries(app, lambda: admin.get("/admin/"))
    with app.app_context():
        for i in range(1, 6):
            make_window(name=f"W{i}")
    assert count_queries(app, lambda: admin.get("/admin/")) == one
