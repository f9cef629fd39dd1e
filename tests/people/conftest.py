"""The people pages' fixtures: an admin signed in at a fixed moment, and the CSV upload."""

import io
from datetime import UTC, datetime

import pytest
from factories import login, make_user

from assessment_app.models import Role

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def admin(app, clock):
    clock.at(NOW)
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.org", name="Aisha Khan")
    client = app.test_client()
    login(client, "admin@example.org")
    return client


@pytest.fixture
def upload():
    """Post a people CSV as the signed-in admin and follow to the page it lands on."""
    def post(admin, text):
        return admin.post("/admin/people/import",
                          data={"document": (io.BytesIO(text.encode()), "people.csv")},
                          content_type="multipart/form-data", follow_redirects=True)
    return post
