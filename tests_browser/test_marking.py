"""Marking to result in Chromium: the marker marks a script by keyboard alone, a second marker
disagrees, the moderator decides, the admin releases, and the participant reads the result and
downloads the feedback."""

from dataclasses import asdict
from datetime import timedelta

import pytest
from docx import Document
from playwright.sync_api import expect
from world import RUBRIC, allocate, build_world, first_marker, second_marker_disagrees

from assessment_app import clock
from assessment_app.dfe.participants import Incoming
from assessment_app.extensions import db
from assessment_app.models import DfeCall, DfeParticipantFetch, Entry, User
from assessment_app.services import deadline_extensions

LEVELS = [level.id for level in RUBRIC.levels]
NEW = "0b7a8e6e-4c3d-4e5f-9a1b-2c3d4e5f6a7b"
SAM_DFE = "7a8fef46-3c43-42c0-b3d5-1ba5904ba562"


@pytest.fixture
def world(app):
    """Jo's script, allocated for first marking now that the window has closed."""
    with app.app_context():
        world = build_world()
        allocate(world)
        return world


def extended(app, world):
    """Sam, in the open window, given an extension: his user id and the extension's."""
    with app.app_context():
        entry = db.session.get(Entry, world.open_entry_id)
        admin = User.query.filter_by(email="admin@example.org").one()
        done = deadline_extensions.grant([entry], entry.window.closes_at.date() + timedelta(
            days=3), "Illness in the family", admin, clock.now())
        db.session.commit()
        return entry.participant_id, done.granted[0].id


def dfe_waiting(app, world) -> int:
    """Participants fetched from the DfE (one new, one changed) and a call to the DfE that the
    DfE refused, as the DfE pages show them: the fetch's id."""
    with app.app_context():
        entry = db.session.get(Entry, world.open_entry_id)
        admin = User.query.filter_by(email="admin@example.org").one()
        sam = entry.participant
        fetched = DfeParticipantFetch(fetched_by=admin.id, skipped=1, records=[
            asdict(Incoming(NEW, "Lee Chan", "lee@example.org", "NPQH", None, "active")),
            asdict(Incoming(SAM_DFE, sam.name, sam.email, sam.programme, "106286", "deferred"))])
        db.session.add(fetched)
        db.session.add(DfeCall(
            key="entry declaration", entry_id=entry.id, action="declare",
            participant_id=SAM_DFE, course_identifier="npq-leading-teaching-development",
            has_passed=True, declaration_date=clock.now(), attempts=3,
            last_error="422 cohort: You cannot submit or void declarations for the 2024 cohort.",
            last_error_at=clock.now()))
        db.session.commit()
        return fetched.id


def tab_to(page, selector, limit=300):
    """Press Tab until the focused element matches selector, as a keyboard user moves."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose_level_by_keyboard(page, criterion, level):
    # Tab enters the group on its first radio; Space chooses it; each arrow moves on and chooses.
    tab_to(page, f"input[name='level-{criterion}']")
    page.keyboard.press("Space")
    for _ in range(LEVELS.index(level)):
        page.keyboard.press("ArrowDown")
    expect(page.locator(f"#level-{criterion}-{level}")).to_be_checked()


def test_marking_moderation_release_and_result(app, pages, world):
    page = pages.page
    with app.app_context():
        marker_email, first_number = first_marker()

    # The first marker, keyboard only: from the queue to the script, every level and comment.
    pages.sign_in(marker_email, world.password)
    pages.check("marker home")
    tab_to(page, f"a[href$='/marking/scripts/{first_number}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/marking/scripts/{first_number}")
    pages.check("script to mark")
    tab_to(page, "button[value=continue]")
    page.keyboard.press("Enter")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    pages.check("script, continued with no levels")
    for criterion in RUBRIC.criteria:
        choose_level_by_keyboard(page, criterion.id, "developing")
        page.keyboard.press("Tab")
        expect(page.locator(f"#comment-{criterion.id}")).to_be_focused()
        page.keyboard.type(f"Some evidence of {criterion.title.lower()}.")
    tab_to(page, "#feedback")
    page.keyboard.type("A sound start: the plan needs a diagnosis behind it.")
    tab_to(page, "button[value=continue]")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/marking/scripts/{first_number}/check")
    pages.check("check the mark")
    tab_to(page, "form:has(input[name=fingerprint]) button")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Mark submitted.")).to_be_visible()
    pages.check("marker home after submitting")
    pages.goto(f"/marking/scripts/{first_number}", "script, mark submitted")

    # A fail is second-marked blind; this second marker passes it, so a moderator decides.
    with app.app_context():
        second_marker_disagrees(world)

    page = pages.new_person()
    pages.sign_in("moderator@example.org", world.password)
    pages.check("moderator home")
    page.locator("a[href*='/marking/moderation/']").first.click()
    pages.check("moderation case")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    pages.check("moderation, continued with nothing")
    for criterion in RUBRIC.criteria:
        page.locator(f"#level-{criterion.id}-secure").check()
        page.locator(f"#comment-{criterion.id}").fill(f"Secure {criterion.title.lower()}.")
    page.get_by_label("Overall feedback").fill("Secure across the rubric.")
    page.get_by_label("Reason for your decision").fill(
        "The diagnosis is secure; the first mark under-read the plan.")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Check your marks before submitting")
    pages.check("moderation, check the decision")
    page.get_by_role("button", name="Record final mark").click()
    expect(page.get_by_text("Moderation decision recorded")).to_be_visible()
    pages.check("moderator home after deciding")
    pages.goto("/marking/agreement", "marker agreement")

    # The admin looks over the window and releases the results now.
    page = pages.new_person()
    pages.sign_in("admin@example.org", world.password)
    pages.check("admin home")
    window_url = f"/admin/windows/{world.closed_window_id}"
    pages.goto(window_url, "window")
    pages.goto(f"{window_url}/dashboard", "window dashboard")
    pages.goto(f"{window_url}/reports/markers", "marking progress per marker")
    pages.goto(f"{window_url}/reports/distribution", "distribution of levels")
    pages.goto("/admin/people", "people")
    pages.goto("/admin/markers", "markers")
    pages.goto("/admin/audit", "audit log")
    pages.goto("/admin/papers", "paper bank")
    fetch_id = dfe_waiting(app, world)
    pages.goto("/admin/dfe", "DfE: a call that failed")
    pages.goto(f"/admin/dfe/participants/{fetch_id}", "DfE: participants to add and change")
    pages.goto(f"{window_url}/dfe-outcomes", "DfE outcomes, API not set up")
    sam_id, extension_id = extended(app, world)
    pages.goto(f"/admin/participants/{sam_id}", "participant with an extension")
    pages.goto(f"/admin/extensions/{extension_id}/withdraw", "take back an extension")
    pages.goto(f"{window_url}/marking/scripts/{world.closed_entry_id}/second/assign",
               "assign a marker")
    pages.goto(f"{window_url}/marking", "marking overview")
    page.get_by_role("button", name="Release results").click()
    pages.check("check before releasing results")
    page.get_by_role("button", name="Confirm and release results").click()
    expect(page.get_by_text("Results released.")).to_be_visible()
    pages.check("marking overview, results released")

    # Jo reads the result and downloads the feedback.
    page = pages.new_person()
    pages.sign_in("jo@example.org", world.password)
    pages.goto(f"/assessments/{world.closed_entry_id}", "overview, result available")
    page.get_by_role("link", name="See your result and feedback").click()
    expect(page.locator("main")).to_contain_text("Passed")
    pages.check("result")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download your feedback (Word document)").click()
    assert download.value.suggested_filename.endswith(".docx")
    feedback = Document(str(download.value.path()))
    text = "\n".join([p.text for p in feedback.paragraphs]
                     + [cell.text for table in feedback.tables for row in table.rows
                        for cell in row.cells])
    assert "Secure across the rubric." in text
    pages.assert_clean()
