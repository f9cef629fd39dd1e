"""Results released while extensions still run: an attempt that was open or unmarked at the
window's release is released by itself once its own checking is complete, with its outcome and
completion date recorded for the DfE return and one notice, never partially (a fail waits for its
second mark, a sampled pass for its second marker) and never shown before it is recorded."""

from datetime import UTC, date, datetime, timedelta

import pytest
from factories import PASSWORD, login, make_entry, make_user, make_window
from marking.conftest import AFTER_CLOSE, add_marker
from moments import CLOSED, DURING

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import (
    Allocation,
    AuditEvent,
    Entry,
    MarkingRole,
    OutboxMessage,
    Role,
    SecondMarkingSample,
    User,
)
from assessment_app.rubrics import load_rubric
from assessment_app.services import (
    checking,
    deadline_extensions,
    exports,
    marks,
    results,
    submissions,
)
from assessment_app.services.mark_input import MarkInput
from assessment_app.settings import PROJECT_ROOT

RUBRIC = load_rubric(PROJECT_ROOT / "rubrics" / "npqltd.yaml")
PASS = {c.id: "strong" for c in RUBRIC.criteria}
FAIL = {c.id: "not_evident" for c in RUBRIC.criteria}
# The extension runs to the window's deadline time on 4 December (GMT): 23:59:59 is in time.
EXTENDED_LAST_SECOND = datetime(2026, 12, 4, 23, 59, 59, tzinfo=UTC)
EXTENDED_CLOSED = datetime(2026, 12, 5, 0, 0, 0, tzinfo=UTC)
ON_TIME, EXTENDED = ["sam", "jo", "lee", "max"], ["alex", "kim"]
PEOPLE = ON_TIME + EXTENDED  # in the order their entries are made: Alex's and Kim's ids are last


@pytest.fixture
def window_with_extensions(app, clock):
    """Sam, Jo, Lee and Max submit in the window; Alex and Kim are given an extension to
    4 December."""
    clock.at(datetime(2026, 11, 1, tzinfo=UTC))
    with app.app_context():
        admin = make_user(Role.ADMIN, email="boss@example.org")
        window = make_window(admin=admin)
        window.second_marking_percent = 0
        entries = {p: make_entry(window, make_user(email=f"{p}@example.org", name=p.title()))
                   for p in PEOPLE}
        add_marker("Martin Doyle", "m1@example.org")
        add_marker("Nina Patel", "m2@example.org")
        clock.at(DURING)
        for p in ON_TIME:
            submissions.submit(entries[p], f"{p}'s response.", declaration=True,
                               client_token=p, at=DURING)
        deadline_extensions.grant([entries["alex"], entries["kim"]], date(2026, 12, 4),
                                 "Illness during the window", admin, DURING)
        db.session.commit()
        return {p: e.id for p, e in entries.items()} | {"window": window.id, "admin": admin.id}


def sync(app, clock, at):
    scheduling._app = app
    clock.at(at)
    scheduling.sync_windows()


def mark_all(role, at, levels):
    """Submit a mark with `levels` on every live allocation of `role` still unmarked."""
    for allocation in Allocation.query.filter_by(role=role).all():
        if allocation.mark is None and allocation.status != "returned":
            marks.save_mark(allocation, MarkInput(levels=levels(allocation.entry)), at,
                            submit=True)


def participant(app, clock, name, at):
    clock.at(at)
    client = app.test_client()
    login(client, f"{name}@example.org", PASSWORD)
    return client


def sees_result(app, clock, ids, name, at) -> bool:
    """Whether the participant is offered and can open their result (never one without the other)."""
    client = participant(app, clock, name, at)
    offered = b"Your result is available" in client.get(f"/assessments/{ids[name]}").data
    status = client.get(f"/assessments/{ids[name]}/result").status_code
    assert offered == (status == 200)
    return offered


def recorded(name_ids):
    return {p: (e.outcome, e.completed_at) for p, e in
            ((p, db.session.get(Entry, i)) for p, i in name_ids.items())}


def notices(name):
    return OutboxMessage.query.filter_by(kind="results_released", to=f"{name}@example.org").count()


def test_attempts_open_at_the_release_are_released_when_complete_with_their_record(
        app, clock, window_with_extensions):
    ids = window_with_extensions
    people = {p: ids[p] for p in PEOPLE}
    sync(app, clock, CLOSED)
    with app.app_context():
        window = db.session.get(Entry, ids["sam"]).window
        mark_all(MarkingRole.FIRST, AFTER_CLOSE, lambda e: PASS)
        # Released while Alex's and Kim's extensions still run.
        results.release_results(window, AFTER_CLOSE, db.session.get(User, ids["admin"]), AFTER_CLOSE)
        db.session.commit()  # as the request does
        assert recorded(people) == ({p: ("passed", AFTER_CLOSE) for p in ON_TIME}
                                    | {p: (None, None) for p in EXTENDED})
    assert sees_result(app, clock, ids, "sam", AFTER_CLOSE)
    assert not sees_result(app, clock, ids, "alex", AFTER_CLOSE)

    # Their extensions still take submissions to the last second.
    with app.app_context():
        for p in ("alex", "kim"):
            submissions.submit(db.session.get(Entry, ids[p]), f"{p}'s late response.",
                               declaration=True, client_token=p, at=EXTENDED_LAST_SECOND)
        db.session.commit()  # as the request does
    sync(app, clock, EXTENDED_LAST_SECOND)
    with app.app_context():
        assert Allocation.query.filter(Allocation.entry_id.in_([ids["alex"], ids["kim"]])).count() == 0
    sync(app, clock, EXTENDED_CLOSED)
    with app.app_context():
        assert Allocation.query.filter(Allocation.entry_id.in_([ids["alex"], ids["kim"]]),
                                       Allocation.role == MarkingRole.FIRST).count() == 2
        marked_at = EXTENDED_CLOSED + timedelta(hours=10)
        mark_all(MarkingRole.FIRST, marked_at,
                 lambda e: FAIL if e.participant.email.startswith("kim") else PASS)
        db.session.commit()  # as the request does
    # Marked but not yet recorded: nothing is shown without its record.
    assert not sees_result(app, clock, ids, "alex", marked_at)

    first_sync = marked_at + timedelta(minutes=1)
    sync(app, clock, first_sync)
    with app.app_context():
        got = recorded(people)
        assert got["alex"] == ("passed", first_sync)
        # Kim's fail waits for its second mark: never released partially.
        assert got["kim"] == (None, None)
        assert Allocation.query.filter_by(entry_id=ids["kim"], role=MarkingRole.SECOND).count() == 1
        assert (notices("alex"), notices("kim")) == (1, 0)
        return_csv = "".join(exports.dfe_return_csv(db.session.get(Entry, ids["sam"]).window))
        assert "alex@example.org,Alex,NPQLTD,Autumn 2026,passed,2026-12-05" in return_csv
        assert "kim@example.org" not in return_csv
    assert sees_result(app, clock, ids, "alex", first_sync)
    assert not sees_result(app, clock, ids, "kim", first_sync)

    second_marked = first_sync + timedelta(days=1)
    with app.app_context():
        mark_all(MarkingRole.SECOND, second_marked, lambda e: FAIL)
        db.session.commit()  # as the request does
    assert not sees_result(app, clock, ids, "kim", second_marked)
    sync(app, clock, second_marked + timedelta(minutes=1))
    sync(app, clock, second_marked + timedelta(minutes=2))  # a second run records nothing twice
    with app.app_context():
        assert recorded(people)["kim"] == ("failed", second_marked + timedelta(minutes=1))
        assert [notices(p) for p in PEOPLE] == [1] * len(PEOPLE)
        late = AuditEvent.query.filter_by(action="results.released").order_by(AuditEvent.id).all()
        assert [(e.detail["entries"], e.detail.get("after_window_release")) for e in late] == [
            (len(ON_TIME), None), (1, True), (1, True)]
        assert "kim@example.org,Kim,NPQLTD,Autumn 2026,failed,2026-12-06" in "".join(
            exports.dfe_return_csv(db.session.get(Entry, ids["sam"]).window))
    assert sees_result(app, clock, ids, "kim", second_marked + timedelta(minutes=1))


def test_a_pass_marked_after_the_release_still_faces_the_second_marking_sample(
        app, clock, window_with_extensions):
    """With every script sampled, Alex's late pass is drawn for second marking and recorded only
    once the second marker agrees."""
    ids = window_with_extensions
    sync(app, clock, CLOSED)
    with app.app_context():
        window = db.session.get(Entry, ids["sam"]).window
        window.second_marking_percent = 100
        db.session.commit()
        mark_all(MarkingRole.FIRST, AFTER_CLOSE, lambda e: PASS)
        checking.draw_second_marking_sample(window, AFTER_CLOSE)
        mark_all(MarkingRole.SECOND, AFTER_CLOSE, lambda e: PASS)
        results.release_results(window, AFTER_CLOSE, db.session.get(User, ids["admin"]), AFTER_CLOSE)
        submissions.submit(db.session.get(Entry, ids["alex"]), "Alex's late response.",
                           declaration=True, client_token="alex", at=AFTER_CLOSE)
        db.session.commit()  # as the request does
    sync(app, clock, EXTENDED_CLOSED)
    with app.app_context():
        mark_all(MarkingRole.FIRST, EXTENDED_CLOSED, lambda e: PASS)
        db.session.commit()  # as the request does
    sync(app, clock, EXTENDED_CLOSED + timedelta(minutes=1))
    with app.app_context():
        assert db.session.get(Entry, ids["alex"]).outcome is None
        assert Allocation.query.filter_by(entry_id=ids["alex"], role=MarkingRole.SECOND).count() == 1
    assert not sees_result(app, clock, ids, "alex", EXTENDED_CLOSED + timedelta(minutes=1))
    with app.app_context():
        mark_all(MarkingRole.SECOND, EXTENDED_CLOSED + timedelta(hours=1), lambda e: PASS)
        db.session.commit()  # as the request does
    sync(app, clock, EXTENDED_CLOSED + timedelta(hours=1, minutes=1))
    with app.app_context():
        assert db.session.get(Entry, ids["alex"]).outcome == "passed"
    assert sees_result(app, clock, ids, "alex", EXTENDED_CLOSED + timedelta(hours=1, minutes=1))


class FirstChoices:
    """A stand-in for random.Random whose sample is the first k (the lowest entry ids)."""

    def __init__(self, seed=None):
        pass

    def sample(self, population, k):
        return list(population)[:k]


def test_a_result_already_released_is_never_drawn_for_second_marking_afterwards(
        app, clock, window_with_extensions, monkeypatch):
    """Half of each marker's scripts are sampled. When Alex's late script joins a marker's two
    released ones, the share grows by one: it is Alex's script that is drawn (the only one still
    open), never a released result, however the draw falls (here: lowest ids first)."""
    monkeypatch.setattr(checking.random, "Random", FirstChoices)
    ids = window_with_extensions
    released = [ids[p] for p in ON_TIME]
    sync(app, clock, CLOSED)
    with app.app_context():
        window = db.session.get(Entry, ids["sam"]).window
        window.second_marking_percent = 50
        db.session.commit()
        mark_all(MarkingRole.FIRST, AFTER_CLOSE, lambda e: PASS)
        checking.draw_second_marking_sample(window, AFTER_CLOSE)
        mark_all(MarkingRole.SECOND, AFTER_CLOSE, lambda e: PASS)
        results.release_results(window, AFTER_CLOSE, db.session.get(User, ids["admin"]), AFTER_CLOSE)
        drawn_at_release = {s.entry_id for s in SecondMarkingSample.query}
        assert len(drawn_at_release) == 2 and drawn_at_release <= set(released)
        submissions.submit(db.session.get(Entry, ids["alex"]), "Alex's late response.",
                           declaration=True, client_token="alex", at=AFTER_CLOSE)
        db.session.commit()  # as the request does
    sync(app, clock, EXTENDED_CLOSED)
    with app.app_context():
        mark_all(MarkingRole.FIRST, EXTENDED_CLOSED, lambda e: PASS)
        db.session.commit()  # as the request does
    sync(app, clock, EXTENDED_CLOSED + timedelta(minutes=1))
    with app.app_context():
        assert {s.entry_id for s in SecondMarkingSample.query} == drawn_at_release | {ids["alex"]}
        second = {a.entry_id for a in Allocation.query.filter_by(role=MarkingRole.SECOND)}
        assert second == drawn_at_release | {ids["alex"]}
        assert db.session.get(Entry, ids["alex"]).outcome is None
