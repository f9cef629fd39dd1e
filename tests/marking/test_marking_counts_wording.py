"""Counts in the admin's marking messages read as English: "1 script", never "1 scripts"."""

from factories import PASSWORD, login, make_entry, make_user, make_window
from marking.conftest import AFTER_CLOSE, add_marker
from moments import DURING

from assessment_app.extensions import db
from assessment_app.models import Role
from assessment_app.services import submissions


def test_one_script_allocated_reads_in_the_singular(app, clock):
    clock.at(DURING)
    with app.app_context():
        window = make_window()
        entry = make_entry(window, make_user(email="sam@example.org"), at=DURING)
        submissions.submit(entry, "A response about professional development.",
                           declaration=True, client_token="t", at=DURING)
        add_marker("Nina Patel", "m@example.org")
        make_user(Role.ADMIN, email="boss@example.org")
        db.session.commit()  # as the request does
        window_id = window.id
    clock.at(AFTER_CLOSE)
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    page = admin.post(f"/admin/windows/{window_id}/marking/allocate", follow_redirects=True)
    assert "1 script allocated." in page.text
