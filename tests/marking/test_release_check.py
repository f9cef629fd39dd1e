"""Releasing results goes through a check: the release form keeps what was typed and follows the
GOV.UK error pattern; the check page says what the release does to how many people and what
still looks wrong; only its button releases, and only while the facts are those it showed."""

import re
from datetime import UTC, datetime, timedelta

from factories import make_entry, make_user, sql_sent
from marking.conftest import AFTER_CLOSE
from marking.test_checking_gates import FAILING, client_for, first_marked, mark, window_of
from moments import DURING
from page_html import by_id, classed, confirmed_post, error_links, one, parse
from returns.conftest import add_ec_claim
from werkzeug.datastructures import MultiDict

from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    CheckTrigger,
    Entry,
    MisconductCase,
    OutboxMessage,
    SimilarityPair,
    SimilarityRun,
    SubmissionVersion,
)
from assessment_app.services import allocations, release_check, submissions


def url(closed):
    return f"/admin/windows/{closed.window_id}/results"


def released(app, closed) -> bool:
    with app.app_context():
        window = db.session.get(AssessmentWindow, closed.window_id)
        return window.results_release_at is not None or any(
            e.outcome for e in Entry.query.filter_by(window_id=window.id))


def facts(page) -> dict[str, str]:
    rows = page.xpath(f"//*[{classed('govuk-summary-list__row')}]")
    return {one(r, "./dt").text_content().strip(): one(r, "./dd").text_content().strip()
            for r in rows}


def warnings(page) -> list[str]:
    return [" ".join(w.text_content().split()).removeprefix("Warning")
            for w in page.xpath(f"//*[{classed('govuk-warning-text__text')}]")]


# The form: errors keep what was typed ------------------------------------------------------


def test_a_date_that_does_not_exist_comes_back_with_what_was_typed_and_the_error_pattern(
        app, closed, clock):
    """31 November: the page answers 400 with "Error:" in its title, a summary linking to the
    day input, the message on the field, "On a date" still chosen and the three parts as typed;
    nothing is released."""
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    response = admin.post(url(closed), data=MultiDict(
        [("when", "later"), ("date", "31"), ("date", "11"), ("date", "2026"), ("time", "10:30")]))
    assert response.status_code == 400
    page = parse(response)
    assert one(page, "//title").text.startswith("Error: ")
    assert error_links(page) == ["#date-day"]
    assert "Release date must be a real date" in by_id(page, "date-error").text_content()
    assert by_id(page, "when-2").get("checked") is not None  # "On a date"
    assert by_id(page, "when").get("checked") is None
    assert [by_id(page, f"date-{part}").get("value") for part in ("day", "month", "year")] == \
        ["31", "11", "2026"]
    assert by_id(page, "time").get("value") == "10:30"
    assert not released(app, closed)


def test_a_release_on_a_date_needs_a_date_in_the_future(app, closed, clock):
    """No date, and a date already past, are each refused on the date field."""
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    blank = admin.post(url(closed), data={"when": "later", "time": "09:00"})
    assert blank.status_code == 400 and "Enter the date to release results" in blank.text
    past = admin.post(url(closed), data=MultiDict(
        [("when", "later"), ("date", "1"), ("date", "12"), ("date", "2026"), ("time", "09:00")]))
    assert past.status_code == 400
    assert "The release date and time must be in the future" in past.text
    assert not released(app, closed)


def test_now_ignores_whatever_is_in_the_date_fields(app, closed, clock):
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    response = admin.post(url(closed), data=MultiDict(
        [("when", "now"), ("date", "31"), ("date", "11"), ("date", "x"), ("time", "25:00")]))
    assert response.status_code == 200 and "Check before you release results" in response.text


# The check page ----------------------------------------------------------------------------


def test_the_check_says_what_happens_to_how_many_and_nothing_changes_before_confirming(
        app, closed, clock):
    """Two strong scripts and one fail (second-marked, agreeing): three results, two passes and
    one fail, three emails, now. Neither the check nor a GET releases anything."""
    jo = closed.entry_ids[1]
    first_marked(app, closed, fail=(jo,))
    with app.app_context():
        allocations.allocate_window(window_of(closed), AFTER_CLOSE)
        db.session.commit()
    admin = client_for(app, clock, "boss@example.org")
    admin.post(url(closed), data={"when": "now"})  # draws the sample: Jo's fail
    with app.app_context():
        mark(jo, role=allocations.MarkingRole.SECOND, **FAILING)
        db.session.commit()
    response = admin.post(url(closed), data={"when": "now"})
    page = parse(response)
    assert one(page, "//h1").text == "Check before you release results"
    shown = facts(page)
    assert shown["Participants who get a result"] == "3"
    assert (shown["Passed"], shown["Failed"]) == ("2", "1")
    assert shown["Emails"] == "3 participants emailed that their result is ready, now"
    assert shown["When"] == "Now, when you confirm"
    assert one(page, "//main//button").text_content().strip() == "Confirm and release results"
    assert one(page, f"//form//a[{classed('govuk-link')}]").get("href") == \
        f"/admin/windows/{closed.window_id}/marking"
    assert admin.get(url(closed)).status_code == 405
    assert not released(app, closed)
    with app.app_context():
        assert OutboxMessage.query.filter_by(kind="results_released").count() == 0


def test_confirming_releases_and_emails(app, closed, clock):
    """Confirmed a few minutes after the check was shown: the same facts, so it releases."""
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    check = parse(admin.post(url(closed), data={"when": "now"}))
    fingerprint = one(check, "//input[@name='check']").get("value")
    clock.at(AFTER_CLOSE + timedelta(minutes=7))
    response = admin.post(url(closed), data={"when": "now", "check": fingerprint},
                          follow_redirects=True)
    assert "Results released." in response.text
    with app.app_context():
        assert {e.outcome for e in Entry.query} == {"passed"}
        assert OutboxMessage.query.filter_by(kind="results_released").count() == 3


def test_a_release_on_a_date_is_checked_then_scheduled(app, closed, clock):
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    data = MultiDict([("when", "later"), ("date", "8"), ("date", "1"), ("date", "2027"),
                      ("time", "09:30")])
    page = parse(admin.post(url(closed), data=data))
    assert facts(page)["When"] == "9:30am on Friday 8 January 2027"
    assert "at the release time" in facts(page)["Emails"]
    response = confirmed_post(admin, url(closed), data)
    assert "Results will be released at 9:30am on Friday 8 January 2027." in response.text
    with app.app_context():
        assert window_of(closed).results_release_at == datetime(2027, 1, 8, 9, 30, tzinfo=UTC)
        assert {e.outcome for e in Entry.query} == {None}


def test_unfinished_checking_blocks_the_release_and_the_page_has_no_button(app, closed, clock):
    sam, _, alex = closed.entry_ids
    numbers = first_marked(app, closed, unmarked=(sam, alex))
    admin = client_for(app, clock, "boss@example.org")
    page = parse(admin.post(url(closed), data={"when": "now"}))
    assert one(page, "//h2[starts-with(., 'You cannot')]").text == \
        "You cannot release results yet"
    assert "Still to do: 2 scripts waiting for first marking." in page.text_content()
    assert f"{numbers[sam]} (first marking: Nina Patel)" in page.text_content()
    assert not page.xpath("//button[starts-with(normalize-space(), 'Confirm')]")
    # Posting a fingerprint anyway releases nothing.
    forged = admin.post(url(closed), data={"when": "now", "check": "0" * 16})
    assert forged.status_code == 200 and not released(app, closed)


def similarity_run(closed, pairs):
    """A finished check of the window with (script entry, other entry or None, overlap) pairs;
    None is the case study."""
    window = window_of(closed)
    run = SimilarityRun(window_id=window.id, trigger=CheckTrigger.ADMIN, requested_at=DURING,
                        finished_at=AFTER_CLOSE, threshold_percent=25)
    db.session.add(run)
    db.session.flush()
    version = {v.entry_id: v.id for v in SubmissionVersion.query}
    for mine, theirs, percent in pairs:
        db.session.add(SimilarityPair(
            run_id=run.id, version_id=version[mine],
            other_version_id=version[theirs] if theirs else None,
            paper_id=None if theirs else window.papers[0].paper_id,
            shared_shingles=40, overlap_percent=percent))
    db.session.commit()


def test_the_warnings_list_what_still_looks_wrong_with_their_counts(app, closed, clock):
    """Three pairs over the threshold: one between Sam and Jo, on whose script a case is open
    (looked at), two with nobody's case (up to 100%); the open case is undecided; two EC claims
    wait for a decision."""
    sam, jo, alex = closed.entry_ids
    first_marked(app, closed)
    with app.app_context():
        similarity_run(closed, [(sam, jo, 90.0), (alex, None, 100.0), (alex, sam, 40.0)])
        db.session.add(MisconductCase(entry_id=jo, opened_by=closed.admin_id,
                                      opened_at=AFTER_CLOSE, opening_reason="Copying."))
        for entry_id in (sam, alex):
            add_ec_claim(db.session.get(Entry, entry_id), "Illness.", "note.pdf")
    admin = client_for(app, clock, "boss@example.org")
    page = parse(admin.post(url(closed), data={"when": "now"}))
    shown = warnings(page)
    assert shown[:3] == [
        ("2 pairs of scripts at or above the 25% similarity threshold (up to 100%) have no "
         "misconduct case: their participants get their marked result. Look at the pairs"),
        ("1 misconduct case is not decided: its participant gets the marked result, and a "
         "finding of misconduct later becomes an amendment (emailed, and shown in the DfE "
         "return). See the cases"),
        ("2 extenuating circumstances claims are not decided: a claim decided later as a void "
         "or a deferral changes a released result by an amendment. Decide the claims")]
    assert shown[3] == "This cannot be undone."
    assert page.xpath("//a[.='Look at the pairs']/@href") == \
        [f"/admin/windows/{closed.window_id}/similarity"]


def test_no_similarity_check_is_a_warning(app, closed, clock):
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    page = parse(admin.post(url(closed), data={"when": "now"}))
    assert warnings(page)[0].startswith("No similarity check has finished for this window")


def test_a_confirmation_of_facts_that_have_changed_releases_nothing(app, closed, clock):
    """The check is shown; an EC claim is filed before the button is pressed: nothing is
    released, and the page says something changed and shows the new warning."""
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    check = parse(admin.post(url(closed), data={"when": "now"}))
    fingerprint = one(check, "//input[@name='check']").get("value")
    with app.app_context():
        add_ec_claim(db.session.get(Entry, closed.entry_ids[0]), "Illness.", "note.pdf")
    again = admin.post(url(closed), data={"when": "now", "check": fingerprint})
    assert again.status_code == 200 and "Something changed after you checked" in again.text
    assert "1 extenuating circumstances claim is not decided" in again.text
    assert not released(app, closed)
    assert "Results released." in confirmed_post(admin, url(closed), {"when": "now"}).text


def test_the_confirm_button_needs_its_csrf_token(app, closed, clock):
    first_marked(app, closed)
    admin = client_for(app, clock, "boss@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    marking = admin.get(f"/admin/windows/{closed.window_id}/marking").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', marking).group(1)
    check = parse(admin.post(url(closed), data={"when": "now", "csrf_token": token}))
    fingerprint = one(check, "//input[@name='check']").get("value")
    refused = admin.post(url(closed), data={"when": "now", "check": fingerprint})
    assert refused.status_code == 400 and not released(app, closed)


def test_the_check_takes_the_same_statements_however_many_scripts(app, closed, clock):
    first_marked(app, closed)

    def statements():
        with app.app_context():
            window = window_of(closed)
            return len(sql_sent(app, lambda: release_check.gather(
                window, AFTER_CLOSE, db.session.get(Entry, closed.entry_ids[0]).participant))[1])

    three = statements()
    with app.app_context():
        window = window_of(closed)
        clock.at(DURING)
        more = [make_entry(window, make_user(email=f"more{i}@example.org")) for i in range(3)]
        for i, entry in enumerate(more):
            submissions.submit(entry, f"Another response {i}.", declaration=True,
                               client_token=f"more{i}", at=DURING)
        db.session.commit()
        clock.at(AFTER_CLOSE)
        allocations.allocate_window(window, AFTER_CLOSE)
        for entry in more:
            mark(entry.id)
        db.session.commit()
    assert statements() == three
