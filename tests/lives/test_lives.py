"""Whole lives of participants through windows, with a frozen clock: entry at the 90% gate,
deferral, extensions, EC decisions, non-submission, marking, results and the two attempts."""

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import make_user, make_window

from assessment_app.dfe_return import completion_date
from assessment_app.extensions import db
from assessment_app.models import Allocation, Entry, MarkerProfile, MarkingRole, OutboxMessage, Role
from assessment_app.rubrics import load_rubric
from assessment_app.services import (
    allocations,
    checking,
    deadline_extensions,
    eligibility,
    marks,
    results,
    submissions,
    windows,
)
from assessment_app.services.deadline_extensions import ExtensionRefused
from assessment_app.services.eligibility import ClaimInput, EligibilityError
from assessment_app.services.mark_input import MarkInput
from assessment_app.services.submissions import SubmissionRefused
from assessment_app.services.windows import WindowError
from assessment_app.settings import PROJECT_ROOT

RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
PASS = {c.id: "strong" for c in RUBRIC.criteria}
FAIL = {c.id: "not_evident" for c in RUBRIC.criteria}
# Three windows a term apart, each with its own case study and engagement deadline.
WINDOWS = [("Autumn 2026", date(2026, 11, 24)), ("Spring 2027", date(2027, 3, 9)),
           ("Summer 2027", date(2027, 6, 15))]


class World:
    def __init__(self, app, clock):
        self.app, self.clock = app, clock
        clock.at(datetime(2026, 9, 1, tzinfo=UTC))
        self.admin = make_user(Role.ADMIN, email="admin@example.org")
        self.windows = []
        for name, first_day in WINDOWS:
            window = make_window(name=name, first_day=first_day, admin=self.admin)
            window.engagement_deadline = datetime.combine(first_day - timedelta(days=14),
                                                          datetime.min.time(), tzinfo=UTC)
            window.second_marking_percent = 0
            self.windows.append(window)
        db.session.commit()
        # Three markers: a failed resit needs a second marker who marked neither attempt.
        for i in range(3):
            marker = make_user(Role.MARKER, email=f"marker{i}@example.org")
            db.session.add(MarkerProfile(user_id=marker.id, capacity=100, npq_codes="NPQLTD"))
        db.session.commit()
        self.person = make_user(email="sam@example.org", name="Sam Taylor")

    def at(self, moment):
        self.clock.at(moment)
        return moment

    def enter(self, n):
        window = self.windows[n]
        self.at(window.engagement_deadline - timedelta(days=30))
        (entry,) = windows.enter_participants(window, "NPQLTD", [self.person.email], self.admin)
        return entry

    def engagement(self, percent, n):
        moment = self.at(self.windows[n].engagement_deadline - timedelta(days=2))
        csv = f"participant,programme,percent_complete,as_of\n{self.person.email},NPQLTD,{percent},{moment.date()}\n"
        eligibility.import_engagement(csv.encode(), "lp.csv", self.admin, moment)

    def gate(self, n):
        eligibility.apply_engagement_gate(self.at(self.windows[n].engagement_deadline))

    def submit(self, entry, when=None):
        at = self.at(when or entry.window.release_at + timedelta(days=2))
        return submissions.submit(entry, "My response.", declaration=True,
                                  client_token=str(at.timestamp()), at=at)

    def mark_and_release(self, n, levels):
        window = self.windows[n]
        at = self.at(window.closes_at + timedelta(days=20))
        allocations.allocate_window(window, at)
        for allocation in Allocation.query.filter_by(role=MarkingRole.FIRST).all():
            if allocation.mark is None and allocation.entry.window_id == window.id:
                marks.save_mark(allocation, MarkInput(levels=levels), at, submit=True)
        checking.draw_second_marking_sample(window, at, self.admin, seed=1)
        for allocation in Allocation.query.filter_by(role=MarkingRole.SECOND).all():
            if allocation.mark is None:
                marks.save_mark(allocation, MarkInput(levels=levels), at, submit=True)
        eligibility.record_non_submissions(at)
        results.release_results(window, at, self.admin, at)

    def standing(self):
        return eligibility.ledger_for(self.person.id, "NPQLTD")


@pytest.fixture
def world(ctx, clock):
    return World(ctx, clock)


def test_pass_first_time(world):
    entry = world.enter(0)
    world.engagement(95, 0)
    world.gate(0)
    assert entry.entered
    world.submit(entry)
    world.mark_and_release(0, PASS)
    assert entry.outcome == "passed" and entry.completed_at is not None
    assert world.standing().standing.value == "achieved"
    with pytest.raises(WindowError, match="already passed"):
        windows.enter_participants(world.windows[1], "NPQLTD", [world.person.email], world.admin)


def test_fail_then_pass_at_the_resit(world):
    first = world.enter(0)
    world.engagement(92, 0)
    world.gate(0)
    world.submit(first)
    world.mark_and_release(0, FAIL)
    assert first.outcome == "failed"
    assert world.standing().may_enter and world.standing().attempts_left == 1
    resit = world.enter(1)
    world.engagement(100, 1)
    world.gate(1)
    world.submit(resit)
    world.mark_and_release(1, PASS)
    assert resit.outcome == "passed"
    assert world.standing().standing.value == "achieved"


def test_two_fails_make_the_outcome_final(world):
    for n in (0, 1):
        entry = world.enter(n)
        world.engagement(99, n)
        world.gate(n)
        world.submit(entry)
        world.mark_and_release(n, FAIL)
    assert world.standing().standing.value == "not_achieved"
    with pytest.raises(WindowError, match="used both attempts"):
        world.enter(2)


def test_missing_90_percent_without_deferral_loses_an_attempt_then_the_resit_passes(world):
    entry = world.enter(0)
    world.engagement(89.5, 0)
    world.gate(0)
    assert not entry.entered and entry.outcome == "lost_engagement"
    world.at(entry.window.release_at + timedelta(hours=1))
    with pytest.raises(SubmissionRefused, match="not entered"):
        world.submit(entry, when=entry.window.release_at + timedelta(hours=1))
    world.gate(0)  # running the gate again changes nothing
    assert entry.outcome == "lost_engagement"
    resit = world.enter(1)
    world.engagement(91, 1)
    world.gate(1)
    world.submit(resit)
    world.mark_and_release(1, PASS)
    assert world.standing().standing.value == "achieved" and world.standing().counted == 2


def test_a_deferral_agreed_before_the_deadline_costs_no_attempt(world):
    entry = world.enter(0)
    world.at(entry.window.engagement_deadline - timedelta(days=5))
    request = eligibility.request_deferral(entry, "Moving schools this term.", world.person,
                                           entry.window.engagement_deadline - timedelta(days=5))
    world.gate(0)  # the deadline passes while the request waits: nothing is lost
    assert entry.outcome is None
    eligibility.decide_deferral(request, True, "Agreed.", world.admin,
                                entry.window.engagement_deadline + timedelta(days=1),
                                world.windows[1])
    assert entry.outcome == "deferred"
    moved = Entry.query.filter_by(window_id=world.windows[1].id).one()
    assert not moved.entered
    assert world.standing().counted == 1  # only the new attempt, in progress
    world.engagement(96, 1)
    world.gate(1)
    world.submit(moved)
    world.mark_and_release(1, PASS)
    assert world.standing().counted == 1 and world.standing().standing.value == "achieved"


def _deferral_into_ungated_window(world):
    """A deferral agreed after window 0's engagement deadline, into window 1 with no gate left."""
    entry = world.enter(0)
    at = world.at(entry.window.engagement_deadline - timedelta(days=5))
    request = eligibility.request_deferral(entry, "Moving schools this term.", world.person, at)
    world.windows[1].engagement_deadline = None
    db.session.commit()
    return entry, request, entry.window.engagement_deadline + timedelta(days=1)


def test_a_deferral_into_a_window_with_no_gate_left_needs_90_percent_now(world):
    """The 90% gate always applies: with no engagement deadline to come in the later window,
    a deferral there is refused while the participant is below 90%, and nothing changes."""
    entry, request, decided = _deferral_into_ungated_window(world)
    world.engagement(80, 0)
    with pytest.raises(EligibilityError, match="no engagement deadline still to come.*80%"):
        eligibility.decide_deferral(request, True, "Agreed.", world.admin, decided,
                                    world.windows[1])
    db.session.rollback()
    assert entry.outcome is None
    assert Entry.query.filter_by(window_id=world.windows[1].id).count() == 0


def test_a_deferral_into_a_window_with_no_gate_left_enters_and_tells_them(world):
    """At 90% or more the participant is entered in the later window at once, and told."""
    entry, request, decided = _deferral_into_ungated_window(world)
    world.engagement(92, 0)
    eligibility.decide_deferral(request, True, "Agreed.", world.admin, decided, world.windows[1])
    moved = Entry.query.filter_by(window_id=world.windows[1].id).one()
    assert moved.entered and entry.outcome == "deferred"
    notice = OutboxMessage.query.filter_by(kind="entered").one()
    assert notice.to == world.person.email and world.windows[1].name in notice.subject


def test_a_deferral_cannot_be_asked_for_after_the_engagement_deadline(world):
    entry = world.enter(0)
    with pytest.raises(EligibilityError, match="engagement deadline has passed"):
        eligibility.request_deferral(entry, "Too late", world.person, entry.window.engagement_deadline)


def claim(world, entry):
    pdf = b"%PDF-1.7 hospital letter"
    return eligibility.file_claim(entry, ClaimInput("illness", "In hospital during the window.",
                                                    entry.window.first_day, entry.window.first_day + timedelta(days=7),
                                                    [("letter.pdf", pdf)]),
                                  world.person, entry.window.release_at + timedelta(days=3))


def test_non_submission_with_ec_accepted_voids_the_attempt(world):
    entry = world.enter(0)
    world.engagement(95, 0)
    world.gate(0)
    ec = claim(world, entry)
    after = world.at(entry.window.closes_at + timedelta(days=1))
    eligibility.record_non_submissions(after)
    assert entry.outcome is None  # waits for the EC decision
    eligibility.decide_claim(ec, "void", "Hospital letter confirms admission.", world.admin, after)
    assert entry.outcome == "voided"
    assert world.standing().counted == 0 and world.standing().may_enter


def test_non_submission_without_ec_counts(world):
    entry = world.enter(0)
    world.engagement(95, 0)
    world.gate(0)
    eligibility.record_non_submissions(world.at(entry.window.closes_at - timedelta(seconds=1)))
    assert entry.outcome is None
    eligibility.record_non_submissions(world.at(entry.window.closes_at))
    assert entry.outcome == "not_submitted"
    assert world.standing().counted == 1 and world.standing().attempts_left == 1


def test_a_non_submission_is_completed_on_the_deadline_day_not_the_day_after(world):
    """The DfE completion date of a non-submission is the London day of the deadline (day 8):
    the first late instant, 00:00 on day 9, must not leak into the return."""
    entry = world.enter(0)
    world.engagement(95, 0)
    world.gate(0)
    eligibility.record_non_submissions(world.at(entry.window.closes_at))
    last_day = entry.window.first_day + timedelta(days=entry.window.length_days - 1)
    assert completion_date(entry.completed_at) == last_day.isoformat()


def test_an_extension_accepts_a_submission_inside_it_and_refuses_one_after(world):
    entry = world.enter(0)
    world.engagement(95, 0)
    world.gate(0)
    ec = claim(world, entry)
    granted_at = world.at(entry.window.release_at + timedelta(days=4))
    new_day = entry.window.first_day + timedelta(days=7 + 7)
    eligibility.decide_claim(ec, "extension", "Seven more days.", world.admin, granted_at, until=new_day)
    assert entry.closes_at == entry.window.closes_at + timedelta(days=7)
    with pytest.raises(SubmissionRefused, match="The deadline was"):
        world.submit(entry, when=entry.closes_at)
    version = world.submit(entry, when=entry.closes_at - timedelta(seconds=1))
    assert version.number == 1
    eligibility.record_non_submissions(world.at(entry.window.closes_at + timedelta(days=1)))
    assert entry.outcome is None


def test_extensions_are_limited_per_window_and_need_a_reason(world):
    entry = world.enter(0)
    world.engagement(95, 0)
    world.gate(0)
    too_far = entry.window.first_day + timedelta(days=7 + 15)
    with pytest.raises(ExtensionRefused, match="at the latest"):
        deadline_extensions.grant([entry], too_far, "Illness", world.admin, world.at(entry.window.release_at))
    with pytest.raises(ExtensionRefused, match="reason"):
        deadline_extensions.grant([entry], entry.window.first_day + timedelta(days=9), " ", world.admin,
                                     entry.window.release_at)
