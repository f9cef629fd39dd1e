"""The participant's journey in Chromium: sign in, read the case study, write past the limit and
trim, find the draft after a reload, submit (errors first), get a receipt; upload a .docx."""

import io
import re

import pytest
from playwright.sync_api import expect
from world import WORD_LIMIT, build_world, words


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def test_participant_writes_trims_reloads_and_submits(pages, world):
    page = pages.page
    entry = f"/assessments/{world.open_entry_id}"
    pages.sign_in("sam@example.org", world.password)
    pages.check("your assessments")
    page.get_by_role("link", name="Leading Teacher Development").first.click()
    pages.check("overview")
    pages.goto(f"{entry}/case-study", "case study")
    expect(page.locator("main")).to_contain_text("SECRET-CASE-STUDY-TEXT")

    pages.goto(f"{entry}/response", "response, empty")
    editor = page.get_by_role("textbox", name="Your response")
    count = page.locator("#text-count")
    editor.fill(words(WORD_LIMIT - 2))
    expect(count).to_contain_text(f"Counted: {WORD_LIMIT - 2} words.")
    editor.press_sequentially(" three more words", delay=10)
    expect(count).to_contain_text("You are 1 word over.")
    pages.check("response, over the limit while typing")

    # Submitted over the limit, the server refuses it with an error summary and keeps the text.
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit response").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(f"Your response has {WORD_LIMIT + 1} words.")
    expect(editor).to_have_value(words(WORD_LIMIT - 2) + " three more words")
    pages.check("response, refused over the limit")
    summary.get_by_role("link").click()
    expect(editor).to_be_focused()

    # Trimmed, the editor saves a draft (the status says saved only once the server has it);
    # opening the editor again finds it. (A reload here would post the refused form again.)
    trimmed = words(WORD_LIMIT - 2) + " three words"
    editor.fill(trimmed)
    expect(count).not_to_contain_text("over")
    status = page.locator("[data-autosave-status]")
    expect(status).to_contain_text("Your latest changes are not saved yet.")
    expect(status).to_have_text(re.compile(r"^Draft saved at \d+:\d\d[ap]m\.$"), timeout=20_000)
    page.goto(f"{entry}/response")
    expect(editor).to_have_value(trimmed)
    pages.check("response, draft restored after reload")

    # Without the declaration: an error summary linked to the checkbox.
    page.get_by_role("checkbox").uncheck()
    page.get_by_role("button", name="Submit response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("own work")
    pages.check("response, declaration missing")
    page.locator(".govuk-error-summary").get_by_role("link").click()
    expect(page.get_by_role("checkbox")).to_be_focused()

    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit response").click()
    expect(page.get_by_role("heading", name="Response submitted")).to_be_visible()
    expect(page.locator(".govuk-summary-list")).to_contain_text(f"{WORD_LIMIT} (limit")
    pages.check("receipt")
    page.get_by_role("link", name="Your submission history").click()
    pages.check("submission history")
    pages.assert_clean()


def test_participant_uploads_a_word_document(pages, world):
    from docx import Document

    page = pages.page
    entry = f"/assessments/{world.open_entry_id}"
    pages.sign_in("sam@example.org", world.password)
    pages.goto(f"{entry}/upload", "upload")
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    pages.check("upload, no file chosen")

    document = Document()
    document.add_heading("My response", level=1)
    document.add_paragraph("Diagnose first, then plan coaching around one agreed priority.")
    buffer = io.BytesIO()
    document.save(buffer)
    page.set_input_files("input[type=file]", files=[{
        "name": "response.docx", "buffer": buffer.getvalue(),
        "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}])
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="Check your uploaded response")).to_be_visible()
    expect(page.get_by_role("region", name="Text read from your document")).to_contain_text(
        "one agreed priority")
    pages.check("upload, check the text")
    page.get_by_role("button", name="Submit this response").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("own work")
    pages.check("upload, declaration missing")
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Submit this response").click()
    expect(page.get_by_role("heading", name="Response submitted")).to_be_visible()
    pages.check("upload, receipt")
    pages.assert_clean()
