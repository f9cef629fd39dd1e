"""The DfE client, its reading of participants and the course table, each exchange checked
against the DfE's published contract (ContractTransport)."""

import logging
from datetime import UTC, datetime

import httpx
import pytest
import yaml
from dfe.contract_transport import ContractTransport
from dfe.fake_dfe import FakeDfe, participant

from assessment_app.dfe.client import DfeClient, DfeError
from assessment_app.dfe.contract import SPEC_PATH
from assessment_app.dfe.courses import COURSE_TO_NPQ, NPQ_TO_COURSE
from assessment_app.dfe.participants import read
from assessment_app.npqs import NPQ_CODES

TOKEN = "secret-token-123"
IDS = [f"{n:08d}-3c43-42c0-b3d5-1ba5904ba562" for n in range(5)]


def test_participants_are_read_page_by_page_since_an_instant():
    fake = FakeDfe()
    fake.participants = [participant(i, f"Person {i}", f"p{n}@example.org", "npq-headship")
                         for n, i in enumerate(IDS)]
    got = list(fake.client(per_page=2).participants(datetime(2026, 5, 1, 12, tzinfo=UTC)))
    assert [p["id"] for p in got] == IDS
    assert [r.url.params["page[page]"] for r in fake.requests] == ["1", "2", "3"]
    assert {r.url.params["filter[updated_since]"] for r in fake.requests} == {
        "2026-05-01T12:00:00Z"}
    assert {r.headers["authorization"] for r in fake.requests} == {f"Bearer {TOKEN}"}


def test_a_request_that_breaks_the_contract_is_caught():
    """The checker is not a rubber stamp: a course the DfE does not know is refused."""
    with pytest.raises(AssertionError, match="request breaks the DfE's contract"):
        FakeDfe().client().declare_completed(IDS[0], "npq-flower-arranging",
                                             datetime(2026, 5, 1, tzinfo=UTC), True)


def test_a_response_that_breaks_the_contract_is_caught():
    transport = ContractTransport(httpx.MockTransport(
        lambda request: httpx.Response(200, json={"data": [{"id": "not-a-uuid"}]})))
    with pytest.raises(AssertionError, match="response breaks the DfE's contract"):
        DfeClient("https://dfe.test", TOKEN, transport=transport).outcomes(IDS[0])


@pytest.mark.parametrize("answer, shown", [
    (httpx.Response(422, json={"errors": [{"title": "has_passed", "detail": "is invalid"},
                                          {"title": "cohort", "detail": "no statement"}]}),
     "422 has_passed: is invalid; cohort: no statement"),
    (httpx.Response(401, json={"error": "HTTP Token: Access denied"}),
     "401 HTTP Token: Access denied"),
])
def test_the_dfes_refusal_is_kept_in_its_own_words(answer, shown):
    fake = FakeDfe()
    fake.failures = [answer]
    with pytest.raises(DfeError) as refused:
        fake.client().declare_completed(IDS[0], "npq-headship", datetime(2026, 5, 1, tzinfo=UTC),
                                        True)
    assert str(refused.value) == shown and refused.value.answered


@pytest.mark.parametrize("body", [b"<html>Maintenance</html>", b'{"errors": []}'])
def test_a_success_without_data_is_an_error_not_a_crash(body):
    """A page from a proxy, or JSON without `data`: the outbox records it and tries again."""
    client = DfeClient("https://dfe.test", TOKEN, transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=body)))
    with pytest.raises(DfeError, match="had no data"):
        client.outcomes(IDS[0])


def test_the_token_is_never_logged_shown_or_put_in_an_error(caplog):
    """Whatever happens (refused, unreachable), the token appears only in the header sent."""
    caplog.set_level(logging.DEBUG)
    fake = FakeDfe()
    fake.failures = [httpx.Response(401, json={"error": "HTTP Token: Access denied"})]
    client = fake.client()
    errors = []
    for _ in range(2):
        try:
            client.outcomes(IDS[0])
        except DfeError as error:
            errors.append(error)
    fake.lose_answers = 1
    try:
        client.outcomes(IDS[0])
    except DfeError as error:
        errors.append(error)
    unreachable = DfeClient("http://127.0.0.1:9", TOKEN, timeout=2)
    with pytest.raises(DfeError) as refused:
        unreachable.outcomes(IDS[0])
    errors.append(refused.value)
    assert len(errors) == 3 and errors[-1].status is None and not errors[-1].answered
    seen = " ".join([caplog.text, repr(client), repr(unreachable)]
                    + [f"{e} {e!r} {e.detail}" for e in errors])
    assert "HTTP Request" in caplog.text  # httpx did log its requests
    assert TOKEN not in seen


def test_every_npq_maps_to_one_dfe_course_and_back():
    contract = yaml.safe_load(SPEC_PATH.read_text())
    courses = contract["components"]["schemas"]["ParticipantOutcome"]["properties"][
        "attributes"]["properties"]["course_identifier"]["enum"]
    assert sorted(COURSE_TO_NPQ) == sorted(courses)  # every course with an outcome
    assert sorted(NPQ_TO_COURSE) == sorted(NPQ_CODES)
    assert COURSE_TO_NPQ["npq-leading-teaching-development"] == "NPQLTD"


def test_a_participant_is_read_from_their_newest_assessed_enrolment():
    raw = participant(IDS[0].upper(), "  Isabelle   MacDonald ", " Isabelle@School.example.org",
                      "npq-senco", status="deferred", earlier=[IDS[1]])
    older = dict(raw["attributes"]["npq_enrolments"][0], course_identifier="npq-headship",
                 created_at="2023-09-01T10:00:00Z", training_status="active")
    support = dict(older, course_identifier="npq-additional-support-offer",
                   created_at="2026-09-01T10:00:00Z")
    raw["attributes"]["npq_enrolments"] += [older, support]
    got = read(raw)
    assert (got.dfe_participant_id, got.name, got.email, got.programme, got.school_urn,
            got.dfe_training_status, got.earlier_ids) == (
        IDS[0], "Isabelle MacDonald", "isabelle@school.example.org", "NPQSENCO", "106286",
        "deferred", (IDS[1],))


def test_a_participant_on_a_support_offer_only_is_not_read():
    assert read(participant(IDS[0], "A B", "a@b.org", "npq-early-headship-coaching-offer")) is None
