"""Structured logs: JSON lines carrying the request's id (the caller's X-Request-ID when well
formed, else a new one, sent back either way), and never a response's text, a password, a
password link's token or an EC claim's detail."""

import io
import json
import logging
import re

import pytest
from factories import PASSWORD, make_user
from lives.test_eligibility_pages import claim_form
from moments import DURING
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from assessment_app.extensions import db
from assessment_app.logs import JsonFormatter
from assessment_app.models import EcClaim, OutboxMessage, Role
from assessment_app.services import accounts


@pytest.fixture
def log_output():
    """Everything logged while the test runs, formatted as the app's stderr handler does."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def request_lines(stream, request_id: str) -> list[dict]:
    return [line for line in lines(stream) if line.get("request_id") == request_id]


def test_a_sign_in_is_logged_with_its_request_id_and_never_its_password(app, client, log_output):
    with app.app_context():
        sam = make_user(email="sam@example.org").id
    wrong = client.post("/login", data={"email": "sam@example.org", "password": "not-it-9f3k"},
                        headers={"X-Request-ID": "lb-sign-in-1"})
    right = client.post("/login", data={"email": "sam@example.org", "password": PASSWORD},
                        headers={"X-Request-ID": "lb-sign-in-2"})
    assert (wrong.status_code, right.status_code) == (200, 302)
    assert wrong.headers["X-Request-ID"] == "lb-sign-in-1"
    (line,) = request_lines(log_output, "lb-sign-in-2")
    assert (line["route"], line["method"], line["status"]) == ("/login", "POST", 302)
    assert line["user_id"] == str(sam)  # who signed in, by id alone
    assert request_lines(log_output, "lb-sign-in-1")
    for secret in (PASSWORD, "not-it-9f3k", "sam@example.org"):
        assert secret not in log_output.getvalue()


def test_a_submission_is_logged_without_its_text(app, journey, log_output):
    journey.at(DURING)
    response_text = "Brookside's mentoring plan, written by Sam alone: zephyr-quartz."
    draft = journey.client.post(journey.url("/draft"), data={"text": "A draft: umber-kestrel."},
                                headers={"X-Request-ID": "lb-draft-1"})
    submitted = journey.client.post(
        journey.url("/response"), headers={"X-Request-ID": "lb-submit-1"},
        data={"text": response_text, "client_token": "t-1", "declaration": "y"})
    assert (draft.status_code, submitted.status_code) == (200, 302)
    (line,) = request_lines(log_output, "lb-submit-1")
    assert line["route"] == "/assessments/<int:entry_id>/response"
    assert line["user_id"] == str(journey.participant_id)
    assert request_lines(log_output, "lb-draft-1")
    for secret in ("zephyr-quartz", "umber-kestrel", "Brookside"):
        assert secret not in log_output.getvalue()


def test_an_ec_claim_is_logged_without_its_detail(app, journey, log_output):
    journey.at(DURING)
    form = {**claim_form([(io.BytesIO(b"%PDF-1.7 letter"), "oncology-letter.pdf")]),
            "description": "Chemotherapy began on the Monday: saffron-otter."}
    sent = journey.client.post(journey.url("/circumstances"), data=form,
                               content_type="multipart/form-data",
                               headers={"X-Request-ID": "lb-claim-1"})
    assert sent.status_code == 302
    with app.app_context():
        assert EcClaim.query.count() == 1
    (line,) = request_lines(log_output, "lb-claim-1")
    assert line["route"] == "/assessments/<int:entry_id>/circumstances"
    for secret in ("saffron-otter", "Chemotherapy", "oncology-letter", "%PDF"):
        assert secret not in log_output.getvalue()


def test_a_password_links_token_is_logged_as_its_rule_not_its_path(app, client, log_output,
                                                                  clock):
    clock.at(DURING)
    with app.app_context():
        accounts.issue_password_link(make_user(Role.MARKER), DURING, first_time=True)
        db.session.commit()
        token = re.search(r"/password/(\S+)", OutboxMessage.query.one().body)[1]
    assert client.get(f"/password/{token}").status_code == 200
    assert token not in log_output.getvalue()
    assert any(line.get("route") == "/password/<token>" for line in lines(log_output))


@pytest.mark.parametrize("given", ["", "has space", "semi;colon", "x" * 129, "-leading-dash",
                                   "é-accented"])
def test_a_missing_or_malformed_request_id_is_replaced_by_a_new_one(client, log_output, given):
    response = client.get("/healthz", headers={"X-Request-ID": given} if given else {})
    made = response.headers["X-Request-ID"]
    assert made != given and len(made) == 32 and int(made, 16) >= 0
    assert [line["request_id"] for line in lines(log_output)
            if line.get("route") == "/healthz"] == [made]


def test_each_request_gets_its_own_id(client):
    ids = {client.get("/healthz").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_database_error_never_shows_the_values_it_was_sent(app, log_output):
    """SQL errors hide their parameters (settings.py), so a logged failure cannot carry a
    response's text or an EC claim's detail."""
    with app.app_context():
        with pytest.raises(DBAPIError) as failed:
            db.session.execute(text("SELECT :detail FROM no_such_table"),
                               {"detail": "a private diagnosis: ochre-heron"})
        db.session.rollback()
        logging.getLogger("assessment_app").error("query failed", exc_info=failed.value)
    assert "ochre-heron" not in str(failed.value)
    assert "ochre-heron" not in log_output.getvalue()
    assert lines(log_output)[-1]["exception"].startswith("Traceback")


def test_the_development_servers_request_lines_are_dropped_and_its_other_lines_kept(
        app, log_output):
    """Werkzeug logs each request with its raw path (a password link's token included)."""
    from werkzeug._internal import _log

    _log("info", '127.0.0.1 - - [26/Nov/2026 14:30:00] "%s" %s %s',
         "GET /password/a-secret-token HTTP/1.1", 200, "-")
    _log("info", " * Running on http://127.0.0.1:5000")
    assert "a-secret-token" not in log_output.getvalue()
    assert [line["message"] for line in lines(log_output)] == [
        " * Running on http://127.0.0.1:5000"]
