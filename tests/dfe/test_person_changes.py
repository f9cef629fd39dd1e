"""A person beside incoming values, and the changes applied, audited
(services/person_changes.py, shared by every route that updates people from outside)."""

from datetime import UTC, date, datetime

import pytest
from factories import make_user

from assessment_app.extensions import db
from assessment_app.models import AuditEvent, Role
from assessment_app.services import person_changes
from assessment_app.services.person_changes import FieldChange

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_only_fields_given_and_different_are_changes(ctx):
    person = make_user(email="sam@example.org", name="Sam Taylor", school="Oakfield Primary")
    changes = person_changes.compare(person, {"name": "Sam Taylor", "school": "",
                                              "programme_end_date": date(2027, 7, 31)})
    assert changes == [FieldChange("school", "Oakfield Primary", None),
                       FieldChange("programme_end_date", None, date(2027, 7, 31))]
    assert [c.label for c in changes] == ["School", "Programme end date"]


def test_a_field_that_is_not_a_persons_is_refused(ctx):
    with pytest.raises(ValueError, match="password_hash"):
        person_changes.compare(make_user(), {"password_hash": "x"})


def test_applying_records_each_change_with_what_it_was(ctx):
    admin = make_user(Role.ADMIN, email="boss@example.org")
    person = make_user(email="sam@example.org", name="Sam Taylor")
    changes = person_changes.compare(person, {"name": "Samantha Taylor",
                                              "programme_end_date": date(2027, 7, 31)})
    person_changes.apply(person, changes, actor=admin, source="CSV", at=NOW)
    db.session.commit()
    assert (person.name, person.programme_end_date) == ("Samantha Taylor", date(2027, 7, 31))
    event = AuditEvent.query.filter_by(action="person.updated").one()
    assert (event.actor_id, event.participant_id) == (admin.id, person.id)
    assert event.detail == {"source": "CSV", "user": person.id, "changes": {
        "name": ["Sam Taylor", "Samantha Taylor"], "programme_end_date": [None, "2027-07-31"]}}


def test_nothing_to_change_leaves_no_trace(ctx):
    admin = make_user(Role.ADMIN, email="boss@example.org")
    person_changes.apply(make_user(), [], actor=admin, source="DfE", at=NOW)
    assert AuditEvent.query.filter_by(action="person.updated").count() == 0
