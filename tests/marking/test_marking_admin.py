"""Admin marking settings, moderation rules, agreement figures and a scheduled results release."""

from datetime import timedelta

from factories import PASSWORD, count_queries, login, make_entry, make_user
from marking.conftest import AFTER_CLOSE, add_marker, rubric_form

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AuditEvent,
    Entry,
    MarkerProfile,
    Moderation,
    Role,
    User,
)
from assessment_app.services import allocations, checking, marks, moderation, results, rubric_store
from assessment_app.services.mark_input import MarkInput
from assessment_app.services.marking_error import MarkingError
from assessment_app.services.marking_stats import agreement_by_marker


def client_for(app, clock, email, at=AFTER_CLOSE):
    clock.at(at)
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def test_admin_sets_a_markers_npqs_capacity_and_share(app, closed, clock):
    admin = client_for(app, clock, "boss@example.org")
    marker_id = closed.marker_ids[1]
    response = admin.post(f"/admin/markers/{marker_id}",
                          data={"npq_codes": ["NPQLTD", "NPQH"], "capacity": "1", "share": "0.5"})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(MarkerProfile, marker_id)
        assert profile.npqs == {"NPQLTD", "NPQH"} and profile.capacity == 1 and profile.share == 0.5
        assert AuditEvent.query.filter_by(action="marker.updated").count() == 1
        window = db.session.get(Entry, closed.entry_ids[0]).window
        allocations.allocate_window(window, AFTER_CLOSE)
        assert Allocation.query.filter_by(marker_id=marker_id).count() == 1  # capacity 1


def test_marker_settings_are_for_admins_only(app, closed, clock):
    marker = client_for(app, clock, "m1@example.org")
    assert marker.get("/admin/markers").status_code == 403
    assert marker.post(f"/admin/markers/{closed.marker_ids[0]}", data={"capacity": "999"}).status_code == 403


def test_a_moderator_cannot_decide_a_script_they_marked(app, closed, clock):
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        allocations.allocate_window(window, AFTER_CLOSE)
        first = Allocation.query.first()
        entry = first.entry
        marks.save_mark(first, MarkInput(levels={k[6:]: v for k, v in rubric_form().items() if k.startswith("level-")}),
                        AFTER_CLOSE, submit=True)
        case = Moderation(entry_id=entry.id, why="test", opened_at=AFTER_CLOSE)
        db.session.add(case)
        db.session.commit()
        # The first marker is promoted to moderator: still may not moderate this script.
        marker = db.session.get(User, first.marker_id)
        marker.role = Role.MODERATOR
        db.session.commit()
        try:
            moderation.moderate(case, marker, MarkInput(), "reason", AFTER_CLOSE)
        except MarkingError as error:
            assert "another moderator" in str(error)
        else:
            raise AssertionError("a marker moderated their own script")


def test_agreement_figures_count_second_marks_and_moderation(app, closed, clock):
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        allocations.allocate_window(window, AFTER_CLOSE)
        strong = {k[6:]: "strong" for k in rubric_form() if k.startswith("level-")}
        for allocation in Allocation.query.all():
            marks.save_mark(allocation, MarkInput(levels=strong), AFTER_CLOSE, submit=True)
        window.second_marking_percent = 100
        db.session.commit()
        checking.draw_second_marking_sample(window, AFTER_CLOSE, db.session.get(User, closed.admin_id), seed=3)
        for allocation in Allocation.query.filter_by(role="second").all():
            marks.save_mark(allocation, MarkInput(levels=strong), AFTER_CLOSE, submit=True)
        db.session.commit()  # as the request does
        rows = agreement_by_marker()
    # Sam's script has no possible second marker (one marked it, the other shares Sam's
    # delivery partner), so two of the three are double-marked.
    assert sum(r.double_marked for r in rows) == 2
    assert all(r.outcome_agreement == 1.0 for r in rows)
    page = client_for(app, clock, "mod@example.org").get("/marking/agreement")
    assert page.status_code == 200 and "100%" in page.text


def test_a_results_release_on_a_date_is_hidden_until_that_minute(app, closed, clock):
    """Released from the clock at the set minute; the scheduler's sync records the outcomes."""
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        window.second_marking_percent = 0
        allocations.allocate_window(window, AFTER_CLOSE)
        strong = {k[6:]: "strong" for k in rubric_form() if k.startswith("level-")}
        for allocation in Allocation.query.all():
            marks.save_mark(allocation, MarkInput(levels=strong), AFTER_CLOSE, submit=True)
        release_at = AFTER_CLOSE + timedelta(days=30)
        results.release_results(window, release_at, db.session.get(User, closed.admin_id), AFTER_CLOSE)
        db.session.commit()  # as the request does
        assert db.session.get(Entry, closed.entry_ids[0]).outcome is None
    url = f"/assessments/{closed.entry_ids[0]}/result"
    assert client_for(app, clock, "sam@example.org", release_at - timedelta(seconds=1)).get(url).status_code == 404
    participant = client_for(app, clock, "sam@example.org", release_at)
    assert participant.get(url).status_code == 200
    scheduling._app = app
    scheduling.sync_windows()
    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[0])
        assert entry.outcome == "passed" and entry.completed_at == release_at


def test_the_marking_deadline_is_shown_in_the_queue(app, closed, clock):
    from datetime import date

    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        window.marking_deadline = date(2027, 2, 26)
        db.session.commit()
        allocations.allocate_window(window, AFTER_CLOSE)
        db.session.commit()  # as the request does
    page = client_for(app, clock, "m1@example.org").get("/marking/").text
    assert "Friday 26 February 2027" in page


def test_an_unqualified_marker_gets_nothing(app, closed, clock):
    with app.app_context():
        add_marker("Only Headship", "h@example.org", npqs="NPQH")
        window = db.session.get(Entry, closed.entry_ids[0]).window
        allocations.allocate_window(window, AFTER_CLOSE)
        helper = User.query.filter_by(email="h@example.org").one()
        assert Allocation.query.filter_by(marker_id=helper.id).count() == 0


def test_marking_pages_make_a_fixed_number_of_queries(app, closed, clock):
    """No N+1: the admin overview and the marker's queue cost the same with 3 or 9 scripts."""
    from moments import DURING

    from assessment_app.services import submissions

    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        allocations.allocate_window(window, AFTER_CLOSE)
        db.session.commit()  # as the request does
    admin = client_for(app, clock, "boss@example.org")
    marker = client_for(app, clock, "m2@example.org")
    before = (count_queries(app, lambda: admin.get(f"/admin/windows/{closed.window_id}/marking")),
              count_queries(app, lambda: marker.get("/marking/")))
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        for i in range(6):
            entry = make_entry(window, make_user(email=f"extra{i}@example.org"), at=DURING)
            submissions.submit(entry, "More words here.", declaration=True, client_token=f"x{i}", at=DURING)
        allocations.allocate_window(window, AFTER_CLOSE)
        db.session.commit()  # as the request does
    after = (count_queries(app, lambda: admin.get(f"/admin/windows/{closed.window_id}/marking")),
             count_queries(app, lambda: marker.get("/marking/")))
    assert after == before


def test_editing_a_rubric_never_changes_a_past_mark(app, closed, clock, tmp_path):
    """A criterion renamed after marking: the released result shows the title the marker used."""
    import shutil

    from assessment_app.settings import PROJECT_ROOT

    rubric_dir = tmp_path / "rubrics"
    shutil.copytree(PROJECT_ROOT / "rubrics", rubric_dir)
    app.config["RUBRIC_DIR"] = str(rubric_dir)
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        window.second_marking_percent = 0
        allocations.allocate_window(window, AFTER_CLOSE)
        strong = {k[6:]: "strong" for k in rubric_form() if k.startswith("level-")}
        for allocation in Allocation.query.all():
            marks.save_mark(allocation, MarkInput(levels=strong), AFTER_CLOSE, submit=True)
        old_title = rubric_store.rubric_for("NPQLTD").criteria[0].title
        path = rubric_dir / "npqltd.yaml"
        path.write_text(path.read_text().replace(old_title, "A renamed criterion"))
        assert rubric_store.rubric_for("NPQLTD").criteria[0].title == "A renamed criterion"
        results.release_results(window, AFTER_CLOSE, db.session.get(User, closed.admin_id), AFTER_CLOSE)
        db.session.commit()  # as the request does
    page = client_for(app, clock, "sam@example.org").get(f"/assessments/{closed.entry_ids[0]}/result")
    assert old_title in page.text and "A renamed criterion" not in page.text


def test_the_minute_sync_does_not_fill_the_audit_log_when_nothing_can_be_allocated(app, closed, clock):
    """Scripts with no eligible marker stay unallocated; repeating the sync records nothing new."""
    with app.app_context():
        for profile in MarkerProfile.query.all():
            profile.npq_codes = "NPQH"
        db.session.commit()
    scheduling._app = app
    clock.at(AFTER_CLOSE)
    scheduling.sync_windows()
    scheduling.sync_windows()
    with app.app_context():
        assert AuditEvent.query.filter_by(action="scripts.allocated").count() == 0
        assert Allocation.query.count() == 0
