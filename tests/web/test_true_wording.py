"""Small words that must be true: what is in progress after a failed attempt, what the deferral
page offers without an engagement deadline, counts without "(s)", and where you are in the menu."""

from datetime import UTC, date, datetime
from io import BytesIO

from factories import PASSWORD, login, make_entry, make_user, make_window
from moments import CLOSED, DURING
from page_html import by_id, classed, one, parse, text_of

from assessment_app.attempts import AttemptOutcome
from assessment_app.extensions import db
from assessment_app.models import Entry, Role


def _fail(app, entry_id):
    with app.app_context():
        entry = db.session.get(Entry, entry_id)
        entry.outcome, entry.completed_at = AttemptOutcome.FAILED, CLOSED
        db.session.commit()
        return entry.participant


def test_a_failed_attempt_with_a_resit_entered_says_the_resit_is_under_way(app, journey, clock):
    """The ledger on the failed attempt's page speaks of the new entry, not of this attempt."""
    participant = _fail(app, journey.entry_id)
    with app.app_context():
        later = make_window(name="Spring 2027", first_day=date(2027, 3, 1))
        make_entry(later, db.session.merge(participant), at=CLOSED)
    journey.at(datetime(2027, 1, 10, tzinfo=UTC))
    text = journey.client.get(journey.url()).text
    assert "This attempt is in progress." not in text
    assert ("This attempt has ended, and your next attempt at this NPQ is under way: see it in "
            "your assessments.") in text


def test_attempts_left_are_counted_in_words(app, journey, clock):
    _fail(app, journey.entry_id)
    journey.at(datetime(2027, 1, 10, tzinfo=UTC))
    text = journey.client.get(journey.url()).text
    assert "You have 1 attempt left: your provider will enter you" in text
    assert "(s)" not in text


def test_the_deferral_page_without_an_engagement_deadline_says_what_to_do(journey, clock):
    journey.at(DURING)
    page = parse(journey.client.get(journey.url("/deferral")))
    said = text_of(one(page, "//*[@data-no-deferral]"))
    assert said == ("This window has no engagement deadline, so there is no deferral to ask for "
                    "before it.")
    assert page.xpath(f'//main//a[@href="{journey.url("/circumstances")}"]')
    assert not page.xpath("//main//form")


def test_a_refused_people_file_counts_its_problems_in_words(app, client):
    with app.app_context():
        make_user(Role.ADMIN, email="ada@example.org")
    login(client, "ada@example.org", PASSWORD)
    csv = (b"role,name,email,programme,cohort,delivery_partner,school\n"
           b"participant,A,not-an-email,NPQLTD,c,d,s\n")
    page = client.post("/admin/people/import", data={"document": (BytesIO(csv), "people.csv")},
                       content_type="multipart/form-data").text
    assert "Fix the 1 problem listed and upload it again." in page
    assert "(s)" not in page


def _current(page):
    return [(text_of(a), a.get("aria-current")) for a in page.xpath(
        f"//nav//li[{classed('govuk-service-navigation__item--active')}]/a")]


def test_the_menu_marks_the_current_section_for_every_role(app, journey, clock):
    """aria-current="page" on the link to the page itself, "true" on its section's link,
    with GOV.UK's active class and bold fallback; one item at most."""
    journey.at(DURING)
    assert _current(parse(journey.client.get("/assessments/"))) == [("Your assessments", "page")]
    assert _current(parse(journey.client.get(journey.url("/response")))) == [
        ("Your assessments", "true")]
    with app.app_context():
        make_user(Role.ADMIN, email="ada@example.org")
        make_user(Role.MARKER, email="mo@example.org")
    admin, marker = app.test_client(), app.test_client()
    login(admin, "ada@example.org", PASSWORD)
    login(marker, "mo@example.org", PASSWORD)
    assert _current(parse(admin.get("/admin/"))) == [("Windows", "page")]
    assert _current(parse(admin.get(f"/admin/windows/{journey.window_id}"))) == [("Windows", "true")]
    assert _current(parse(admin.get("/admin/people/new"))) == [("People", "true")]
    assert _current(parse(admin.get("/admin/audit"))) == [("Audit log", "page")]
    assert _current(parse(marker.get("/marking/"))) == [("Marking", "page")]
    page = parse(admin.get("/admin/people"))
    assert one(page, '//nav//a[@aria-current]/strong').text == "People"
    assert by_id(page, "navigation").xpath("count(.//a[@aria-current])") == 1
