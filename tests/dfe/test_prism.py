"""End to end against a mock DfE generated from the published contract: Prism
(@stoplight/prism-cli, in package.json), on a loopback port, started and stopped by its PID.

Prism answers with data it generates from the file's schemas (--dynamic: the file's own examples
break its own schemas, e.g. a statement id that is not a UUID) and refuses any request that
breaks them (--errors), so the client and the app's duty are tested against the contract
itself, not against what we believe it says; ContractTransport checks Prism's answers too.
"""

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime

import httpx
import pytest
from dfe.conftest import COMPLETED, RESULTS, release, report
from dfe.contract_transport import ContractTransport
from loopback import free_port

from assessment_app.dfe.client import DfeClient
from assessment_app.dfe.contract import normalised
from assessment_app.extensions import db
from assessment_app.models import DfeCall, DfeParticipantFetch, User
from assessment_app.npqs import NPQ_CODES
from assessment_app.scheduling import send_to_dfe
from assessment_app.services import dfe_people
from assessment_app.settings import PROJECT_ROOT

PRISM = PROJECT_ROOT / "node_modules" / ".bin" / "prism"
TOKEN = "prism-token"
SOMEONE = "7a8fef46-3c43-42c0-b3d5-1ba5904ba562"


@pytest.fixture(scope="module")
def prism(tmp_path_factory):
    """Prism serving the normalised contract; its URL. Stopped by the PID it was started with
    (its own process group, so nothing it started outlives the tests). A port another process
    took between choosing and binding (the suite runs in parallel) is tried again."""
    assert PRISM.exists(), "run `npm ci` first: the DfE mock server comes from package.json"
    folder = tmp_path_factory.mktemp("prism")
    (folder / "contract.json").write_text(json.dumps(normalised()))
    for _ in range(3):
        port = free_port()
        process, listening = _start_prism(folder, port)
        if listening:
            break
        assert "EADDRINUSE" in (folder / "prism.log").read_text(), \
            (folder / "prism.log").read_text()[-2000:]
    else:
        pytest.fail("no free port for Prism", pytrace=False)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


def _start_prism(folder, port: int) -> tuple[subprocess.Popen, bool]:
    """Prism on `port`, and whether it listens (False: it stopped, e.g. the port was taken)."""
    with (folder / "prism.log").open("w") as log:
        process = subprocess.Popen(
            [str(PRISM), "mock", "--dynamic", "--errors", "--host", "127.0.0.1", "--port",
             str(port), str(folder / "contract.json")], stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    deadline = time.monotonic() + 60
    while "Prism is listening" not in (folder / "prism.log").read_text():
        if process.poll() is not None:
            _stop(process)
            return process, False
        assert time.monotonic() < deadline, (folder / "prism.log").read_text()[-2000:]
        time.sleep(0.2)
    return process, True


def _stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:  # it stopped by itself, with all it started
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def checked_client(url: str) -> tuple[DfeClient, ContractTransport]:
    transport = ContractTransport(httpx.HTTPTransport())
    return DfeClient(url, TOKEN, transport=transport), transport


def test_each_call_we_make_is_taken_by_the_dfes_contract(prism):
    client, transport = checked_client(prism)
    with client:
        list(client.participants(datetime(2026, 5, 1, tzinfo=UTC)))
        made = client.declare_completed(SOMEONE, "npq-leading-teaching-development",
                                        datetime(2027, 2, 10, 9, tzinfo=UTC), True)
        client.void_declaration(made["id"])
        client.declaration(made["id"])
        client.declarations(SOMEONE)
        client.outcomes(SOMEONE)
    assert [(r.method, r.url.path.rsplit("/", 1)[-1]) for r, _ in transport.exchanges] == [
        ("GET", "npq"), ("POST", "participant-declarations"), ("PUT", "void"),
        ("GET", made["id"]), ("GET", "participant-declarations"), ("GET", "outcomes")]
    assert all(response.status_code == 200 for _, response in transport.exchanges)


def test_the_mock_refuses_what_breaks_the_contract(prism):
    """So a client that broke the contract would fail here: has_passed as a string, a course
    the DfE does not know, no token."""
    bad = {"participant_id": SOMEONE, "declaration_type": "completed",
           "declaration_date": "2027-02-10T09:00:00Z",
           "course_identifier": "npq-headship", "has_passed": "yes"}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{prism}/api/v3/participant-declarations"
    for attributes in (bad, dict(bad, has_passed=True, course_identifier="npq-knitting")):
        answer = httpx.post(url, headers=headers, json={"data": {
            "type": "participant-declaration", "attributes": attributes}})
        assert answer.status_code == 422, answer.text
    assert httpx.get(f"{prism}/api/v3/participants/npq").status_code == 401


def test_the_scheduler_sends_a_released_outcome_to_the_mock(app, world, prism):
    """The app as configured (DFE_API_BASE_URL, DFE_API_TOKEN), no test double in between."""
    app.config.update(DFE_API_BASE_URL=prism, DFE_API_TOKEN=TOKEN)
    with app.app_context():
        release(world.window_id)
        report(world.sam, "passed", COMPLETED, RESULTS)
        send_to_dfe(RESULTS)
        call = DfeCall.query.one()
        assert call.last_error is None and call.done_at == RESULTS
        assert len(call.dfe_declaration_id) == 36  # the id Prism gave the declaration


def test_participants_fetched_from_the_mock_are_kept_for_the_admin(app, world, prism):
    client, _ = checked_client(prism)
    with app.app_context(), client:
        fetched = dfe_people.fetch(client, db.session.get(User, world.admin_id), RESULTS)
        db.session.commit()
        kept = db.session.get(DfeParticipantFetch, fetched.id)
        assert {r["programme"] for r in kept.records} <= set(NPQ_CODES)
        dfe_people.plan(kept)  # whatever Prism made up, each is placed or given a reason
