"""Markers read the case study, and download its handouts, only with a script allocated to them."""

from factories import login
from marking.conftest import AFTER_CLOSE

from assessment_app.extensions import db
from assessment_app.models import Allocation, Entry, User
from assessment_app.services import allocations


def test_the_allocated_marker_gets_the_handout_and_no_one_else_does(app, closed, clock):
    with app.app_context():
        allocations.allocate_window(db.session.get(Entry, closed.entry_ids[0]).window, AFTER_CLOSE)
        db.session.commit()  # as the request does
        number = Allocation.query.filter_by(marker_id=closed.marker_ids[0]).first().candidate_number
        emails = {u.id: u.email for u in User.query}
    clock.at(AFTER_CLOSE)
    mine, theirs = app.test_client(), app.test_client()
    login(mine, emails[closed.marker_ids[0]])
    login(theirs, emails[closed.marker_ids[1]])
    url = f"/marking/scripts/{number}/handouts/1"
    page = mine.get(f"/marking/scripts/{number}").text
    assert "SECRET-CASE-STUDY-TEXT NPQLTD" in page and url in page
    assert mine.get(url).data == b"PK-handout-bytes"
    assert mine.get(f"/marking/scripts/{number}/handouts/2").status_code == 404
    assert theirs.get(url).status_code == 404


def test_the_markers_handout_has_private_caching_and_304(app, closed, clock):
    """The marker's download: ETag (the handout's SHA-256), private caching, 304 when unchanged."""
    with app.app_context():
        allocations.allocate_window(db.session.get(Entry, closed.entry_ids[0]).window, AFTER_CLOSE)
        db.session.commit()  # as the request does
        number = Allocation.query.filter_by(marker_id=closed.marker_ids[0]).first().candidate_number
        email = db.session.get(User, closed.marker_ids[0]).email
    clock.at(AFTER_CLOSE)
    client = app.test_client()
    login(client, email)
    url = f"/marking/scripts/{number}/handouts/1"
    first = client.get(url)
    assert first.headers["ETag"] == f'"{"0" * 64}"'
    assert "private" in first.headers["Cache-Control"]
    assert "public" not in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
