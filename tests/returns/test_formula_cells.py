"""Every exported CSV is safe to open in a spreadsheet: no typed value runs as a formula."""

import csv
import io

import pytest
from packs import built_pack
from returns.conftest import signed_in

from assessment_app.csv_cells import FORMULA_STARTS
from assessment_app.extensions import db
from assessment_app.models import Entry, Moderation, User

HOSTILE = {"name": '=HYPERLINK("http://evil.example","Jo")', "school": "@SUM(1+1)*cmd|' /C calc'!A0",
           "cohort": "+1+1", "delivery_partner": "-2+3"}


@pytest.fixture
def hostile(app, released):
    """Jo's name, school, cohort and delivery partner, a marker's name and the moderator's
    reason are each a formula, as anyone could type them."""
    with app.app_context():
        jo = db.session.get(Entry, released.entry_ids[1]).participant
        for field, value in HOSTILE.items():
            setattr(jo, field, value)
        db.session.get(User, released.marker_ids[0]).name = "\tTab marker"
        db.session.execute(db.update(Moderation).values(reason="\rReason=1+1"))
        db.session.commit()
    return released


def exported(app, clock, window_id) -> dict[str, list[list[str]]]:
    admin = signed_in(app, clock, "boss@example.org")
    files = {}
    for name, path in (("dfe-return", "reports/dfe-return.csv"),
                       ("provider-results", "reports/provider-results.csv"),
                       ("marks", "export/marks.csv")):
        files[name] = list(csv.reader(io.StringIO(admin.get(f"/admin/windows/{window_id}/{path}").text)))
    pack = built_pack(app, admin, window_id)
    for name in ("marks.csv", "manifest.csv"):
        files[f"zip {name}"] = list(csv.reader(io.StringIO(pack.read(name).decode())))
    return files


def test_no_exported_cell_starts_like_a_formula(app, hostile, clock):
    """Results CSV, marks CSV, the DfE return and the pack's CSVs: a cell that starts with
    = + - @ tab or CR gets a leading apostrophe, so it reads as text."""
    files = exported(app, clock, hostile.window_id)
    for name, rows in files.items():
        for row in rows:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS), (name, cell)
    provider = {r[1]: r for r in files["provider-results"][1:]}["jo@example.org"]
    assert provider[0] == "'" + HOSTILE["name"]
    assert provider[3:6] == ["'+1+1", "'-2+3", "'" + HOSTILE["school"]]
    dfe_names = {r[0] for r in files["dfe-return"][1:]} | {r[1] for r in files["dfe-return"][1:]}
    assert "'" + HOSTILE["name"] in dfe_names
    for marks in (files["marks"], files["zip marks.csv"]):
        cells = {cell for row in marks for cell in row}
        assert "'\tTab marker" in cells and "'\rReason=1+1" in cells


def test_numbers_stay_numbers(app, hostile, clock):
    """Counts and attempt numbers are written as plain numbers, with no apostrophe."""
    files = exported(app, clock, hostile.window_id)
    header, *rows = files["marks"]
    assert all(row[header.index("words")].isdigit() for row in rows)
    header, *rows = files["provider-results"]
    assert {row[header.index("attempt_number")] for row in rows} == {"1"}
