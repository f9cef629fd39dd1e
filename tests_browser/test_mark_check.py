"""Enter never makes a mark final, in Chromium: Enter on a rubric radio button presses the
form's first button, Continue, which saves the draft and goes to the check page (or back to
the form with what is missing); only the check page's "Submit mark" makes the mark final."""

import pytest
from playwright.sync_api import expect
from world import RUBRIC, allocate, build_world, first_marker

from assessment_app.extensions import db
from assessment_app.models import Allocation, AllocationStatus


@pytest.fixture
def world(app):
    """Jo's script, allocated for first marking now that the window has closed."""
    with app.app_context():
        world = build_world()
        allocate(world)
        return world


def mark_state(app):
    """The first mark's status and outcome, as the database holds them now."""
    with app.app_context():
        allocation = db.session.scalars(db.select(Allocation)).one()
        return allocation.status, allocation.mark.outcome if allocation.mark else None


def test_enter_on_a_rubric_radio_never_submits_a_mark(app, pages, world):
    page = pages.page
    with app.app_context():
        email, number = first_marker()
    pages.sign_in(email, world.password)
    pages.goto(f"/marking/scripts/{number}", "script to mark")
    first, *others = RUBRIC.criteria

    # One level chosen, then Enter on its radio: the draft is kept, the rest is asked for.
    page.locator(f"#level-{first.id}-secure").check()
    page.locator(f"#level-{first.id}-secure").press("Enter")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title(f"Error: Script {number} – NPQ assessment")
    assert mark_state(app) == (AllocationStatus.ALLOCATED, None)
    expect(page.locator(f"#level-{first.id}-secure")).to_be_checked()  # kept
    pages.check("script, Enter with one level")

    # Everything filled, then Enter on a radio again: the check page, still not final.
    for criterion in RUBRIC.criteria:
        page.locator(f"#level-{criterion.id}-secure").check()
        page.locator(f"#comment-{criterion.id}").fill(f"Secure {criterion.title.lower()}.")
    page.locator("#feedback").fill("Secure throughout.")
    page.locator(f"#level-{others[-1].id}-secure").press("Enter")
    page.wait_for_url(f"**/marking/scripts/{number}/check")
    expect(page.locator("#outcome")).to_contain_text("The rubric’s rule gives: Pass")
    assert mark_state(app) == (AllocationStatus.ALLOCATED, None)
    pages.check("check the mark")

    # A Change link goes back to its field; a change there shows on the check page.
    page.get_by_role("link", name=f"Change the level for {first.title.lower()}").click()
    page.wait_for_url(f"**/marking/scripts/{number}#level-{first.id}-not_evident")
    expect(page.locator(f"#level-{first.id}-not_evident")).to_be_in_viewport()
    page.locator(f"#level-{first.id}-developing").check()
    page.locator(f"#level-{first.id}-developing").press("Enter")
    page.wait_for_url(f"**/marking/scripts/{number}/check")
    expect(page.locator("#outcome")).to_contain_text("Fail")
    assert mark_state(app) == (AllocationStatus.ALLOCATED, None)
    pages.check("check the mark, changed to a fail")

    # Only the check page's button makes it final.
    page.get_by_role("button", name="Submit mark").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Mark submitted.")).to_be_visible()
    status, outcome = mark_state(app)
    assert status is AllocationStatus.SUBMITTED and outcome.value == "fail"
    pages.assert_clean()
