"""Exports at scale: each is streamed, and reads the database in the same number of statements
for a window of 3 scripts as for one of 30 (no statement per script, no quadratic scans). The
moderation pack is built by the scheduler, to a file, in a fixed number of statements too."""

import csv
import io
import zipfile

import pytest
from bulk import seeded_windows
from factories import PASSWORD, login, sql_sent
from marking.conftest import AFTER_CLOSE
from moments import DURING
from packs import build_queued, built_pack

from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, User
from assessment_app.services import exports, moderation_packs

EXPORTS = ["export/marks.csv", "reports/dfe-return.csv", "reports/provider-results.csv"]


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


def test_the_built_pack_and_streamed_csvs_hold_every_script(app, windows):
    """Building to a file and streaming change nothing in what is sent: every script's text,
    marking and row."""
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    pack = built_pack(app, admin, windows[30])
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


def _queue(app, window_id: int) -> None:
    with app.app_context():
        admin = db.session.scalars(db.select(User).filter_by(email="boss@example.org")).one()
        moderation_packs.request_pack(db.session.get(AssessmentWindow, window_id), admin,
                                      AFTER_CLOSE)
        db.session.commit()


def test_building_the_pack_costs_the_same_statements_for_3_scripts_as_for_30(app, windows):
    """Claim, progress, the build's reads and its end: none of them per script."""
    sent = {}
    for size in (3, 30):
        _queue(app, windows[size])
        _, statements = sql_sent(app, lambda: build_queued(app))
        sent[size] = len(statements)
    assert sent[3] == sent[30]


def test_the_pack_is_written_as_it_is_read_never_whole(app, windows, monkeypatch):
    """Memory flat by construction: each script's rows are taken from the cursor only as the
    script before them has been written, and the archive leaves in a piece per script, the
    marks, manifest and zip directory (a line per script too) only after them."""
    taken, written, pieces = [0], [], []
    reading = exports._script_files

    def counted(entry_ids):
        for row in reading(entry_ids):
            taken[0] += 1
            yield row

    monkeypatch.setattr(exports, "_script_files", counted)
    with app.app_context():
        window = db.session.get(AssessmentWindow, windows[30])
        progress = lambda done, total, stage: written.append((done, taken[0]))
        for piece in exports.scripts_zip(window, AFTER_CLOSE, progress, page=7):
            pieces.append(len(piece))
    assert all(rows <= done + 1 for done, rows in written if done)
    assert taken[0] == 30 and len(pieces) > 30 and written[-1][0] == 30
    assert max(pieces[:30]) < sum(pieces) / 10


def test_a_pack_read_a_few_scripts_at_a_time_holds_what_one_read_at_once_does(app, windows):
    """Paging changes nothing in the pack: the same files with the same contents, in order."""
    def files(page):
        with app.app_context():
            window = db.session.get(AssessmentWindow, windows[30])
            data = b"".join(exports.scripts_zip(window, AFTER_CLOSE, page=page))
        pack = zipfile.ZipFile(io.BytesIO(data))
        return [(name, pack.read(name)) for name in pack.namelist()]

    assert files(7) == files(500)


def test_the_packs_marks_are_the_marks_csv_for_a_larger_window(app, windows):
    admin = app.test_client()
    login(admin, "boss@example.org", PASSWORD)
    marks = admin.get(f"/admin/windows/{windows[30]}/export/marks.csv").data
    assert built_pack(app, admin, windows[30]).read("marks.csv") == marks
