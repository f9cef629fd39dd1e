"""Outcomes out: the outbox of calls to the DfE, sent by the scheduler's duty (send_to_dfe)
to a DfE that checks every exchange against the published contract."""

import json
from datetime import timedelta

import httpx
from dfe.conftest import COMPLETED, RESULTS, SAM_DFE, release, report

from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import DfeCall, Role, User
from assessment_app.scheduling import send_to_dfe
from assessment_app.services import dfe_outbox


def sent(fake) -> list[tuple[str, str]]:
    return [(r.method, r.url.path) for r in fake.requests]


def declared(fake) -> list[bool]:
    return [json.loads(r.content)["data"]["attributes"]["has_passed"]
            for r in fake.requests if r.method == "POST"]


def test_nothing_is_sent_before_the_results_are_released(app, world, fake, clock):
    """A fail recorded at the deadline (not submitted) waits for the window's results."""
    with app.app_context():
        report(world.sam, "not_submitted", COMPLETED, RESULTS - timedelta(days=60))
        send_to_dfe(RESULTS - timedelta(minutes=1))
        assert fake.requests == []
        release(world.window_id)
        send_to_dfe(RESULTS)
        assert declared(fake) == [False]
        body = json.loads(fake.requests[0].content)["data"]["attributes"]
        assert body == {"participant_id": SAM_DFE, "declaration_type": "completed",
                        "declaration_date": "2027-02-10T09:00:00Z",
                        "course_identifier": "npq-leading-teaching-development",
                        "has_passed": False}


def test_a_release_waits_for_its_set_time_even_when_recorded(app, world, fake):
    with app.app_context():
        report(world.sam, "passed", COMPLETED, RESULTS)
        release(world.window_id)
        send_to_dfe(RESULTS - timedelta(seconds=1))
        assert fake.requests == []


def test_the_same_outcome_seen_again_is_queued_and_sent_once(app, world, fake):
    with app.app_context():
        release(world.window_id)
        for _ in range(3):
            report(world.sam, "passed", COMPLETED, RESULTS)
        assert DfeCall.query.count() == 1
        send_to_dfe(RESULTS)
        send_to_dfe(RESULTS + timedelta(hours=1))
        assert declared(fake) == [True]
        call = DfeCall.query.one()
        assert call.done_at == RESULTS and call.dfe_declaration_id in fake.declarations


def test_no_call_for_a_participant_the_dfe_has_not_linked(app, world, fake):
    with app.app_context():
        release(world.window_id)
        report(world.jo, "passed", COMPLETED, RESULTS)
        assert DfeCall.query.count() == 0


def test_a_crash_between_sending_and_recording_never_sends_twice(app, world, fake):
    """The start is committed before the call goes. If the process dies after the DfE took the
    declaration but before the answer was recorded, the next run finds the declaration at the
    DfE and adopts it instead of declaring again."""
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        call_id = DfeCall.query.one().id
        assert dfe_outbox.start(call_id, RESULTS) is False
        db.session.commit()
        fake.client().declare_completed(SAM_DFE, "npq-leading-teaching-development", COMPLETED,
                                        True)  # ... and the process died here
        db.session.rollback()
        send_to_dfe(RESULTS + timedelta(minutes=5))
        assert len(fake.declarations) == 1
        call = db.session.get(DfeCall, call_id)
        assert call.done_at is not None and call.started_at is None
        assert call.dfe_declaration_id == next(iter(fake.declarations))
        assert sent(fake)[-1] == ("GET", "/api/v3/participant-declarations")


def test_an_answer_lost_on_the_way_back_is_found_not_sent_again(app, world, fake):
    with app.app_context():
        release(world.window_id)
        report(world.sam, "failed", COMPLETED, RESULTS)
        fake.lose_answers = 1
        send_to_dfe(RESULTS)
        call = DfeCall.query.one()
        assert call.done_at is None and call.started_at is not None  # in doubt
        assert "could not be reached" in call.last_error
        send_to_dfe(RESULTS + timedelta(minutes=2))
        assert len(fake.declarations) == 1 and call.done_at is not None
        assert declared(fake) == [False]


def test_failures_are_retried_with_growing_waits_and_keep_the_dfes_words(app, world, fake):
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        refusal = {"errors": [{"title": "participant_id", "detail": "The participant has "
                                                                    "withdrawn."}]}
        fake.failures = [httpx.Response(422, json=refusal) for _ in range(3)]
        send_to_dfe(RESULTS)
        call = DfeCall.query.one()
        assert call.last_error == "422 participant_id: The participant has withdrawn."
        assert call.started_at is None  # refused: it did nothing at the DfE
        assert dfe_outbox.failing() == [call]
        waits = []
        moment = RESULTS
        for _ in range(3):
            waits.append(call.send_after - moment)
            before = len(fake.requests)
            send_to_dfe(call.send_after - timedelta(seconds=1))
            assert len(fake.requests) == before  # not before its wait is over
            moment = call.send_after
            send_to_dfe(moment)
            assert len(fake.requests) == before + 1
        assert waits == [timedelta(minutes=2), timedelta(minutes=4), timedelta(minutes=8)]
        assert call.done_at == moment and call.last_error is None
        assert dfe_outbox.failing() == []


def test_a_refused_token_stops_the_run(app, world, fake):
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        jo = db.session.get(User, world.jo)
        jo.dfe_participant_id = "0b7a8e6e-4c3d-4e5f-9a1b-2c3d4e5f6a7b"
        report(world.jo, "failed", COMPLETED, RESULTS)
        fake.failures = [httpx.Response(401, json={"error": "HTTP Token: Access denied"})]
        send_to_dfe(RESULTS)
        assert len(fake.requests) == 1
        assert DfeCall.query.filter(DfeCall.last_error.is_not(None)).one().last_error == \
            "401 HTTP Token: Access denied"


def test_an_amendment_voids_the_original_then_sends_the_new_one(app, world, fake):
    """Passed, sent; amended to failed: the void goes first and the new declaration only
    once the void is done, even when the void fails at first."""
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        send_to_dfe(RESULTS)
        amended_on = RESULTS + timedelta(days=20)
        report(world.sam, "failed", amended_on, amended_on)
        fake.failures = [httpx.Response(503, json={"error": "Service unavailable"})]
        send_to_dfe(amended_on)
        assert sent(fake)[-1][0] == "PUT" and declared(fake) == [True]  # nothing new yet
        send_to_dfe(amended_on + timedelta(hours=1))
        original, void, new = DfeCall.query.order_by(DfeCall.id).all()
        assert (void.action, void.voids_id, new.after_id) == ("void", original.id, void.id)
        methods = [m for m, _ in sent(fake)]
        assert methods == ["POST", "PUT", "GET", "PUT", "POST"]  # the void checked, then done
        assert declared(fake) == [True, False]
        assert [d["attributes"]["state"] for d in fake.declarations.values()] == [
            "voided", "submitted"]
        assert {o["attributes"]["state"] for o in fake.outcomes(SAM_DFE)} == {"voided", "failed"}


def test_an_amendment_goes_only_after_the_original(app, world, fake):
    """The original keeps failing: neither its void nor the new declaration goes before it."""
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        fake.failures = [httpx.Response(500, json={"error": "Internal error"})]
        send_to_dfe(RESULTS)  # a server error: it may have been done, so it is in doubt
        report(world.sam, "failed", RESULTS, RESULTS + timedelta(minutes=1))
        assert [c.action for c in DfeCall.query.order_by(DfeCall.id)] == [
            "declare", "void", "declare"]
        send_to_dfe(RESULTS + timedelta(minutes=1))
        assert len(fake.requests) == 1  # the original's wait is not over: nothing else goes
        send_to_dfe(RESULTS + timedelta(minutes=3))
        assert sent(fake)[1:] == [("GET", "/api/v3/participant-declarations"),
                                  ("POST", "/api/v3/participant-declarations"),
                                  ("PUT", sent(fake)[3][1]),
                                  ("POST", "/api/v3/participant-declarations")]
        assert sent(fake)[3][1].endswith("/void")
        assert declared(fake) == [True, True, False]  # the first was answered with a 500
        assert [d["attributes"]["state"] for d in fake.declarations.values()] == [
            "voided", "submitted"]


def test_an_outcome_changed_before_it_was_sent_is_replaced_not_voided(app, world, fake):
    with app.app_context():
        report(world.sam, "passed", COMPLETED, RESULTS - timedelta(days=1))
        report(world.sam, "failed", COMPLETED, RESULTS - timedelta(hours=1))
        release(world.window_id)
        send_to_dfe(RESULTS)
        first, second = DfeCall.query.order_by(DfeCall.id).all()
        assert first.cancelled_at is not None and first.attempts == 0
        assert second.done_at == RESULTS and second.after_id is None
        assert declared(fake) == [False] and sent(fake) == [
            ("POST", "/api/v3/participant-declarations")]


def test_a_voided_outcome_voids_the_declaration_and_declares_nothing_new(app, world, fake):
    with app.app_context():
        release(world.window_id)
        report(world.sam, "failed", COMPLETED, RESULTS)
        send_to_dfe(RESULTS)
        report(world.sam, "voided", RESULTS + timedelta(days=3), RESULTS + timedelta(days=3))
        send_to_dfe(RESULTS + timedelta(days=3))
        assert [c.action for c in DfeCall.query.order_by(DfeCall.id)] == ["declare", "void"]
        assert [d["attributes"]["state"] for d in fake.declarations.values()] == ["voided"]


def test_a_void_whose_answer_was_lost_is_not_sent_again(app, world, fake):
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        send_to_dfe(RESULTS)
        report(world.sam, "voided", RESULTS, RESULTS + timedelta(days=1))
        fake.lose_answers = 1
        send_to_dfe(RESULTS + timedelta(days=1))
        send_to_dfe(RESULTS + timedelta(days=1, minutes=2))
        void = DfeCall.query.filter_by(action="void").one()
        assert void.done_at is not None
        assert [m for m, _ in sent(fake)] == ["POST", "PUT", "GET"]  # checked, not voided again


def test_the_scheduler_sends_the_dfe_calls_every_minute(app, world, fake, clock, monkeypatch):
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
    monkeypatch.setattr(scheduling, "_app", app)
    clock.at(RESULTS)
    scheduling.sync_windows()
    assert declared(fake) == [True]
    with app.app_context():
        assert DfeCall.query.one().done_at == RESULTS


def test_two_processes_queuing_the_same_change_leave_one_call(app, world, fake):
    """The second finds the key taken: its own row alone is undone, the rest of its work goes on."""
    with app.app_context():
        report(world.sam, "passed", COMPLETED, RESULTS)
        first = DfeCall.query.one()
        entry = first.entry
        other_work = User(email="kept@example.org", name="Kept", role=Role.PARTICIPANT)
        db.session.add(other_work)
        dfe_outbox._queue_one(entry, SAM_DFE, [], RESULTS)  # it has not seen the first call
        db.session.commit()
        assert DfeCall.query.one().id == first.id
        assert User.query.filter_by(email="kept@example.org").count() == 1
