"""The external moderator's pack: everything needed to check the marking, by candidate number only."""

import csv
import io
import zipfile

from docx import Document
from packs import built_pack
from returns.conftest import PARTICIPANT_SECRETS, UPLOADED_TEXT, add_ec_claim, signed_in

from assessment_app.extensions import db
from assessment_app.models import Entry, RubricVersion


def pack(app, clock, window_id) -> zipfile.ZipFile:
    return built_pack(app, signed_in(app, clock, "boss@example.org"), window_id)


def candidates(app, released):
    with app.app_context():
        return [db.session.get(Entry, i).candidate_number for i in released.entry_ids]


def test_the_pack_holds_each_scripts_text_marks_moderation_original_rubric_and_paper(app, released, clock):
    sam, jo, alex = candidates(app, released)
    archive = pack(app, clock, released.window_id)
    names = set(archive.namelist())
    for number in (sam, jo, alex):
        assert {f"scripts/NPQLTD/{number}.txt", f"scripts/NPQLTD/{number}-marking.txt"} <= names
    assert archive.read(f"scripts/NPQLTD/{sam}.txt").decode().strip() == UPLOADED_TEXT
    # The original Word file, only where the response was uploaded.
    assert f"scripts/NPQLTD/{sam}-original.docx" in names
    assert f"scripts/NPQLTD/{jo}-original.docx" not in names
    original = Document(io.BytesIO(archive.read(f"scripts/NPQLTD/{sam}-original.docx")))
    assert original.paragraphs[0].text == UPLOADED_TEXT
    # Each marker's levels and comments, feedback, and the moderation reason.
    marking = archive.read(f"scripts/NPQLTD/{jo}-marking.txt").decode()
    assert "First mark: " in marking and "Second mark: " in marking
    assert "Not yet evident" in marking and "Comment: Comment on diagnosis" in marking
    assert "A clear diagnosis and a workable plan." in marking
    assert "Moderator: Priya Shah" in marking and "Reason: Diagnosis is partial." in marking
    assert "Final outcome: fail" in marking
    assert "submitted 2026-12-03T09:00:00+00:00" in marking
    # The rubric version used, named by its hash, and the paper with its handout.
    with app.app_context():
        (version,) = RubricVersion.query.all()
        assert archive.read(f"rubrics/NPQLTD-{version.version}.yaml").decode() == version.content
        assert f"Rubric version: {version.version}" in marking
    assert "SECRET-CASE-STUDY-TEXT NPQLTD" in archive.read("papers/NPQLTD/case-study.md").decode()
    assert archive.read("papers/NPQLTD/handout.docx") == b"PK-handout-bytes"


def test_the_manifest_says_what_every_file_is(app, released, clock):
    archive = pack(app, clock, released.window_id)
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    listed = {r["path"] for r in manifest}
    assert listed == set(archive.namelist()) - {"manifest.csv"}
    assert all(r["what"] and len(r["sha256"]) == 64 for r in manifest)
    assert "candidate number only" in archive.read("README.txt").decode()


def test_the_pack_names_no_participant_school_partner_or_ec(app, released, clock):
    """Not in any file, nor inside the Word document's properties (Sam's file named her)."""
    with app.app_context():
        entry = db.session.get(Entry, released.entry_ids[2])
        add_ec_claim(entry, "EC-SECRET hospital stay", "EC-SECRET-letter.pdf")
    archive = pack(app, clock, released.window_id)
    texts = []
    for name in archive.namelist():
        data = archive.read(name)
        texts.append(name)
        if name.endswith("-original.docx"):
            with zipfile.ZipFile(io.BytesIO(data)) as inner:
                texts += [inner.read(n).decode("utf-8", "replace") for n in inner.namelist()]
        else:
            texts.append(data.decode("utf-8", "replace"))
    everything = "\n".join(texts)
    for secret in PARTICIPANT_SECRETS + ["EC-SECRET"]:
        assert secret not in everything, secret


def test_marks_csv_times_are_iso_8601_with_the_london_offset_not_words(app, released, clock):
    text = signed_in(app, clock, "boss@example.org").get(
        f"/admin/windows/{released.window_id}/export/marks.csv").text
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["submitted_at"] == "2026-11-26T14:30:00+00:00"
    assert row["first_marked_at"] == "2026-12-03T09:00:00+00:00"
    assert " on " not in text
