"""Exports at scale: each is streamed, and reads the database in the same number of statements
for a window of 3 scripts as for one of 30 (no statement per script, no quadratic scans)."""

import csv
import io
import zipfile

import pytest
from bulk import seeded_windows
from factories import PASSWORD, login, sql_sent
from marking.conftest import AFTER_CLOSE
from moments import DURING

EXPORTS = ["export/marks.csv", "export/scripts.zip", "reports/dfe-return.csv",
           "reports/provider-results.csv"]


@pytest.fixture
def windows(app, clock):
    """Two windows with results released: 3 scripts and 30 (every tenth moderated)."""
    return seeded_windows(app, clock, (3, 30), DURING, AFTER_CLOSE, released=True)


def fetch(app, client, url):
    """The response, whether it came as a stream, its body read to the end, and how many SQL
    statements it took."""
    def download():
        response = client.get(url)
        streamed = response.is_streamed  # before reading, which buffers it
        return response, streamed, response.get_data()

    (response, streamed, body), sent = sql_sent(app, download)
    assert response.status_code == 200
    return streamed, body, len(sent)


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
