"""The participant's journey in Chromium: sign in, read, write past the limit, trim, submit,
find the draft after a reload, upload a Word document."""

import pytest
from world import WORD_LIMIT, build_world


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def words(n, word="word"):
    return " ".join(f"{word}{i}" for i in range(n))


def test_participant_writes_submits_and_finds_the_draft(pages, world):
    page = pages.page
    pages.sign_in("sam@example.org", world.password)
    pages.check("assessments")
    pages.goto(f"/assessments/{world.open_entry_id}", "overview")
    pages.assert_clean()
