"""The moderation pack as a job: an admin asks, the scheduler builds it into the exports folder
with its progress written as it goes, the admin downloads it. One build per window at a time,
never two builders for one pack, a dead builder's pack built again, old files removed."""

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

from docx_files import repack
from factories import make_window
from marking.conftest import AFTER_CLOSE
from packs import build_queued, built_pack, download_link
from returns.conftest import signed_in

from assessment_app import scheduling
from assessment_app.docx_privacy import without_personal_details
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    AuditEvent,
    ModerationPack,
    PackStatus,
    ResponseUpload,
    User,
)
from assessment_app.services import exports, moderation_packs


def admin_client(app, clock):
    return signed_in(app, clock, "boss@example.org")


def the_pack(app) -> ModerationPack:
    with app.app_context():
        pack = db.session.scalars(db.select(ModerationPack)).one()
        db.session.expunge(pack)
        return pack


def queue(app, window_id: int) -> int:
    with app.app_context():
        admin = db.session.scalars(db.select(User).filter_by(email="boss@example.org")).one()
        pack, _ = moderation_packs.request_pack(db.session.get(AssessmentWindow, window_id),
                                                admin, AFTER_CLOSE)
        db.session.commit()  # as the request does
        return pack.id


def test_asking_queues_a_pack_the_scheduler_builds_it_and_records_its_file(app, released, clock):
    admin = admin_client(app, clock)
    built_pack(app, admin, released.window_id)
    pack = the_pack(app)
    assert pack.status is PackStatus.READY and pack.done == pack.total == 3
    assert pack.started_at == pack.finished_at == AFTER_CLOSE  # the clock is frozen here
    folder = Path(app.config["EXPORTS_FOLDER"])
    data = (folder / pack.file_name).read_bytes()
    assert pack.size == len(data) and pack.sha256 == hashlib.sha256(data).hexdigest()
    assert [p.name for p in folder.iterdir()] == [pack.file_name]  # no part file left


def test_asking_again_while_it_is_being_built_shows_that_build(app, released, clock):
    admin = admin_client(app, clock)
    for _ in range(2):
        assert admin.post(f"/admin/windows/{released.window_id}/moderation-pack").status_code == 303
    with app.app_context():
        assert db.session.query(ModerationPack).count() == 1
        queued = AuditEvent.query.filter_by(action="moderation_pack.queued").one()
        assert queued.actor_id == released.admin_id and queued.window_id == released.window_id


def test_a_ready_pack_can_be_built_again_as_a_new_pack(app, released, clock):
    admin = admin_client(app, clock)
    built_pack(app, admin, released.window_id)
    page = admin.get(f"/admin/windows/{released.window_id}/moderation-pack").text
    assert "Build it again" in page and "Marking changed since" in page
    admin.post(f"/admin/windows/{released.window_id}/moderation-pack")
    with app.app_context():
        assert [p.status for p in ModerationPack.query.order_by(ModerationPack.id)] == [
            PackStatus.READY, PackStatus.QUEUED]


def test_progress_is_written_at_each_stage_and_every_few_scripts(app, released, clock, monkeypatch):
    app.config["PACK_PROGRESS_EVERY"] = 2
    writes = []
    write = moderation_packs._write

    def recorded(pack_id, attempt, **values):
        writes.append((values.get("done"), values.get("total"), values.get("stage")))
        write(pack_id, attempt, **values)

    monkeypatch.setattr(moderation_packs, "_write", recorded)
    queue(app, released.window_id)
    build_queued(app)
    assert writes == [(0, 0, "Reading the window's marks and decisions"),
                      (0, 3, "Writing the scripts and their marking"),
                      (2, 3, "Writing the scripts and their marking"),
                      (3, 3, "Adding the marks, rubrics, papers and manifest"),
                      (3, 3, "Ready to download")]


def test_of_two_schedulers_reaching_for_one_pack_only_one_claims_it(app, released, clock, monkeypatch):
    """The second read the pack as queued before the first's claim was committed: its
    conditional UPDATE changes nothing, so it builds nothing."""
    pack_id = queue(app, released.window_id)
    with app.app_context():
        assert moderation_packs.claim("server a", AFTER_CLOSE) == pack_id
        db.session.commit()
    with app.app_context():
        stale_read = lambda *args, **kwargs: iter([pack_id])
        monkeypatch.setattr(moderation_packs.db.session, "scalars", stale_read)
        assert moderation_packs.claim("server b", AFTER_CLOSE) is None
        monkeypatch.undo()
        db.session.commit()
    pack = the_pack(app)
    assert pack.builder == "server a" and pack.attempts == 1


def test_a_build_whose_builder_died_is_queued_again_and_built(app, released, clock):
    pack_id = queue(app, released.window_id)
    with app.app_context():
        moderation_packs.claim("a server that then died", AFTER_CLOSE)
        db.session.commit()
    clock.at(AFTER_CLOSE + timedelta(seconds=59))
    with app.app_context():
        assert moderation_packs.requeue_stale(AFTER_CLOSE + timedelta(seconds=59)) == []
    clock.at(AFTER_CLOSE + timedelta(minutes=2))
    build_queued(app)
    pack = the_pack(app)
    assert pack.id == pack_id and pack.status is PackStatus.READY and pack.attempts == 2


def test_a_pack_that_keeps_stopping_its_builder_fails_saying_so(app, released, clock):
    queue(app, released.window_id)
    with app.app_context():
        db.session.execute(db.update(ModerationPack).values(
            status=PackStatus.BUILDING, attempts=moderation_packs.MAX_ATTEMPTS,
            heartbeat_at=AFTER_CLOSE - timedelta(minutes=5)))
        db.session.commit()
    build_queued(app)
    pack = the_pack(app)
    assert pack.status is PackStatus.FAILED and "stopped 3 times" in pack.error


def test_a_builder_taken_for_dead_stops_at_its_next_write(app, released, clock, monkeypatch):
    """Its claim went to a new build while it ran: it writes nothing more and leaves no file."""
    pack_id = queue(app, released.window_id)
    building = exports.scripts_zip

    def claimed_again_meanwhile(window, at, progress):
        with db.engine.begin() as connection:
            connection.execute(db.update(ModerationPack).values(attempts=2))
        yield from building(window, at, progress)

    monkeypatch.setattr(exports, "scripts_zip", claimed_again_meanwhile)
    with app.app_context():
        moderation_packs.claim("slow server", AFTER_CLOSE)
        db.session.commit()
        moderation_packs.build(pack_id, Path(app.config["EXPORTS_FOLDER"]), 250)
    pack = the_pack(app)
    assert pack.status is PackStatus.BUILDING and pack.file_name is None
    assert not any(Path(app.config["EXPORTS_FOLDER"]).iterdir())


def test_a_failed_build_shows_its_error_and_a_try_again_button(app, released, clock, monkeypatch):
    def broken(window, at, progress):
        progress(0, 0, "Reading the window's marks and decisions")
        yield b"PK"
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "scripts_zip", broken)
    admin = admin_client(app, clock)
    admin.post(f"/admin/windows/{released.window_id}/moderation-pack")
    build_queued(app)
    pack = the_pack(app)
    assert pack.status is PackStatus.FAILED and pack.error == "OSError: No space left on device"
    assert not any(Path(app.config["EXPORTS_FOLDER"]).iterdir())
    page = admin.get(f"/admin/windows/{released.window_id}/moderation-pack").text
    assert "The pack could not be built" in page and "OSError: No space left on device" in page
    assert re.search(r"csrf_token.*Try again</button>", page, re.DOTALL)
    assert admin.get(f"/admin/windows/{released.window_id}/moderation-pack/{pack.id}/download"
                     ).status_code == 404


def test_the_progress_page_shows_a_bar_its_text_the_stage_and_time_left(app, released, clock):
    pack_id = queue(app, released.window_id)
    with app.app_context():
        moderation_packs.claim("server a", AFTER_CLOSE - timedelta(seconds=30))
        db.session.execute(db.update(ModerationPack).values(
            done=1, total=3, stage="Writing the scripts and their marking"))
        db.session.commit()
    admin = admin_client(app, clock)
    page = admin.get(f"/admin/windows/{released.window_id}/moderation-pack").text
    assert '<progress class="app-progress" id="pack-bar" max="100" value="33"' in page
    assert '<label class="govuk-label" for="pack-bar">Scripts written</label>' in page
    assert "1 of 3 scripts" in page and "Writing the scripts and their marking" in page
    assert "About 60 seconds left" in page  # 30 s for the first script of three
    assert 'aria-live="polite"' in page and ">Refresh</a>" in page
    assert "/static/js/moderation_pack." in page
    status = admin.get(f"/admin/windows/{released.window_id}/moderation-pack/{pack_id}/status")
    assert status.headers["Cache-Control"] == "no-store"
    assert status.json == {"status": "building", "done": 1, "total": 3, "percent": 33,
                           "scripts": "1 of 3 scripts",
                           "stage": "Writing the scripts and their marking",
                           "time_left": "About 60 seconds left"}


def test_a_ready_pack_is_offered_with_its_size_and_build_time_and_its_download_audited(
        app, released, clock):
    admin = admin_client(app, clock)
    built_pack(app, admin, released.window_id)
    pack = the_pack(app)
    page = admin.get(f"/admin/windows/{released.window_id}/moderation-pack").text
    assert "The pack is ready to download." in page
    name = f"window-{released.window_id}-moderation-pack-20261203-0900.zip"
    assert (f'Download {name}<span class="govuk-visually-hidden">, the moderation pack</span> '
            f"(zip, {pack.size / 1000:.0f} KB)") in page
    assert "9:00am on Thursday 3 December 2026" in page  # AFTER_CLOSE, London time
    assert "3 scripts, with their marking" in page and pack.sha256 in page
    with admin.get(download_link(page)) as response:
        assert response.headers["Content-Disposition"] == f"attachment; filename={name}"
    with app.app_context():
        events = AuditEvent.query.filter_by(action="export.downloaded").all()
        assert len(events) == 2  # built_pack downloaded it once too
        assert {e.detail["export"] for e in events} == {"moderation_pack"}
        assert events[-1].detail["sha256"] == pack.sha256


def test_another_windows_pack_is_not_found_through_this_window(app, released, clock):
    pack_id = queue(app, released.window_id)
    with app.app_context():
        other_id = make_window(name="Another").id
    admin = admin_client(app, clock)
    for tail in ("status", "download"):
        url = f"/admin/windows/{other_id}/moderation-pack/{pack_id}/{tail}"
        assert admin.get(url).status_code == 404


def test_the_old_address_leads_to_the_pack_page(app, released, clock):
    response = admin_client(app, clock).get(f"/admin/windows/{released.window_id}/export/scripts.zip")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/windows/{released.window_id}/moderation-pack"


def test_a_pack_file_is_removed_a_day_after_it_was_built(app, released, clock):
    admin = admin_client(app, clock)
    built_pack(app, admin, released.window_id)
    folder = Path(app.config["EXPORTS_FOLDER"])
    clock.at(AFTER_CLOSE + timedelta(hours=23))
    build_queued(app)
    assert the_pack(app).status is PackStatus.READY
    a_day_on = clock.at(AFTER_CLOSE + timedelta(days=1, minutes=1))
    build_queued(app)
    assert the_pack(app).status is PackStatus.REMOVED and not any(folder.iterdir())
    page = signed_in(app, clock, "boss@example.org", at=a_day_on).get(f"/admin/windows/{released.window_id}/moderation-pack").text
    assert "has been removed: packs are kept for a day" in page
    assert "Build the moderation pack</button>" in page


def test_asking_wakes_the_scheduler_running_in_this_process(app, released, clock):
    class Scheduler:
        running, jobs = True, []

        def add_job(self, func, trigger, **options):
            self.jobs.append((func, trigger, options["id"]))

    app.extensions["scheduler"] = scheduler = Scheduler()
    admin_client(app, clock).post(f"/admin/windows/{released.window_id}/moderation-pack")
    assert scheduler.jobs == [("assessment_app.scheduling:build_packs", "date",
                               scheduling.PACKS_NOW_JOB_ID)]


def test_an_upload_keeps_its_copy_naming_nobody_and_the_pack_holds_that_copy(app, released, clock):
    """Made once when uploaded, so a build never rebuilds every Word file again."""
    with app.app_context():
        upload = db.session.scalars(db.select(ResponseUpload)).one()
        assert upload.copy_naming_nobody == without_personal_details(upload.data)
        upload.copy_naming_nobody = upload.copy_naming_nobody + b"(as kept)"
        db.session.commit()
        number = upload.entry.candidate_number
    archive = built_pack(app, admin_client(app, clock), released.window_id)
    assert archive.read(f"scripts/NPQLTD/{number}-original.docx").endswith(b"(as kept)")


def test_an_upload_kept_before_there_were_copies_is_rebuilt_for_the_pack(app, released, clock):
    with app.app_context():
        upload = db.session.scalars(db.select(ResponseUpload)).one()
        copy, upload.copy_naming_nobody = upload.copy_naming_nobody, None
        db.session.commit()
        number = upload.entry.candidate_number
    archive = built_pack(app, admin_client(app, clock), released.window_id)
    assert archive.read(f"scripts/NPQLTD/{number}-original.docx") == copy


def test_an_old_upload_that_cannot_be_copied_is_left_out_and_the_pack_is_still_made(
        app, released, clock):
    """One Word file kept before copies were made, whose theme is not XML: its script goes in
    with its text and marking, which says the original was left out; nothing stops the pack."""
    with app.app_context():
        upload = db.session.scalars(db.select(ResponseUpload)).one()
        upload.copy_naming_nobody = None
        upload.data = repack(upload.data, replace={"word/theme/theme1.xml": b"<broken"})
        db.session.commit()
        number = upload.entry.candidate_number
    archive = built_pack(app, admin_client(app, clock), released.window_id)
    names = set(archive.namelist())
    assert f"scripts/NPQLTD/{number}.txt" in names
    assert f"scripts/NPQLTD/{number}-original.docx" not in names
    marking = archive.read(f"scripts/NPQLTD/{number}-marking.txt").decode()
    assert "Uploaded as a Word document, left out of this pack" in marking
    manifest = archive.read("manifest.csv").decode()
    assert f"{number}-original.docx" not in manifest and f"{number}-marking.txt" in manifest


def test_the_packs_marks_are_the_marks_csv_byte_for_byte(app, released, clock):
    """The pack reads its marking as plain rows a page at a time; the marks CSV reads the
    window's objects at once: both say the same, moderation, second marks and all."""
    admin = admin_client(app, clock)
    archive = built_pack(app, admin, released.window_id)
    marks = admin.get(f"/admin/windows/{released.window_id}/export/marks.csv").data
    assert archive.read("marks.csv") == marks and b"Diagnosis is partial." in marks


def test_a_part_file_a_dead_build_left_is_removed_after_a_day(app, released, clock):
    folder = Path(app.config["EXPORTS_FOLDER"])
    folder.mkdir(parents=True)
    fresh, old = (folder / f"window-1-moderation-pack-1.zip.part{n}" for n in (1, 2))
    for part in (fresh, old):
        part.write_bytes(b"PK")
    day_and_more = (AFTER_CLOSE - timedelta(days=1, minutes=1)).timestamp()
    os.utime(old, (day_and_more, day_and_more))
    build_queued(app)
    assert fresh.exists() and not old.exists()
