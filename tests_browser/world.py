"""The people and windows the journeys walk through, dated from today's real date.

Browsers drop a cookie whose expiry has passed on their own clock, so the app must run at the
real time while a browser is connected. The past (entries, submissions, a closed window) is
written beforehand with the clock moved back by time-machine; the journeys then run at the real
time: one window open now, one closed a week ago with a script to mark.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import time_machine
from factories import PASSWORD, make_entry, make_user, make_window

from assessment_app import clock
from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AssessmentWindow,
    MarkerProfile,
    MarkingRole,
    Moderation,
    Role,
    User,
)
from assessment_app.rubrics import load_rubric
from assessment_app.services import allocations, checking, marks, submissions
from assessment_app.services.mark_input import MarkInput
from assessment_app.settings import PROJECT_ROOT

WORD_LIMIT = 40
RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")


@dataclass
class World:
    password: str
    open_entry_id: int  # Sam's, in a window open now
    closed_window_id: int  # a window closed a week ago, its one script submitted by Jo
    closed_entry_id: int


def _at(instant: datetime):
    return time_machine.travel(instant, tick=False)


def build_world() -> World:
    today = clock.to_london(clock.now()).date()
    with _at(datetime.combine(today - timedelta(days=40), time(9), tzinfo=UTC)):
        admin = make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin")
        # Open now: released two days ago, the deadline five days ahead.
        open_window = make_window(name="Open window", first_day=today - timedelta(days=2),
                                  word_limit=WORD_LIMIT, admin=admin)
        # Closed: released three weeks ago, its deadline two weeks ago.
        closed_window = make_window(name="Closed window", first_day=today - timedelta(days=21),
                                    admin=admin)
        closed_window.second_marking_percent = 0
        sam = make_user(email="sam@example.org", name="Sam Taylor", school="Oakfield Primary",
                        delivery_partner="Midlands Alliance")
        jo = make_user(email="jo@example.org", name="Jo Evans", school="Riverside Academy",
                       delivery_partner="Coastal Trust")
        open_entry = make_entry(open_window, sam)
        closed_entry = make_entry(closed_window, jo)
        for name, email, role, capacity in [("Martin Doyle", "marker1@example.org", Role.MARKER, 50),
                                            ("Nina Patel", "marker2@example.org", Role.MARKER, 50),
                                            ("Priya Shah", "moderator@example.org", Role.MODERATOR, 0)]:
            person = make_user(role, email=email, name=name, delivery_partner="Northern Partnership")
            db.session.add(MarkerProfile(user_id=person.id, capacity=capacity, npq_codes="NPQLTD"))
        db.session.commit()
    written = datetime.combine(today - timedelta(days=18), time(15), tzinfo=UTC)
    with _at(written):
        submissions.submit(closed_entry, RESPONSE, declaration=True, client_token="jo-1",
                           at=written)
        db.session.commit()  # as the request does
    return World(PASSWORD, open_entry.id, closed_window.id, closed_entry.id)


RESPONSE = ("Oakfield's teachers meet for development each week, but the sessions are planned "
            "without a diagnosis of what pupils need. I would start by looking at pupils' work "
            "with the phase leaders, agree one priority, and plan a term of coaching around it.")


def allocate(world: World) -> None:
    """The closed window's script goes to a first marker, as the scheduler would do now."""
    allocations.allocate_window(db.session.get(AssessmentWindow, world.closed_window_id), clock.now())
    db.session.commit()  # as the scheduler's duty does


def mark(role: MarkingRole, level: str) -> None:
    allocation = db.session.scalars(db.select(Allocation).filter_by(role=role)).one()
    marks.save_mark(allocation, MarkInput(
        levels={c.id: level for c in RUBRIC.criteria},
        comments={c.id: f"Judged {level}." for c in RUBRIC.criteria},
        feedback="A clear diagnosis and a workable plan."), clock.now(), submit=True)
    db.session.commit()  # as the request does


def second_marker_disagrees(world: World) -> int:
    """After a first mark that fails: the blind second mark passes, so a moderator must decide.
    Returns the moderation case's id."""
    window = db.session.get(AssessmentWindow, world.closed_window_id)
    admin = db.session.scalars(db.select(User).filter_by(email="admin@example.org")).one()
    checking.draw_second_marking_sample(window, clock.now(), admin, seed=1)
    mark(MarkingRole.SECOND, "strong")
    return db.session.scalars(db.select(Moderation.id)).one()


def first_marker() -> tuple[str, str]:
    """The email of the marker the script went to, and its candidate number (its address)."""
    allocation = db.session.scalars(db.select(Allocation).filter_by(role=MarkingRole.FIRST)).one()
    return allocation.marker.email, allocation.candidate_number


def words(n: int) -> str:
    """n distinct words, as typed into the editor."""
    return " ".join(f"idea{i}" for i in range(n))
