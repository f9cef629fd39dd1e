"""The editor tells the truth in Chromium: a hung server is "not saved" until it answers, the
count and status stay in view while typing, a screen reader hears only changes of state,
Save draft works without JavaScript, and a response sent after signing out elsewhere is not
lost."""

import re

import pytest
from playwright.sync_api import expect
from world import WORD_LIMIT, build_world, words

SAVED = re.compile(r"^Draft saved at \d+:\d\d[ap]m\.$")


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def _editor(pages, world):
    pages.sign_in("sam@example.org", world.password)
    pages.goto(f"/assessments/{world.open_entry_id}/response", "response")
    return pages.page.get_by_role("textbox", name="Your response")


def test_a_hung_server_is_not_saved_until_it_answers(pages, world, draft_gate):
    """With the autosave unanswered, the status says not saved (never "saved") within a few
    seconds, aloud once, and the Save draft button comes back; released, it saves and says so."""
    page = pages.page
    editor = _editor(pages, world)
    status = page.locator("[data-autosave-status]")
    announcer = page.locator("[data-editor-announcer]")
    expect(page.get_by_role("button", name="Save draft")).to_be_hidden()
    expect(page.locator("#text-hint")).to_contain_text("Your text is saved as you type")

    draft_gate.hang()
    editor.fill(words(12))
    expect(status).to_have_text("Your changes are not saved yet.")
    expect(status).to_contain_text("Not saved to the server", timeout=12_000)
    expect(status).to_contain_text("The server did not answer.")
    expect(announcer).to_contain_text("Not saved to the server")
    expect(page.get_by_role("button", name="Save draft")).to_be_visible()
    expect(page.locator("#text-hint")).to_contain_text("Your text is not saved as you type")
    pages.check("response, server not answering")
    assert not SAVED.match(status.text_content())

    draft_gate.release()
    expect(status).to_have_text(SAVED, timeout=40_000)
    expect(announcer).to_have_text(SAVED)
    expect(page.get_by_role("button", name="Save draft")).to_be_hidden()
    pages.assert_clean()


@pytest.mark.parametrize("width,height", [(1366, 768), (1280, 900), (1920, 1080)])
def test_the_count_and_status_stay_in_view_while_typing(pages, world, width, height):
    """Typing at the end of a long response: the count and save status are on screen, below
    the text box, covering none of it."""
    page = pages.page
    editor = _editor(pages, world)
    page.set_viewport_size({"width": width, "height": height})
    editor.fill("\n\n".join(words(30).split()))  # a long text: the box scrolls
    editor.press("Control+End")
    editor.press_sequentially(" more", delay=20)
    box = page.evaluate("""() => {
        const rect = (s) => document.querySelector(s).getBoundingClientRect();
        const bar = rect("[data-editor-status]"), text = rect("#text");
        return {bar: [bar.top, bar.bottom], text: [text.top, text.bottom],
                count: [rect("#text-count").top, rect("#text-count").bottom],
                view: window.innerHeight};
    }""")
    assert 0 <= box["bar"][0] and box["bar"][1] <= box["view"], box
    assert 0 <= box["count"][0] and box["count"][1] <= box["view"], box
    assert box["text"][1] <= box["bar"][0] + 1, box  # the bar covers none of the box
    expect(page.locator("#text-count")).to_contain_text("Counted: 31 words.")


def test_a_screen_reader_hears_only_changes_of_state(pages, world):
    """Typing in bursts with pauses, over the limit and back: the live region changes twice
    (over, then within again), never at a pause; the visible count follows every burst and
    is no live region."""
    page = pages.page
    editor = _editor(pages, world)
    page.evaluate("""() => {
        window.heard = [];
        const region = document.querySelector("[data-editor-announcer]");
        new MutationObserver(() => window.heard.push(region.textContent))
            .observe(region, {childList: true, characterData: true, subtree: true});
    }""")
    live = page.evaluate("""() => [...document.querySelectorAll(
        "form [aria-live], form [role=status], form [role=alert]")].map(e => e.outerHTML)""")
    assert len(live) == 1 and "data-editor-announcer" in live[0]
    editor.press_sequentially(words(WORD_LIMIT - 5), delay=2)
    page.wait_for_timeout(1_700)
    editor.press_sequentially(" one two", delay=20)
    page.wait_for_timeout(1_700)
    editor.press_sequentially(" three four five six", delay=20)  # 41: over
    page.wait_for_timeout(1_700)
    expect(page.locator("#text-count")).to_contain_text("You are 1 word over.")
    pages.check("response, over the limit")
    editor.press("Backspace")
    editor.press("Backspace")
    editor.press("Backspace")
    editor.press("Backspace")  # 40: within
    page.wait_for_timeout(2_500)  # a pause, and a save
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=20_000)
    heard = page.evaluate("() => window.heard")
    assert len(heard) == 2, heard
    assert heard[0].startswith("Error: Your response has 41 words.")
    assert heard[1].startswith("Within the word limit again.")


def test_without_javascript_save_draft_saves_and_comes_back(pages, world):
    page = pages.page
    context = pages.browser.new_context(base_url=pages.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Email address").fill("sam@example.org")
        page.get_by_label("Password", exact=True).fill(world.password)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/assessments/{world.open_entry_id}/response")
        expect(page.locator("#text-hint")).to_contain_text(
            "Your text is not saved as you type: select “Save draft”")
        text = words(20)
        page.get_by_role("textbox", name="Your response").fill(text)
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "Draft saved at")
        expect(page.get_by_role("textbox", name="Your response")).to_have_value(text)
        expect(page.locator("[data-autosave-status]")).to_contain_text("Draft saved at")
    finally:
        context.close()


def test_submitting_after_signing_out_in_another_tab_keeps_the_text(pages, world):
    """Signed out in a second tab, the first tab's submit is refused: the page says it was not
    submitted and shows the text; signed in again, the editor puts the text back and says so."""
    page = pages.page
    editor = _editor(pages, world)
    editor.fill(words(10))
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=20_000)
    other = pages.context.new_page()
    other.goto("/assessments/")
    other.get_by_role("button", name="Sign out").click()
    expect(other.get_by_role("button", name="Sign in")).to_be_visible()
    other.close()

    typed = words(10) + " and the last paragraph"
    editor.fill(typed)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your response has not been submitted")
    expect(page.get_by_role("region", name="The text you sent")).to_have_text(typed)
    pages.check("not submitted after signing out")

    pages.sign_in("sam@example.org", world.password)
    pages.goto(f"/assessments/{world.open_entry_id}/response", "response, text put back")
    expect(editor).to_have_value(typed)
    status = page.locator("[data-autosave-status]")
    expect(status).to_contain_text("We put back text you typed in this browser")
    expect(status).to_contain_text("Draft saved at", timeout=20_000)
    pages.assert_clean()


def test_edits_after_submitting_are_flagged_on_every_page(pages, world):
    """Submitted, then changed: the editor's status says the saved draft is not submitted, and
    home, overview, history and receipt each say so with its count and a link to submit it."""
    page = pages.page
    editor = _editor(pages, world)
    editor.fill(words(10))
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit response").click()
    expect(page.get_by_role("heading", name="Response submitted")).to_be_visible()
    pages.goto(f"/assessments/{world.open_entry_id}/response", "response, after submitting")
    editor.press("Control+End")
    editor.press_sequentially(" and one more", delay=20)
    status = page.locator("[data-autosave-status]")
    expect(status).to_have_text(re.compile(
        r"^Draft saved at \d+:\d\d[ap]m\. Not submitted: version 1 is still your submission\.$"),
        timeout=20_000)
    for path, label in (("/assessments/", "home, newer draft"),
                        (f"/assessments/{world.open_entry_id}", "overview, newer draft"),
                        (f"/assessments/{world.open_entry_id}/submissions", "history, newer draft"),
                        (f"/assessments/{world.open_entry_id}/submissions/1", "receipt, newer draft")):
        pages.goto(path, label)
        warning = page.locator("[data-newer-draft]")
        expect(warning).to_contain_text("(13 words) is not submitted")
        expect(warning.get_by_role("link", name="check and submit your draft")).to_be_visible()
    pages.assert_clean()


def test_reloading_after_a_refusal_keeps_the_text_typed_since(pages, world):
    """Refused over the limit, the participant types on and autosave keeps it; reloading the
    editor (a GET: the refusal redirected to it) finds the newer text, not the refused one."""
    page = pages.page
    editor = _editor(pages, world)
    refused = words(WORD_LIMIT + 5)
    editor.fill(refused)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit response").click()
    expect(page).to_have_title(re.compile(r"^Error: Your response"))
    expect(editor).to_have_value(refused)
    pages.check("response refused over the limit")
    editor.press("Control+End")
    editor.press_sequentially(" and one more", delay=20)
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=20_000)
    page.reload()
    assert pages.documents[-1].request.method == "GET"
    expect(editor).to_have_value(refused + " and one more")

    # Each autosave brings the form up to date (init.js), so words typed after it and
    # submitted at once are this form's own: refused over the limit, and kept.
    page.get_by_role("checkbox").check()
    editor.press("Control+End")
    editor.press_sequentially(" and two", delay=20)
    expect(page.locator("[data-autosave-status]")).to_have_text(SAVED, timeout=20_000)
    editor.press_sequentially(" more", delay=20)
    page.get_by_role("button", name="Submit response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"Your response has {WORD_LIMIT + 11} words.")
    expect(editor).to_have_value(refused + " and one more and two more")
    pages.assert_clean()
