"""Before release no participant reaches the case study by any route; after it, every entered one does."""

import pytest
from moments import BEFORE_RELEASE, CLOSED, RELEASED

CASE_STUDY_ROUTES = ["/case-study", "/case-study/handouts/1", "/response", "/upload"]


@pytest.mark.parametrize("path", CASE_STUDY_ROUTES)
def test_unreleased_case_study_is_404_on_every_route(journey, clock, path):
    """One second before 00:01 on day 1, the case study, its handout and the pages that show it are 404."""
    journey.at(BEFORE_RELEASE)
    response = journey.client.get(journey.url(path))
    assert response.status_code == 404
    assert b"SECRET-CASE-STUDY-TEXT" not in response.data


def test_unreleased_case_study_is_not_in_the_overview(journey, clock):
    """The overview says when it will be released and shows none of its text."""
    journey.at(BEFORE_RELEASE)
    response = journey.client.get(journey.url())
    assert response.status_code == 200
    assert b"SECRET-CASE-STUDY-TEXT" not in response.data
    assert "12:01am on Tuesday 24 November 2026" in response.text


def test_autosave_before_release_is_refused(journey, clock):
    journey.at(BEFORE_RELEASE)
    assert journey.client.post(journey.url("/draft"), data={"text": "x"}).status_code == 404


def test_case_study_readable_from_the_release_minute(journey, clock):
    """At 00:01:00 on day 1 the text is on the page and the handout downloads, with no job having run."""
    journey.at(RELEASED)
    page = journey.client.get(journey.url("/case-study"))
    assert page.status_code == 200
    assert b"SECRET-CASE-STUDY-TEXT NPQLTD" in page.data
    handout = journey.client.get(journey.url("/case-study/handouts/1"))
    assert handout.status_code == 200
    assert handout.data == b"PK-handout-bytes"
    assert "attachment" in handout.headers["Content-Disposition"]


def test_case_study_stays_readable_after_the_deadline(journey, clock):
    journey.at(CLOSED)
    assert journey.client.get(journey.url("/case-study")).status_code == 200


def test_case_study_pages_are_never_cached(journey, clock):
    """No browser or proxy keeps a copy that could outlive the rules."""
    journey.at(RELEASED)
    assert journey.client.get(journey.url("/case-study")).headers["Cache-Control"] == "no-store"
