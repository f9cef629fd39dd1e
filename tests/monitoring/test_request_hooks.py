"""The hooks every request passes through (the log line, the request metrics, the compression
check) made cheap for deadline night (issue 24) without changing what they write."""

import json
import random
from datetime import UTC, datetime

from prometheus_client import REGISTRY

from assessment_app import page_compression
from assessment_app.logs import JsonFormatter, _utc_time


def test_the_log_lines_time_is_written_as_datetime_writes_it():
    """Rounded to the microsecond (half to even), then cut to the millisecond, in UTC."""
    rng = random.Random(24)
    moments = [0.0, 0.0005, 0.9999995, 1606130207.135, 1764979199.9995, 1764979199.99999951,
               *(rng.uniform(0, 4e9) for _ in range(20_000)),
               *(rng.randrange(4 * 10**15) / 1e6 for _ in range(20_000))]
    for moment in moments:
        expected = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
        assert _utc_time(moment) == expected, moment


def test_a_request_line_names_its_logger_level_and_fields(client, caplog):
    """Made directly (no walk of the stack), it still passes through the logger's handlers."""
    with caplog.at_level("INFO", logger="assessment_app.requests"):
        client.get("/healthz", headers={"X-Request-ID": "hooks-1"})
    (record,) = [r for r in caplog.records if r.name == "assessment_app.requests"]
    assert (record.levelname, record.getMessage(), record.route, record.status) == (
        "INFO", "request", "/healthz", 200)
    with client.application.test_request_context():
        line = json.loads(JsonFormatter().format(record))
    assert line["time"] == datetime.fromtimestamp(record.created, UTC).isoformat(
        timespec="milliseconds")
    assert (line["logger"], line["route"]) == ("assessment_app.requests", "/healthz")


def _requests(status: str) -> float:
    return REGISTRY.get_sample_value("assessment_http_requests_total", {
        "route": "/healthz", "method": "GET", "status": status}) or 0.0


def test_each_request_moves_its_own_series_however_often_it_is_seen(client):
    """The series are looked up once per (route, method, status) and counted every time."""
    before, timed = _requests("200"), REGISTRY.get_sample_value(
        "assessment_http_request_duration_seconds_count",
        {"route": "/healthz", "method": "GET"}) or 0.0
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert _requests("200") == before + 3
    assert REGISTRY.get_sample_value("assessment_http_request_duration_seconds_count", {
        "route": "/healthz", "method": "GET"}) == timed + 3


def test_a_redirect_is_never_handed_to_flask_compress_and_still_varies(client, monkeypatch):
    """Flask-Compress leaves anything but a 2xx as it is, so it is not asked; caches still key
    the answer on both headers."""
    handed = []
    monkeypatch.setattr(page_compression.compress, "after_request",
                        lambda response: handed.append(response.status_code) or response)
    headers = {"Accept-Encoding": "gzip", "Sec-Fetch-Site": "same-origin"}
    redirect = client.get("/", headers=headers)
    assert redirect.status_code == 302 and handed == []
    assert {"Accept-Encoding", "Sec-Fetch-Site"} <= set(redirect.headers["Vary"].split(", "))
    assert client.get("/healthz", headers=headers).status_code == 200
    assert handed == [200]
