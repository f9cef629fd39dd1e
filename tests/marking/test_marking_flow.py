"""Allocation, the marker's workbench, second marking, moderation, release and exports."""

import io
from datetime import timedelta

from docx import Document
from factories import PASSWORD, login, make_entry, make_window
from marking.conftest import AFTER_CLOSE, rubric_form, submit_through_check
from packs import built_pack
from page_html import confirmed_post

from assessment_app import wordcount
from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AllocationStatus,
    Entry,
    Mark,
    MarkingRole,
    Moderation,
    User,
)
from assessment_app.services import allocations, checking, mark_input, marks, rubric_store

PARTICIPANT_SECRETS = ["Sam Taylor", "sam@example.org", "Oakfield Primary", "Midlands Alliance",
                       "Jo Evans", "jo@example.org", "Riverside", "Alex Morgan", "Coastal Trust"]


def allocate(app, closed, at=AFTER_CLOSE):
    with app.app_context():
        window = db.session.get(Entry, closed.entry_ids[0]).window
        result = allocations.allocate_window(window, at)
        db.session.commit()  # as the request does
        return result


def first_allocations(app):
    with app.app_context():
        return {a.entry_id: (a.id, a.marker_id) for a in Allocation.query.filter_by(role=MarkingRole.FIRST)}


def signed_in(app, email, clock, at=AFTER_CLOSE):
    clock.at(at)
    client = app.test_client()
    login(client, email, PASSWORD)
    return client


def test_allocation_gives_every_script_a_marker_without_conflicts(app, closed):
    """Sam's delivery partner is Martin's: Sam's script goes to Nina. Running again adds nothing."""
    result = allocate(app, closed)
    assert len(result.assignments) == 3 and not result.unallocated
    allocations = first_allocations(app)
    assert allocations[closed.entry_ids[0]][1] == closed.marker_ids[1]
    assert allocate(app, closed).assignments == {}
    assert len(first_allocations(app)) == 3


def test_scripts_are_not_allocated_before_the_deadline(app, closed):
    result = allocate(app, closed, at=AFTER_CLOSE - timedelta(days=2))
    assert result.assignments == {}


def test_a_resit_never_goes_to_the_first_attempts_marker(app, closed, clock):
    """Jo's first attempt was marked by one marker; the resit goes to someone else."""
    allocate(app, closed)
    jo_first_marker = first_allocations(app)[closed.entry_ids[1]][1]
    with app.app_context():
        from datetime import date

        from assessment_app.services import submissions

        clock.at(AFTER_CLOSE)
        resit_window = make_window(name="Resit", first_day=date(2027, 3, 1), admin=db.session.get(User, closed.admin_id))
        jo = User.query.filter_by(email="jo@example.org").one()
        db.session.get(Entry, closed.entry_ids[1]).outcome = "failed"  # her first attempt
        db.session.commit()
        resit = make_entry(resit_window, jo)
        at = resit_window.release_at + timedelta(days=1)
        submissions.submit(resit, "Resit response.", declaration=True, client_token="r", at=at)
        allocations.allocate_window(resit_window, resit_window.closes_at + timedelta(hours=1))
        allocation = Allocation.query.filter_by(entry_id=resit.id).one()
        assert allocation.marker_id != jo_first_marker


def test_the_marker_sees_scripts_by_candidate_number_only(app, closed, clock):
    """No participant name, email, school or delivery partner in the queue, the script page, or the rubric form."""
    allocate(app, closed)
    client = signed_in(app, "m2@example.org", clock)
    queue = client.get("/marking/")
    assert queue.status_code == 200
    pages = [queue.text]
    with app.app_context():
        mine = Allocation.query.filter_by(marker_id=closed.marker_ids[1]).all()
        numbers = [a.entry.candidate_number for a in mine]
    for number in numbers:  # a marker opens a script by its candidate number
        page = client.get(f"/marking/scripts/{number}")
        assert page.status_code == 200
        pages.append(page.text)
    for number in numbers:
        assert number in queue.text
    for page in pages:
        for secret in PARTICIPANT_SECRETS:
            assert secret not in page, secret


def test_a_marker_cannot_open_another_markers_script(app, closed, clock):
    allocate(app, closed)
    with app.app_context():
        theirs = Allocation.query.filter_by(marker_id=closed.marker_ids[0]).first().candidate_number
    client = signed_in(app, "m2@example.org", clock)
    assert client.get(f"/marking/scripts/{theirs}").status_code == 404


def test_the_outcome_is_computed_from_the_rubric_and_the_version_recorded(app, closed, clock):
    """All strong passes clearly; one developing (the rest secure) fails and is borderline; the
    rubric's hash is kept with the mark."""
    allocate(app, closed)
    with app.app_context():
        a = Allocation.query.filter_by(marker_id=closed.marker_ids[1]).first()
        b = Allocation.query.filter_by(marker_id=closed.marker_ids[0]).first()
        (a, a_number), (b, b_number) = (a.id, a.candidate_number), (b.id, b.candidate_number)
        passing, failing = rubric_form(level="strong"), rubric_form(diagnosis="developing")
    for email, number, data in (("m2@example.org", a_number, passing),
                                ("m1@example.org", b_number, failing)):
        client = signed_in(app, email, clock)
        response = submit_through_check(client, f"/marking/scripts/{number}", data)
        assert response.status_code == 302
    with app.app_context():
        pass_mark = Mark.query.filter_by(allocation_id=a).one()
        fail_mark = Mark.query.filter_by(allocation_id=b).one()
        assert pass_mark.outcome.value == "pass" and not pass_mark.borderline
        assert fail_mark.outcome.value == "fail" and fail_mark.borderline
        assert pass_mark.rubric_version == rubric_store.rubric_for("NPQLTD").version
        assert len(pass_mark.rubric_version) == 64


def test_a_mark_without_every_level_is_refused_and_kept_as_typed(app, closed, clock):
    allocate(app, closed)
    client = signed_in(app, "m2@example.org", clock)
    with app.app_context():
        allocation = Allocation.query.filter_by(marker_id=closed.marker_ids[1]).first()
        allocation_id, number = allocation.id, allocation.candidate_number
    data = rubric_form()
    data.pop("level-diagnosis")
    response = client.post(f"/marking/scripts/{number}", data={**data, "action": "submit"})
    assert "Choose a level for every criterion" in response.text
    assert "A clear diagnosis and a workable plan." in response.text
    with app.app_context():
        assert db.session.get(Allocation, allocation_id).status is AllocationStatus.ALLOCATED


def test_a_marker_can_hand_a_script_back_and_it_goes_to_another_marker(app, closed, clock):
    allocate(app, closed)
    client = signed_in(app, "m1@example.org", clock)
    with app.app_context():
        allocation = Allocation.query.filter_by(marker_id=closed.marker_ids[0]).first()
        number, entry_id = allocation.candidate_number, allocation.entry_id
    client.post(f"/marking/scripts/{number}/return", data={"reason": "I know this school"})
    with app.app_context():
        live = Allocation.query.filter(Allocation.entry_id == entry_id,
                                       Allocation.status != AllocationStatus.RETURNED).one()
        assert live.marker_id == closed.marker_ids[1]


def mark_all(app, clock, closed, levels_for):
    """First-mark every script through the pages; levels_for(entry_id) gives rubric_form arguments."""
    for marker_id, email in zip(closed.marker_ids, ("m1@example.org", "m2@example.org")):
        client = signed_in(app, email, clock)
        with app.app_context():
            mine = [(a.candidate_number, a.entry_id) for a in Allocation.query.filter_by(marker_id=marker_id, role=MarkingRole.FIRST)]
        for number, entry_id in mine:
            submit_through_check(client, f"/marking/scripts/{number}",
                                 rubric_form(**levels_for(entry_id)))


def test_second_marking_moderation_release_and_feedback(app, closed, clock):
    """A fail is always second-marked; the second marker disagrees, the moderator decides; results
    stay hidden until released, then the participant sees them and downloads the feedback."""
    allocate(app, closed)
    failing_entry = closed.entry_ids[1]
    mark_all(app, clock, closed,
             lambda e: {"diagnosis": "not_evident"} if e == failing_entry else {"level": "strong"})
    with app.app_context():
        window = db.session.get(Entry, failing_entry).window
        window.second_marking_percent = 0  # only the fail must be second-marked here
        db.session.commit()
        admin = db.session.get(User, closed.admin_id)
        sample = checking.draw_second_marking_sample(window, AFTER_CLOSE, admin, seed=1)
        db.session.commit()  # as the request does
        assert failing_entry in sample
        second = Allocation.query.filter_by(entry_id=failing_entry, role=MarkingRole.SECOND).one()
        first = Allocation.query.filter_by(entry_id=failing_entry, role=MarkingRole.FIRST).one()
        assert second.marker_id != first.marker_id
        second_email, second_number = second.marker.email, second.candidate_number
        assert checking.outstanding_checks(window, AFTER_CLOSE)
    # The second marker is blind: the first mark is not on the page.
    client = signed_in(app, second_email, clock)
    page = client.get(f"/marking/scripts/{second_number}").text
    assert "Comment on diagnosis" not in page and "not_evident" not in page.split("Your mark")[1].split('checked')[0]
    submit_through_check(client, f"/marking/scripts/{second_number}", rubric_form(level="strong"))
    with app.app_context():
        case = Moderation.query.one()
        assert "outcomes differ" in case.why
    moderator = signed_in(app, "mod@example.org", clock)
    refused = moderator.post(f"/marking/moderation/{case.id}", data=rubric_form(diagnosis="developing"))
    assert "Give the reason for your decision" in refused.text
    submit_through_check(moderator, f"/marking/moderation/{case.id}",
                         {**rubric_form(diagnosis="developing"), "reason": "Diagnosis is partial."})
    with app.app_context():
        assert Moderation.query.one().outcome.value == "fail"
    # Results are hidden until released.
    sam = signed_in(app, "jo@example.org", clock)
    assert sam.get(f"/assessments/{failing_entry}/result").status_code == 404
    admin_client = signed_in(app, "boss@example.org", clock)
    released = confirmed_post(admin_client, f"/admin/windows/{closed.window_id}/results",
                              {"when": "now"})
    assert "Results released." in released.text
    with app.app_context():
        entry = db.session.get(Entry, failing_entry)
        assert entry.outcome == "failed" and entry.completed_at == AFTER_CLOSE
    jo = signed_in(app, "jo@example.org", clock)
    result = jo.get(f"/assessments/{failing_entry}/result")
    assert result.status_code == 200 and "Not passed" in result.text
    document = Document(io.BytesIO(jo.get(f"/assessments/{failing_entry}/result/feedback.docx").data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Outcome: Not passed" in text
    cells = [c.text for row in document.tables[0].rows for c in row.cells]
    assert "Developing" in cells and "Comment on diagnosis" in cells


def test_results_cannot_be_released_while_scripts_are_unmarked(app, closed, clock):
    allocate(app, closed)
    admin_client = signed_in(app, "boss@example.org", clock)
    response = admin_client.post(f"/admin/windows/{closed.window_id}/results", data={"when": "now"}, follow_redirects=True)
    assert "3 scripts still need marking" in response.text
    with app.app_context():
        assert db.session.get(Entry, closed.entry_ids[0]).outcome is None


def test_exports_identify_scripts_by_candidate_number_only(app, closed, clock):
    allocate(app, closed)
    mark_all(app, clock, closed, lambda e: {})
    admin_client = signed_in(app, "boss@example.org", clock)
    csv_text = admin_client.get(f"/admin/windows/{closed.window_id}/export/marks.csv").text
    archive = built_pack(app, admin_client, closed.window_id)
    with app.app_context():
        numbers = [e.candidate_number for e in Entry.query.all()]
    for number in numbers:
        assert number in csv_text
        assert f"scripts/NPQLTD/{number}.txt" in archive.namelist()
    for secret in PARTICIPANT_SECRETS:
        assert secret not in csv_text
    assert csv_text.count(",pass,") >= 3


def test_the_word_limit_cut_off_is_shown_where_a_tolerance_allowed_more(app, closed, clock):
    """A 10% tolerance let 1,600 words in: the marker sees where the 1,500th word falls."""
    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[1])
        entry.window.word_limit, entry.window.tolerance_percent = 1500, 10
        version = allocations.marked_versions(entry.window, AFTER_CLOSE)[entry.id]
        version.text = " ".join(f"w{i}" for i in range(1600))
        version.word_count = 1600
        db.session.commit()
    allocate(app, closed)
    with app.app_context():
        allocation = Allocation.query.filter_by(entry_id=closed.entry_ids[1]).one()
        email, number = allocation.marker.email, allocation.candidate_number
    page = signed_in(app, email, clock).get(f"/marking/scripts/{number}").text
    before, after = page.split("Word limit of 1,500 reached here")
    assert "w1499" in before and "w1500" not in before
    assert "w1500" in after and "w1599" in after


def _marker_page_for(app, closed, clock, text: str, *, tolerance: int = 0) -> str:
    """The first marker's page for the second entry's script, with this text."""
    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[1])
        entry.window.word_limit, entry.window.tolerance_percent = 1500, tolerance
        version = allocations.marked_versions(entry.window, AFTER_CLOSE)[entry.id]
        version.text = text
        version.word_count = wordcount.count_words(text)
        db.session.commit()
    allocate(app, closed)
    with app.app_context():
        allocation = Allocation.query.filter_by(entry_id=closed.entry_ids[1]).one()
        email, number = allocation.marker.email, allocation.candidate_number
    return signed_in(app, email, clock).get(f"/marking/scripts/{number}").text


def test_a_response_exactly_at_the_limit_keeps_its_reference_list_for_the_marker(app, closed,
                                                                                  clock):
    """The bug in issue 10: at exactly 1,500 words the reference list vanished. Now the body,
    the labelled list and the count are all on the page, and no limit line."""
    body = " ".join(f"w{i}" for i in range(1500))
    page = _marker_page_for(app, closed, clock,
                            f"{body}\nReferences\nSmith, J. (2019) Coaching.\nDfE (n.d.) Guide.")
    assert "w1499" in page
    assert "Reference list (not counted)" in page
    assert "Smith, J. (2019) Coaching." in page and "DfE (n.d.) Guide." in page
    assert "Counted: 1,500 words. Reference list: 2 entries, not counted." in page
    assert "Word limit of" not in page


def test_the_marker_sees_counted_lines_after_the_heading_and_the_limit_among_them(app, closed,
                                                                                   clock):
    """A line after the heading that is no entry is marked [Counted]; with a tolerance the
    limit can fall inside it, and the marker sees where."""
    body = " ".join(f"w{i}" for i in range(1498))
    page = _marker_page_for(app, closed, clock,
                            f"{body}\nReferences\nSmith (2019).\nhidden argument goes on",
                            tolerance=10)
    references = page.split("Reference list (not counted)")[1]
    assert "<strong>[Counted]</strong> hidden argument" in references
    before, after = references.split("Word limit of 1,500 reached here")
    assert "Smith (2019)." in before and "argument" in before and "goes on" in after
    assert "Counted: 1,502 words. Reference list: 1 entry, not counted." in page


def test_a_draft_mark_is_saved_without_submitting(app, closed, clock):
    allocate(app, closed)
    with app.app_context():
        allocation = Allocation.query.filter_by(marker_id=closed.marker_ids[1]).first()
        allocation_id, number = allocation.id, allocation.candidate_number
    client = signed_in(app, "m2@example.org", clock)
    data = rubric_form()
    data.pop("level-teaching")
    response = client.post(f"/marking/scripts/{number}", data={**data, "action": "save"})
    assert response.status_code == 302
    with app.app_context():
        allocation = db.session.get(Allocation, allocation_id)
        assert allocation.status is AllocationStatus.ALLOCATED
        assert allocation.mark.outcome is None and allocation.mark.levels()["diagnosis"] == "secure"
    assert "Comment on diagnosis" in client.get(f"/marking/scripts/{number}").text


def test_the_moderation_page_shows_no_participant_details(app, closed, clock):
    allocate(app, closed)
    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[2])
        first = Allocation.query.filter_by(entry_id=entry.id).one()
        levels = {k[6:]: v for k, v in rubric_form().items() if k.startswith("level-")}
        marks.save_mark(first, mark_input.MarkInput(levels=levels), AFTER_CLOSE, submit=True)
        checking.draw_second_marking_sample(entry.window, AFTER_CLOSE,
                                            db.session.get(User, closed.admin_id), seed=2)
        second = Allocation.query.filter_by(entry_id=entry.id, role=MarkingRole.SECOND).one()
        marks.save_mark(second, mark_input.MarkInput(levels={k: "not_evident" for k in levels}),
                        AFTER_CLOSE, submit=True)
        db.session.commit()  # as the request does
        case_id = Moderation.query.one().id
    page = signed_in(app, "mod@example.org", clock).get(f"/marking/moderation/{case_id}").text
    for secret in PARTICIPANT_SECRETS:
        assert secret not in page


def test_a_markers_comment_with_a_nul_is_saved_without_it(app, closed, clock):
    """A NUL typed or pasted into a marker's comment (PostgreSQL refuses it: the marking was
    lost to a server error) is removed as the form is read, and the marking is saved."""
    allocate(app, closed)
    client = signed_in(app, "m1@example.org", clock)
    with app.app_context():
        allocation = Allocation.query.filter_by(marker_id=closed.marker_ids[0]).first()
        allocation_id, number = allocation.id, allocation.entry.candidate_number
    data = rubric_form()
    data = {k: (v.replace(" on ", " on\x00 ") if k.startswith("comment-") else v)
            for k, v in data.items()}
    data["feedback"] = "Clear\x00 and\x1b workable."
    response = client.post(f"/marking/scripts/{number}", data={**data, "action": "save"})
    assert response.status_code < 500
    with app.app_context():
        mark = db.session.get(Allocation, allocation_id).mark
        assert mark.feedback == "Clear and workable."
        assert all("\x00" not in j.comment for j in mark.judgements)
        assert any(j.comment.startswith("Comment on ") for j in mark.judgements)
