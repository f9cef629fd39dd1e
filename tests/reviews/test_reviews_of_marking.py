"""Reviews of marking, whole life with a frozen clock: the request and its period, the admin's
decision, the blind review by someone who did not mark the script, and what it changes."""

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from factories import count_queries
from marking.conftest import submit_through_check
from page_html import confirmed_post
from returns.conftest import mark_input, signed_in

from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AssessmentWindow,
    AuditEvent,
    Entry,
    MarkingRole,
    OutboxMessage,
    OutcomeAmendment,
    ReviewRequest,
    ReviewStatus,
    User,
)
from assessment_app.review_rules import ReviewRefused
from assessment_app.services import reviews

SAM, JO, ALEX = 0, 1, 2
ASKED = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
LAST_SECOND = datetime(2026, 12, 17, 23, 59, 59, tzinfo=UTC)  # 10 working days after 3 December
TOO_LATE = datetime(2026, 12, 18, 0, 0, 0, tzinfo=UTC)
DECIDED = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
REVIEWED = datetime(2027, 1, 11, 15, 0, tzinfo=UTC)


def ask(app, clock, released, who, email, at=ASKED, grounds="My diagnosis was judged wrongly."):
    client = signed_in(app, clock, email, at=at)
    url = f"/assessments/{released.entry_ids[who]}/review"
    return client, url, client.post(url, data={"grounds": grounds})


def first_marker(app, entry_id) -> int:
    with app.app_context():
        return Allocation.query.filter_by(entry_id=entry_id, role=MarkingRole.FIRST).one().marker_id


def accept(app, clock, review_id, reviewer_id, at=DECIDED, confirm=True):
    """The admin accepts, naming the reviewer; with `confirm`, through the check's button."""
    admin = signed_in(app, clock, "boss@example.org", at=at)
    url, data = f"/admin/reviews/{review_id}", {
        "decision": "accept", "reviewer": str(reviewer_id), "reason": "Grounds are specific."}
    if confirm:
        return admin, confirmed_post(admin, url, data, follow_redirects=False)
    return admin, admin.post(url, data=data)


def review_id(app) -> int:
    with app.app_context():
        return ReviewRequest.query.one().id


def test_a_participant_asks_once_and_a_second_request_is_refused(app, released, clock):
    """The page gives the last minute to ask; the request is kept and audited; asking again for
    the same attempt is refused with a clear message and nothing more is stored."""
    client = signed_in(app, clock, "alex@example.org", at=ASKED)
    page = client.get(f"/assessments/{released.entry_ids[ALEX]}/review").text
    assert "11:59pm on Thursday 17 December 2026" in page
    assert "bank holidays in England and Wales" in page
    _, url, response = ask(app, clock, released, ALEX, "alex@example.org")
    assert response.status_code == 302
    again = client.post(url, data={"grounds": "And again."})
    assert again.status_code == 200
    assert "Only one review can be asked for per attempt" in again.text
    assert "Error: " in again.text and 'href="#grounds"' in again.text
    with app.app_context():
        (review,) = ReviewRequest.query.all()
        assert review.grounds == "My diagnosis was judged wrongly."
        assert review.status is ReviewStatus.REQUESTED and review.requested_at == ASKED
        event = AuditEvent.query.filter_by(action="review.requested").one()
        assert event.participant_id == review.entry.participant_id
    assert "Waiting for an assessment admin to decide" in client.get(url).text


def test_a_request_in_the_last_second_of_the_period_is_taken_and_one_after_refused(
        app, released, clock):
    _, _, in_time = ask(app, clock, released, SAM, "sam@example.org", at=LAST_SECOND)
    assert in_time.status_code == 302
    client, url, late = ask(app, clock, released, JO, "jo@example.org", at=TOO_LATE)
    assert late.status_code == 200
    assert ("The time to ask for a review of this attempt ended at 11:59pm on Thursday 17 "
            "December 2026") in late.text
    assert "Send request" not in client.get(url).text  # the page says so instead of a form
    with app.app_context():
        assert [r.entry_id for r in ReviewRequest.query.all()] == [released.entry_ids[SAM]]


# A result recorded after an extension, on Thursday 10 December: its own ten working days end
# on Thursday 24 December (Christmas Day, a bank holiday, comes after).
LATE_RESULT = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
LATE_TOO_LATE = datetime(2026, 12, 25, 0, 0, tzinfo=UTC)


def test_a_result_recorded_after_an_extension_has_its_own_period(app, released, clock):
    """The period runs from the release of this attempt's result, not the window's."""
    with app.app_context():
        db.session.get(Entry, released.entry_ids[JO]).completed_at = LATE_RESULT
        db.session.commit()
    _, _, after_window_period = ask(app, clock, released, JO, "jo@example.org", at=TOO_LATE)
    assert after_window_period.status_code == 302
    with app.app_context():
        jo = db.session.get(Entry, released.entry_ids[JO])
        assert reviews.closes_at(jo) == LATE_TOO_LATE
        sam = db.session.get(Entry, released.entry_ids[SAM])
        assert reviews.closes_at(sam) == TOO_LATE


# A result recorded on Thursday 15 March 2035, past the end of any published list of bank
# holidays: ten working days skip Good Friday and Easter Monday (23 and 26 March) and end at
# 23:59 BST on Monday 2 April 2035 (22:59 UTC).
RESULT_2035 = datetime(2035, 3, 15, 10, 0, tzinfo=UTC)
LAST_SECOND_2035 = datetime(2035, 4, 2, 22, 59, 59, tzinfo=UTC)
TOO_LATE_2035 = datetime(2035, 4, 2, 23, 0, 0, tzinfo=UTC)


def test_the_review_period_in_2035_skips_easter_bank_holidays(app, released, clock):
    """Bank holidays are worked out for any year: a request at 23:59:59 BST on 2 April 2035
    is taken, one a second later refused (without Easter the period would have ended on
    Thursday 29 March)."""
    with app.app_context():
        for who in (SAM, JO):
            db.session.get(Entry, released.entry_ids[who]).completed_at = RESULT_2035
        db.session.commit()
        assert reviews.closes_at(db.session.get(Entry, released.entry_ids[SAM])) == TOO_LATE_2035
    _, _, in_time = ask(app, clock, released, SAM, "sam@example.org", at=LAST_SECOND_2035)
    assert in_time.status_code == 302
    _, _, late = ask(app, clock, released, JO, "jo@example.org", at=TOO_LATE_2035)
    assert late.status_code == 200
    assert ("The time to ask for a review of this attempt ended at 11:59pm on Monday 2 April "
            "2035") in late.text


def test_a_request_without_grounds_is_refused(app, released, clock):
    _, _, response = ask(app, clock, released, SAM, "sam@example.org", grounds="  ")
    assert response.status_code == 200 and "Give your grounds for the review" in response.text
    with app.app_context():
        assert ReviewRequest.query.count() == 0


def test_no_review_before_results_are_released(app, closed, clock):
    clock.at(ASKED)
    with app.app_context():
        entry = db.session.get(Entry, closed.entry_ids[SAM])
        with pytest.raises(ReviewRefused, match="once the result of this attempt has been released"):
            reviews.request_review(entry, "Grounds.", entry.participant, ASKED)


def test_someone_elses_review_page_does_not_exist(app, released, clock):
    client = signed_in(app, clock, "sam@example.org", at=ASKED)
    assert client.get(f"/assessments/{released.entry_ids[JO]}/review").status_code == 404


def test_the_admin_rejects_a_request_with_a_reason_and_the_participant_is_told(
        app, released, clock):
    ask(app, clock, released, JO, "jo@example.org")
    admin = signed_in(app, clock, "boss@example.org", at=DECIDED)
    assert "Reviews of marking (1)" in admin.get("/admin/requests").text
    url = f"/admin/reviews/{review_id(app)}"
    data = {"decision": "reject", "reason": "No grounds about the marking."}
    check = admin.post(url, data=data)
    assert "Check before you reject this review request" in check.text
    assert "the participant cannot ask again" in check.text
    with app.app_context():
        assert ReviewRequest.query.one().status is ReviewStatus.REQUESTED
    response = confirmed_post(admin, url, data, follow_redirects=False)
    assert response.status_code == 302
    with app.app_context():
        review = ReviewRequest.query.one()
        assert review.status is ReviewStatus.REJECTED and review.decided_at == DECIDED
        assert AuditEvent.query.filter_by(action="review.rejected").one().actor_id == released.admin_id
        mail = OutboxMessage.query.filter_by(to="jo@example.org",
                                             kind="request_for_a_review_of_marking_decision").one()
        assert "not accepted" in mail.body and "No grounds about the marking." in mail.body
        assert db.session.get(Entry, released.entry_ids[JO]).outcome == "failed"


def test_a_marker_of_the_script_cannot_be_given_its_review(app, released, clock):
    """Jo's script was first- and second-marked and moderated: nobody is left to review it,
    and naming one of its markers is refused with a reason."""
    ask(app, clock, released, JO, "jo@example.org")
    marker = first_marker(app, released.entry_ids[JO])
    _, response = accept(app, clock, review_id(app), marker, confirm=False)
    assert response.status_code == 200
    assert "marked this script, so cannot review it" in response.text
    assert "Nobody can review this script now" in response.text
    with app.app_context():
        assert ReviewRequest.query.one().status is ReviewStatus.REQUESTED
        assert reviews.eligible_reviewers(db.session.get(Entry, released.entry_ids[JO])) == []


def test_reviewers_offered_exclude_the_scripts_markers_and_conflicts_of_interest(
        app, released, clock):
    """Sam's first marker is Nina; Martin shares Sam's delivery partner: only Priya may review."""
    with app.app_context():
        sam = db.session.get(Entry, released.entry_ids[SAM])
        assert [u.email for u in reviews.eligible_reviewers(sam)] == ["mod@example.org"]


def review_page(app, clock, rid, email="mod@example.org", at=REVIEWED):
    client = signed_in(app, clock, email, at=at)
    return client, f"/marking/reviews/{rid}"


def test_a_review_that_changes_the_outcome_replaces_the_result_everywhere(app, released, clock):
    """Alex passed; a reviewer who did not mark the script, blind to the earlier marks, judges
    the diagnosis not evident: the outcome becomes failed, dated the review, with the reason;
    Alex sees the review's result and is emailed; the DfE return shows the amendment."""
    ask(app, clock, released, ALEX, "alex@example.org")
    rid = review_id(app)
    admin, response = accept(app, clock, rid, released.moderator_id)
    assert response.status_code == 302
    admin_page = admin.get(f"/admin/reviews/{rid}").text
    assert "If that outcome is the recorded one, the outcome is kept." in admin_page
    with app.app_context():
        assert OutboxMessage.query.filter_by(to="mod@example.org", kind="review_assigned").count() == 1
    reviewer, url = review_page(app, clock, rid)
    page = reviewer.get(url).text
    assert "review of marking (blind)" in page and "Response number 2" in page
    # Blind: no earlier comment, feedback or outcome, and nothing about the participant.
    for hidden in ("Comment on diagnosis</textarea>", "A clear diagnosis and a workable plan.", "Alex", "Coastal Trust",
                   "St Brendan"):
        assert hidden not in page
    form = mark_input(diagnosis="not_evident")
    data = {f"level-{k}": v for k, v in form.levels.items()}
    data |= {f"comment-{k}": f"Review: {k}" for k in form.levels}
    data |= {"feedback": "The diagnosis is missing.", "rationale": "No diagnosis of the problem."}
    assert submit_through_check(reviewer, url, data).status_code == 302
    with app.app_context():
        entry = db.session.get(Entry, released.entry_ids[ALEX])
        assert entry.outcome == "failed" and entry.completed_at == REVIEWED
        review = ReviewRequest.query.one()
        assert review.status is ReviewStatus.COMPLETED and review.outcome.value == "fail"
        amendment = OutcomeAmendment.query.one()
        assert review.amendment_id == amendment.id
        assert (amendment.previous_outcome, amendment.new_outcome) == ("passed", "failed")
        assert amendment.reason == "Review of marking: No diagnosis of the problem."
        assert amendment.amended_by == released.moderator_id and amendment.amended_at == REVIEWED
        actions = {e.action for e in AuditEvent.query.filter_by(participant_id=entry.participant_id)}
        assert {"review.requested", "review.accepted", "review.completed",
                "outcome.amended"} <= actions
        mail = OutboxMessage.query.filter_by(to="alex@example.org", kind="outcome_amended").one()
        assert "It was: Passed" in mail.body and "It is now: Failed" in mail.body
    alex = signed_in(app, clock, "alex@example.org", at=REVIEWED)
    result = alex.get(f"/assessments/{released.entry_ids[ALEX]}/result").text
    assert ">Not passed</h2>" in result and "Review: diagnosis" in result
    assert "The diagnosis is missing." in result
    assert "Review complete: your outcome has changed" in alex.get(
        f"/assessments/{released.entry_ids[ALEX]}/review").text
    admin = signed_in(app, clock, "boss@example.org", at=REVIEWED)
    response = admin.get(f"/admin/windows/{released.window_id}/reports/dfe-return.csv")
    row = next(r for r in csv.DictReader(io.StringIO(response.text))
               if r["email"] == "alex@example.org")
    assert (row["outcome"], row["completion_date"], row["amended"]) == ("failed", "2027-01-11", "yes")
    assert (row["previous_outcome"], row["previous_completion_date"]) == ("passed", "2026-12-03")


def test_a_review_that_agrees_keeps_the_outcome_and_tells_the_participant(app, released, clock):
    ask(app, clock, released, SAM, "sam@example.org")
    rid = review_id(app)
    accept(app, clock, rid, released.moderator_id)
    reviewer, url = review_page(app, clock, rid)
    form = mark_input(level="strong")
    data = {f"level-{k}": v for k, v in form.levels.items()}
    data |= {f"comment-{k}": f"Review: {k}" for k in form.levels}  # the rubric asks for each
    data |= {"feedback": "Strong throughout.", "rationale": "Every criterion is strong."}
    assert submit_through_check(reviewer, url, data).status_code == 302
    with app.app_context():
        entry = db.session.get(Entry, released.entry_ids[SAM])
        assert entry.outcome == "passed" and OutcomeAmendment.query.count() == 0
        review = ReviewRequest.query.one()
        assert review.status is ReviewStatus.COMPLETED and review.amendment_id is None
        assert OutboxMessage.query.filter_by(to="sam@example.org", kind="review_kept").count() == 1
        assert AuditEvent.query.filter_by(action="review.completed").one().detail["changed"] is False
    sam = signed_in(app, clock, "sam@example.org", at=REVIEWED)
    assert "your outcome is unchanged" in sam.get(f"/assessments/{released.entry_ids[SAM]}/review").text
    assert "Strong throughout." not in sam.get(f"/assessments/{released.entry_ids[SAM]}/result").text


def test_a_review_without_a_reason_or_a_level_is_refused_and_keeps_what_was_entered(
        app, released, clock):
    ask(app, clock, released, SAM, "sam@example.org")
    rid = review_id(app)
    accept(app, clock, rid, released.moderator_id)
    reviewer, url = review_page(app, clock, rid)
    form = mark_input(level="strong")
    data = {f"level-{k}": v for k, v in form.levels.items()}
    data |= {"feedback": "Typed feedback kept.", "rationale": "", "action": "submit"}
    response = reviewer.post(url, data=data)
    assert response.status_code == 200 and "Give the reason for your judgement" in response.text
    assert "Typed feedback kept." in response.text
    with app.app_context():
        assert ReviewRequest.query.one().status is ReviewStatus.ACCEPTED


def test_only_the_named_reviewer_sees_the_review_and_a_marker_never_reviews_their_own_script(
        app, released, clock):
    ask(app, clock, released, ALEX, "alex@example.org")
    rid = review_id(app)
    accept(app, clock, rid, released.moderator_id)
    other, url = review_page(app, clock, rid, email="m2@example.org")
    assert other.get(url).status_code == 404
    marker_id = first_marker(app, released.entry_ids[ALEX])
    with app.app_context():
        review = ReviewRequest.query.one()
        review.reviewer_id = marker_id  # as if the rule had been bypassed
        db.session.commit()
        with pytest.raises(ReviewRefused, match="a marker cannot review their own script"):
            reviews.save_review(review, db.session.get(User, marker_id),
                                mark_input(level="strong"), "Fine.", REVIEWED, submit=True)


def test_the_review_period_is_set_per_window_in_working_days(app, released, clock):
    """With 5 working days instead of 10, the period after results on Thursday 3 December ends
    at 23:59 on Thursday 10 December: a request then is taken, one a second later refused."""
    admin = signed_in(app, clock, "boss@example.org", at=ASKED)
    form = admin.get(f"/admin/windows/{released.window_id}/edit").text
    assert 'name="review_period_days"' in form and 'value="10"' in form
    with app.app_context():
        db.session.get(Entry, released.entry_ids[SAM]).window.review_period_days = 5
        db.session.commit()
    _, _, in_time = ask(app, clock, released, SAM, "sam@example.org",
                     at=datetime(2026, 12, 10, 23, 59, 59, tzinfo=UTC))
    assert in_time.status_code == 302
    _, _, late = ask(app, clock, released, JO, "jo@example.org",
                     at=datetime(2026, 12, 11, 0, 0, tzinfo=UTC))
    assert "ended at 11:59pm on Thursday 10 December 2026" in late.text


NEW_WINDOW = {"name": "Spring 2027", "first_day": ["25", "3", "2027"], "length_days": "8",
              "release_time": "00:01", "deadline_time": "23:59", "word_limit": "1500",
              "tolerance_percent": "0", "npq_codes": ["NPQLTD"], "second_marking_percent": "10",
              "max_extension_days": "14"}


@pytest.mark.parametrize("typed, stored", [("15", 15), ("", 10)])
def test_the_window_form_sets_the_review_period(app, released, clock, typed, stored):
    admin = signed_in(app, clock, "boss@example.org", at=ASKED)
    response = admin.post("/admin/windows/new", data={**NEW_WINDOW, "review_period_days": typed})
    assert response.status_code == 302
    with app.app_context():
        window = AssessmentWindow.query.filter_by(name="Spring 2027").one()
        assert window.review_period_days == stored


def test_a_review_period_out_of_range_is_refused_on_its_field(app, released, clock):
    admin = signed_in(app, clock, "boss@example.org", at=ASKED)
    response = admin.post("/admin/windows/new", data={**NEW_WINDOW, "review_period_days": "0"})
    assert response.status_code == 200
    assert "The time to ask for a review must be between 1 and 60 working days" in response.text
    assert 'href="#review_period_days"' in response.text
    with app.app_context():
        assert AssessmentWindow.query.filter_by(name="Spring 2027").count() == 0


def test_the_request_list_and_the_reviewer_queue_run_a_fixed_number_of_statements(
        app, released, clock):
    """One review or two: the admin's requests page and the reviewer's queue cost the same."""
    ask(app, clock, released, SAM, "sam@example.org")
    accept(app, clock, review_id(app), released.moderator_id)
    admin = signed_in(app, clock, "boss@example.org", at=DECIDED)
    reviewer = signed_in(app, clock, "mod@example.org", at=DECIDED)
    one = (count_queries(app, lambda: admin.get("/admin/requests")),
           count_queries(app, lambda: reviewer.get("/marking/")))
    ask(app, clock, released, ALEX, "alex@example.org")
    with app.app_context():
        second = ReviewRequest.query.filter_by(entry_id=released.entry_ids[ALEX]).one().id
    accept(app, clock, second, released.moderator_id)
    admin = signed_in(app, clock, "boss@example.org", at=DECIDED)
    reviewer = signed_in(app, clock, "mod@example.org", at=DECIDED)
    assert "Reviews of marking (2)" in admin.get("/admin/requests").text
    assert reviewer.get("/marking/").text.count("/marking/reviews/") == 2
    assert (count_queries(app, lambda: admin.get("/admin/requests")),
            count_queries(app, lambda: reviewer.get("/marking/"))) == one


def test_a_review_is_a_draft_until_its_check_page_submits_it(app, released, clock):
    """Continue keeps the judgement as a draft (still accepted, no amendment); the check page
    shows the outcome the rubric gives and what a review decides; a stale check page submits
    nothing."""
    ask(app, clock, released, ALEX, "alex@example.org")
    rid = review_id(app)
    accept(app, clock, rid, released.moderator_id)
    reviewer, url = review_page(app, clock, rid)
    form = mark_input(diagnosis="not_evident")
    data = {f"level-{k}": v for k, v in form.levels.items()}
    data |= {f"comment-{k}": f"Review: {k}" for k in form.levels}
    data |= {"feedback": "The diagnosis is missing.", "rationale": "No diagnosis."}
    assert reviewer.post(url, data=data).headers["Location"].endswith(f"{url}/check")
    check = reviewer.get(f"{url}/check").text
    assert "The rubric’s rule gives: <strong>Fail</strong>" in check
    assert "If it differs, the outcome is changed to the reviewer" in check
    with app.app_context():
        assert ReviewRequest.query.one().status is ReviewStatus.ACCEPTED
        assert OutcomeAmendment.query.count() == 0
    reviewer.post(url, data={**data, "rationale": "Changed elsewhere.", "action": "save"})
    seen = re.search(r'name="fingerprint" value="([0-9a-f]{64})"', check).group(1)
    refused = reviewer.post(f"{url}/check", data={"fingerprint": seen})
    assert "The mark has changed since this page was shown" in refused.text
    with app.app_context():
        assert ReviewRequest.query.one().status is ReviewStatus.ACCEPTED
