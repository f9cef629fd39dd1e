"""Exports at scale: each is streamed, and reads the database in the same number of statements
for a window of 3 scripts as for one of 30 (no statement per script, no quadratic scans)."""

import csv
import io
import zipfile

import pytest
from bulk import seed_cohort
from factories import PASSWORD, login, make_user, make_window
from marking.conftest import AFTER_CLOSE, add_marker
from moments import DURING
from sqlalchemy import event

from assessment_app.extensions import db
from assessment_app.models import Role

EXPORTS = ["export/marks.csv", "export/scripts.zip", "reports/dfe-return.csv",
           "reports/provider-results.csv"]


@pytest.fixture
def windows(app, clock):
    """Two windows with results released: 3 scripts and 30 (every tenth moderated)."""
    clock.at(AFTER_CLOSE.replace(month=11, day=1))
    with app.app_context():
        markers = [add_marker("Martin Doyle", "m1@example.org"),
                   add_marker("Nina Patel", "m2@example.org")]
        make_user(Role.ADMIN, email="boss@example.org")
        ids = {}
        for n in (3, 30):
            window = make_window(name=f"Window of {n}")
            seed_cohort(window, n, markers, DURING, AFTER_CLOSE, start=n * 1000, released=True)
            ids[n] = window.id
    clock.at(AFTER_CLOSE)
    return ids


def fetch(app, client, url):
    """The response, whether it came as a stream, its body read to the end, and how many SQL
    statements it took."""
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(1)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
        streamed = response.is_streamed  # before reading, which buffers it
        body = response.get_data()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return streamed, body, len(statements)


@pytest.mark.parametrize("path", EXPORTS)
def test_an_export_costs_the_same_statements_for_3_scripts_as_for_30(app, windows, path):
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    small = fetch(app, admin, f"/admin/windows/{windows[3]}/{path}")
    large = fetch(app, admin, f"/admin/windows/{windows[30]}/{path}")
    assert small[2] == large[2]
    assert len(large[1]) > len(small[1])


@pytest.mark.parametrize("path", EXPORTS)
def test_an_export_is_streamed_not_built_whole(app, windows, path):
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    streamed, body, _ = fetch(app, admin, f"/admin/windows/{windows[30]}/{path}")
    assert streamed and body


def test_the_streamed_pack_and_csvs_hold_every_script(app, windows):
    """Streaming changes nothing in what is sent: every script's text, marking and row."""
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    _, body, _ = fetch(app, admin, f"/admin/windows/{windows[30]}/export/scripts.zip")
    pack = zipfile.ZipFile(io.BytesIO(body))
    assert pack.testzip() is None
    names = pack.namelist()
    assert sum(n.endswith("-marking.txt") for n in names) == 30
    assert names[-1] == "manifest.csv"
    manifest = list(csv.DictReader(io.StringIO(pack.read("manifest.csv").decode())))
    assert len(manifest) == len(names) - 1
    marks = list(csv.DictReader(io.StringIO(pack.read("marks.csv").decode())))
    assert [r["candidate_number"] for r in marks] == sorted(r["candidate_number"] for r in marks)
    assert sum(1 for r in marks if r["moderator"]) == 3
    assert {r["final_outcome"] for r in marks} == {"pass"}
    _, body, _ = fetch(app, admin, f"/admin/windows/{windows[30]}/reports/provider-results.csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert len(rows) == 30 and {r["attempt_number"] for r in rows} == {"1"}
