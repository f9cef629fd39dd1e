"""Nobody is given a paper they have already read: entry, attaching a paper, and the deferral path
(EC "defer" and deferral requests) offer and accept only windows not yet released, serving the
NPQ, whose paper the participant has not read. Read = the paper of an earlier entry of theirs
whose window was released while they were entered; the same text under another title counts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import login, make_entry, make_paper, make_user, make_window
from moments import BEFORE_RELEASE, CLOSED, DURING, RELEASED

from assessment_app.attempts import AttemptOutcome
from assessment_app.extensions import db
from assessment_app.models import AssessmentWindow, EcClaim, Entry, Role
from assessment_app.services import eligibility, papers, windows
from assessment_app.services.eligibility import ClaimInput, EligibilityError
from assessment_app.services.windows import WindowError

SPRING_RELEASE = datetime(2027, 3, 9, 0, 1, tzinfo=UTC)  # 00:01 GMT on day 1
MARCH = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def sat(ctx, clock):
    """Sam sat the autumn window's NPQLTD paper and failed; spring and summer windows follow,
    spring with no NPQLTD paper attached yet."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    admin = make_user(Role.ADMIN, email="admin@example.org")
    autumn = make_window(name="Autumn 2026", admin=admin)
    spring = make_window(name="Spring 2027", first_day=date(2027, 3, 9), admin=admin,
                         case_study=False)
    summer = make_window(name="Summer 2027", first_day=date(2027, 6, 8), admin=admin)
    sam = make_user(email="sam@example.org", name="Sam Taylor")
    entry = make_entry(autumn, sam)
    clock.at(MARCH)
    entry.outcome, entry.completed_at = AttemptOutcome.FAILED, MARCH
    db.session.commit()
    return {"admin": admin, "autumn": autumn, "spring": spring, "summer": summer, "sam": sam,
            "entry": entry}


def same_text_as(window: AssessmentWindow):
    """The window's paper uploaded again under another title: a different file, the same text."""
    original = window.paper_for("NPQLTD").case_paper
    copy = make_paper(name="re-upload")
    copy.title, copy.markdown, copy.text_sha256 = "New title", original.markdown, original.text_sha256
    db.session.commit()
    return copy


def test_a_paper_counts_as_read_only_once_released_while_entered(ctx, clock):
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    window = make_window()
    sam, jo, kim = make_user(), make_user(), make_user()
    read_id = window.paper_for("NPQLTD").paper_id
    make_entry(window, sam)
    deferred = make_entry(window, jo)
    deferred.outcome, deferred.completed_at = AttemptOutcome.DEFERRED, BEFORE_RELEASE
    gated = make_entry(window, kim)
    gated.entered, gated.outcome = False, AttemptOutcome.LOST_ENGAGEMENT
    db.session.commit()
    assert papers.papers_read_by(sam.id, "NPQLTD", BEFORE_RELEASE) == []
    assert [p.id for p in papers.papers_read_by(sam.id, "NPQLTD", RELEASED)] == [read_id]
    assert papers.papers_read_by(jo.id, "NPQLTD", CLOSED) == []
    assert papers.papers_read_by(kim.id, "NPQLTD", CLOSED) == []


def test_entry_is_refused_for_a_window_whose_paper_has_the_text_already_read(sat):
    windows.attach_case_study(sat["spring"].paper_for("NPQLTD"), same_text_as(sat["autumn"]),
                              sat["admin"], MARCH)
    with pytest.raises(WindowError, match="sam@example.org: has already read this window's case study"):
        windows.enter_participants(sat["spring"], "NPQLTD", ["sam@example.org"], sat["admin"])
    assert Entry.query.filter_by(window_id=sat["spring"].id).count() == 0


def test_attaching_a_paper_an_entered_participant_has_read_is_refused_naming_them(sat):
    windows.enter_participants(sat["spring"], "NPQLTD", ["sam@example.org"], sat["admin"])
    with pytest.raises(WindowError) as refused:
        windows.attach_case_study(sat["spring"].paper_for("NPQLTD"), same_text_as(sat["autumn"]),
                                  sat["admin"], MARCH)
    assert "already been read by people entered for NPQLTD in this window: Sam Taylor (sam@example.org)" in str(refused.value)
    db.session.rollback()
    assert sat["spring"].paper_for("NPQLTD").paper_id is None
    windows.attach_case_study(sat["spring"].paper_for("NPQLTD"), make_paper(name="fresh"),
                              sat["admin"], MARCH)
    assert sat["spring"].paper_for("NPQLTD").case_paper.title == "Test case study for NPQLTD"


def test_the_attach_page_names_who_has_read_the_paper(app, sat, client):
    windows.enter_participants(sat["spring"], "NPQLTD", ["sam@example.org"], sat["admin"])
    copy_id, spring_id = same_text_as(sat["autumn"]).id, sat["spring"].id
    login(client, "admin@example.org")
    page = client.post(f"/admin/windows/{spring_id}/papers/NPQLTD", data={"paper_id": copy_id})
    assert "govuk-error-summary" in page.text and "Sam Taylor (sam@example.org)" in page.text


def test_deferral_offers_only_windows_not_yet_released_at_the_exact_minute(sat, clock):
    """Before the fix, later windows already open were offered (and accepted)."""
    windows.attach_case_study(sat["spring"].paper_for("NPQLTD"), make_paper(name="spring"),
                              sat["admin"], MARCH)
    entry = sat["entry"]
    at = SPRING_RELEASE - timedelta(seconds=1)
    assert [w.name for w in eligibility.later_windows(entry, at)] == ["Spring 2027", "Summer 2027"]
    assert [w.name for w in eligibility.later_windows(entry, SPRING_RELEASE)] == ["Summer 2027"]
    clock.at(SPRING_RELEASE)
    with pytest.raises(EligibilityError, match="Spring 2027 has already been released"):
        eligibility.move_to_window(entry, sat["spring"], SPRING_RELEASE, sat["admin"], entered=True)


def test_deferral_skips_a_window_whose_paper_was_already_read(sat):
    windows.attach_case_study(sat["spring"].paper_for("NPQLTD"), same_text_as(sat["autumn"]),
                              sat["admin"], MARCH)
    assert [w.name for w in eligibility.later_windows(sat["entry"], MARCH)] == ["Summer 2027"]
    with pytest.raises(EligibilityError, match="has already read the NPQLTD case study of Spring 2027"):
        eligibility.move_to_window(sat["entry"], sat["spring"], MARCH, sat["admin"], entered=True)


def test_deferral_skips_windows_not_serving_the_npq_or_earlier(sat):
    other = make_window(name="Spring NPQH", first_day=date(2027, 3, 16), npqs=("NPQH",),
                        admin=sat["admin"])
    assert other not in eligibility.later_windows(sat["entry"], MARCH)
    problem = eligibility.move_problem(sat["entry"], other, MARCH)
    assert problem == "Spring NPQH does not assess NPQLTD. Choose a window that does."
    assert "not later than" in eligibility.move_problem(sat["entry"], sat["autumn"], MARCH)


def test_an_ec_defer_decision_to_an_open_window_is_refused_on_the_page(app, clock, client):
    """The admin's claim page offers only unreleased windows; posting an open one is refused,
    with the reason, and nothing moves."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="admin@example.org")
        autumn = make_window(name="Autumn 2026", admin=admin)
        make_window(name="Late autumn 2026", first_day=date(2026, 11, 25), admin=admin)
        make_window(name="Spring 2027", first_day=date(2027, 3, 9), admin=admin)
        entry = make_entry(autumn, make_user(email="sam@example.org"))
        claim = eligibility.file_claim(entry, ClaimInput(
            "illness", "In hospital.", date(2026, 11, 25), date(2026, 11, 27),
            [("note.pdf", b"%PDF-1.4 note")]), entry.participant, DURING)
        db.session.commit()  # as the request does
        ids = {"claim": claim.id, "entry": entry.id,
               "late": AssessmentWindow.query.filter_by(name="Late autumn 2026").one().id}
    clock.at(DURING)
    login(client, "admin@example.org")
    page = client.get(f"/admin/claims/{ids['claim']}").text
    assert ">Spring 2027</option>" in page and "Late autumn 2026" not in page
    refused = client.post(f"/admin/claims/{ids['claim']}", data={
        "decision": "defer", "to_window": ids["late"], "reason": "Ill during the window."})
    assert "Late autumn 2026 has already been released" in refused.text
    with app.app_context():
        assert db.session.get(Entry, ids["entry"]).outcome is None
        assert db.session.get(EcClaim, ids["claim"]).decided_at is None
        assert Entry.query.count() == 1
