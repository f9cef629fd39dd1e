"""Pages with wide tables, and an error quoting a long email address, read at 640 and 320 px
without scrolling sideways (WCAG 1.4.10): each wide table scrolls in a box of its own."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from factories import make_entry, make_user
from playwright.sync_api import expect
from world import RESPONSE, RUBRIC, build_world

from assessment_app import clock
from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, Entry, User
from assessment_app.services import similarity, standardisation, submissions
from assessment_app.services.mark_input import MarkInput

AGREED = {c.id: "secure" for c in RUBRIC.criteria}
ONE_OFF = dict(AGREED, **{RUBRIC.criteria[0].id: "developing"})


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def _person(email):
    return db.session.scalars(db.select(User).filter_by(email=email)).one()


def standardised(world) -> int:
    """The closed window's definitive scripts, Martin's qualification set marked (one outside
    tolerance); his user id."""
    window = db.session.get(AssessmentWindow, world.closed_window_id)
    admin, martin = _person("admin@example.org"), _person("marker1@example.org")
    now = clock.now()
    standardisation.save_settings(window, 2, 3, 1, admin)
    for i in range(3):
        standardisation.add_definitive(window, "NPQLTD", MarkInput(levels=AGREED),
                                       f"Rationale {i}: secure on every criterion.", admin, now,
                                       text=f"Example response {i} on teacher development.")
    for seed, levels in zip(standardisation.start_qualification(window, "NPQLTD", martin, now),
                            (AGREED, ONE_OFF, AGREED), strict=True):
        standardisation.save_seed_mark(seed, MarkInput(levels=levels, feedback="f"), now,
                                       submit=True)
    db.session.commit()  # as the request does
    return martin.id


def copied_and_checked(world) -> None:
    """A second script in the closed window, Jo's word for word, and a similarity check run."""
    window = db.session.get(AssessmentWindow, world.closed_window_id)
    written = datetime.combine(clock.to_london(clock.now()).date() - timedelta(days=17), time(15),
                               tzinfo=UTC)
    with time_machine.travel(written, tick=False):
        copier = make_entry(window, make_user(email="alex@example.org", name="Alexandra Copeland"))
        submissions.submit(copier, RESPONSE, declaration=True, client_token="alex-1", at=written)
        db.session.commit()  # as the request does
    run = similarity.request_check(window, _person("admin@example.org"), clock.now())
    assert similarity.run_check(run, clock.now())
    db.session.commit()  # as the scheduler's duty does


def test_the_admins_wide_tables_scroll_in_their_own_box(app, pages, world):
    """Standardisation, one marker's standardisation and similarity (each of which once widened
    the page at 320 px, the marker's at 640 px too) and a long address quoted in an error
    summary read without scrolling sideways; axe finds each scroll box reachable by keyboard."""
    with app.app_context():
        martin = standardised(world)
        copied_and_checked(world)
        open_window = db.session.get(Entry, world.open_entry_id).window_id
    page = pages.page
    window = f"/admin/windows/{world.closed_window_id}"
    pages.sign_in("admin@example.org", world.password)
    pages.goto(f"{window}/standardisation", "standardisation")
    pages.goto(f"{window}/standardisation/markers/{martin}/NPQLTD", "one marker's standardisation")
    expect(page.locator("main")).to_contain_text("Per criterion")
    pages.goto(f"{window}/similarity", "similarity")
    expect(page.locator("main")).to_contain_text("Alexandra Copeland")

    # An address too long for the screen, quoted in the error summary and the field's error.
    pages.goto(f"/admin/windows/{open_window}/entries", "enter participants")
    long_email = "a.very.long.address.of.someone.who.is.not.yet.known@" + "example" * 6 + ".org"
    page.get_by_label("NPQ").select_option("NPQLTD")
    page.get_by_label("Participants' email addresses").fill(long_email)
    page.get_by_role("button", name="Enter participants").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(long_email)
    expect(page.get_by_label("Participants' email addresses")).to_have_value(long_email)
    pages.check("enter participants, an unknown long address")
    pages.assert_clean()


def test_the_markers_qualification_reads_on_a_phone(app, pages, world):
    """The marker's home page and qualification feedback (levels beside the agreed ones) read
    at 320 px without scrolling sideways."""
    with app.app_context():
        standardised(world)
    pages.sign_in("marker1@example.org", world.password)
    pages.check("marker home with standardisation")
    pages.goto(f"/marking/standardisation/{world.closed_window_id}/NPQLTD", "qualification")
    expect(pages.page.locator("main")).to_contain_text("The lead's rationale")
    pages.assert_clean()

