"""The rough edges issue 12 found by hand (items 3 to 8), each held by a browser test."""

import pytest
from playwright.sync_api import expect
from world import (
    RUBRIC,
    WORD_LIMIT,
    allocate,
    build_world,
    first_marker,
    mark,
    second_marker_disagrees,
    words,
)

from assessment_app.models import MarkingRole


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def test_the_case_study_is_read_beside_the_response_on_one_page(pages, world):
    """Item 3: no second tab; the case study is on the response page."""
    page = pages.page
    pages.sign_in("sam@example.org", world.password)
    pages.goto(f"/assessments/{world.open_entry_id}/response", "response with the case study")
    expect(page.locator("main")).to_contain_text("SECRET-CASE-STUDY-TEXT")
    expect(page.locator("main a[target=_blank]")).to_have_count(0)
    pages.assert_clean()


def test_over_the_limit_while_typing_shows_the_servers_words_and_aria_invalid(pages, world):
    """Item 4: the live error is text and aria-invalid, in the words the server will use."""
    page = pages.page
    pages.sign_in("sam@example.org", world.password)
    pages.goto(f"/assessments/{world.open_entry_id}/response", "response")
    editor = page.get_by_role("textbox", name="Your response")
    editor.fill(words(WORD_LIMIT + 3))
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).to_contain_text(
        f"Your response has {WORD_LIMIT + 3} words. The limit is")
    expect(page.locator("main")).to_contain_text("Remove 3 words and submit again.")
    pages.check("response, live error")
    editor.fill(words(WORD_LIMIT))
    expect(editor).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).not_to_contain_text("Remove")
    pages.assert_clean()


def test_signing_out_mid_sentence_saves_the_words_and_clears_the_browser_copy(pages, world):
    """Item 5: the last words reach the server before sign-out, and no copy stays behind."""
    page = pages.page
    pages.sign_in("sam@example.org", world.password)
    page.goto(f"/assessments/{world.open_entry_id}/response")
    editor = page.get_by_role("textbox", name="Your response")
    editor.fill("My last sentence before the bell")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    kept = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('npq-response'))")
    assert kept == [], "the browser copy stays on a shared computer"
    pages.sign_in("sam@example.org", world.password)
    page.goto(f"/assessments/{world.open_entry_id}/response")
    expect(editor).to_have_value("My last sentence before the bell")
    pages.assert_clean()


def test_an_admin_who_decides_a_moderation_returns_to_the_marking_page(app, pages, world):
    """Item 6: no dead end on the marker home page after an admin's decision."""
    with app.app_context():
        allocate(world)
        mark(MarkingRole.FIRST, "developing")
        case_id = second_marker_disagrees(world)
    page = pages.page
    pages.sign_in("admin@example.org", world.password)
    pages.goto(f"/admin/windows/{world.closed_window_id}/moderation/{case_id}", "moderation case")
    page.get_by_role("link", name="Decide the moderation").click()
    pages.check("admin decides a moderation")
    for criterion in RUBRIC.criteria:
        page.locator(f"#level-{criterion.id}-secure").check()
        page.locator(f"#comment-{criterion.id}").fill(f"Secure {criterion.title.lower()}.")
    page.get_by_label("Overall feedback").fill("Secure across the rubric.")
    page.get_by_label("Reason for your decision").fill("Secure throughout, on a third reading.")
    page.get_by_role("button", name="Continue").click()
    pages.check("admin checks the moderation")
    page.get_by_role("button", name="Record final mark").click()
    expect(page.get_by_text("Moderation decision recorded")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("You cannot see this page")
    assert f"/admin/windows/{world.closed_window_id}/marking" in page.url
    pages.check("marking overview after the decision")
    pages.assert_clean()


def test_the_response_stays_in_view_beside_each_criterion(app, pages, world):
    """Item 7: marking the last criterion, the script is still on screen beside it."""
    with app.app_context():
        allocate(world)
        email, number = first_marker()
    page = pages.page
    pages.sign_in(email, world.password)
    pages.goto(f"/marking/scripts/{number}", "script to mark")
    last = page.locator("#level-implementation-secure")
    last.scroll_into_view_if_needed()
    response = page.get_by_role("region", name="Response", exact=True)
    expect(last).to_be_in_viewport()
    expect(response).to_be_in_viewport()
    pages.assert_clean()


def test_returning_a_script_without_a_reason_is_an_error_linked_to_the_field(app, pages, world):
    """Item 8: an error summary whose link takes the marker to the reason."""
    with app.app_context():
        allocate(world)
        email, number = first_marker()
    page = pages.page
    pages.sign_in(email, world.password)
    page.goto(f"/marking/scripts/{number}")
    page.get_by_text("I cannot mark this script").click()
    page.get_by_role("button", name="Return the script").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    pages.check("return without a reason")
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Why")).to_be_focused()
    pages.assert_clean()


def test_an_ec_claim_date_error_links_to_the_first_date_input(pages, world):
    """Item 8: the summary's link lands on the day input, not a wrapper."""
    page = pages.page
    pages.sign_in("sam@example.org", world.password)
    pages.goto(f"/assessments/{world.open_entry_id}", "overview")
    page.get_by_role("link", name="Tell us about extenuating circumstances").click()
    pages.check("EC claim")
    page.get_by_role("button", name="File claim").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the first day affected")
    pages.check("EC claim with errors")
    summary.get_by_role("link", name="Enter the first day affected").click()
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.id]")
    assert focused[0] == "INPUT" and focused[1].startswith("affected_from"), focused
    pages.assert_clean()


def test_the_distribution_report_names_criteria_as_the_rubric_does(app, pages, world):
    """Item 8: the rubric's titles, not ids made readable ("Delivering pd")."""
    with app.app_context():
        allocate(world)
        mark(MarkingRole.FIRST, "secure")
    page = pages.page
    pages.sign_in("admin@example.org", world.password)
    pages.goto(f"/admin/windows/{world.closed_window_id}/reports/distribution", "distribution")
    for criterion in RUBRIC.criteria:
        expect(page.locator("main")).to_contain_text(criterion.title)
    pages.assert_clean()
