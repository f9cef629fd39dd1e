"""Structured logs: one JSON object a line on stderr, each carrying the request's id.

The request id is the caller's X-Request-ID when it is well formed (a load balancer's, so its
log and ours can be joined), else a new one; it is sent back in the response's X-Request-ID.
Each request ends with one line: method, route (the URL rule, never the path, which may carry
a password link's token), status, time taken and the signed-in account's id. A line holds only
the fields named here, so no response text, password, token or EC detail rides in on `extra`;
messages are the app's own, and SQL errors never show their parameters (settings.py).
"""

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request, session
from flask.logging import default_handler

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}", re.ASCII)
FIELDS = ("method", "route", "status", "duration_ms", "user_id")
access_log = logging.getLogger("assessment_app.requests")


def request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


# Made once: json.dumps with `default` builds a new encoder for every line.
_ENCODE = json.JSONEncoder(default=str).encode


def _utc_time(created: float) -> str:
    """As datetime's isoformat(timespec="milliseconds") writes it (rounded to the microsecond,
    half to even, then cut to the millisecond), at a fraction of its cost."""
    seconds = int(created)
    micro = round((created - seconds) * 1e6)
    if micro == 1_000_000:
        seconds, micro = seconds + 1, 0
    return (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
            + f".{micro // 1000:03d}+00:00")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _utc_time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (rid := request_id()) is not None:
            line["request_id"] = rid
        line.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _ENCODE(line)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging's last resort does), so a
    handler made once outlives a stream swapped by a test runner or a daemon."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


class WithoutRawPaths(logging.Filter):
    """Drops the development server's request lines (werkzeug.serving's log_request), which
    carry the raw path, a password link's token included; ours carries the route instead.
    Its other lines ("Running on ...") pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).endswith('"%s" %s %s')


def register(app: Flask) -> None:
    """JSON on the root logger (once per process), the request id, and the per-request line.
    Registered before the request's commit (request_transaction.py), so its time is counted."""
    root = logging.getLogger()
    if not any(isinstance(handler, StderrHandler) for handler in root.handlers):
        root.addHandler(StderrHandler())
    root.setLevel(app.config["LOG_LEVEL"])
    app.logger.removeHandler(default_handler)  # the root's handler writes its lines
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, WithoutRawPaths) for f in werkzeug.filters):
        werkzeug.addFilter(WithoutRawPaths())

    @app.before_request
    def _request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if _WELL_FORMED.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _request_line(response: Response) -> Response:
        here = g._get_current_object()  # each proxy resolved once, as this runs on every request
        rid = here.get("request_id")
        if rid is None:  # an error before the first hook
            return response
        response.headers[HEADER] = rid
        if access_log.isEnabledFor(logging.INFO):
            asked = request._get_current_object()
            # Made and handled directly: logger.info would also walk the stack for the
            # caller's file and line, which the line never shows.
            access_log.handle(access_log.makeRecord(
                access_log.name, logging.INFO, "", 0, "request", (), None, extra={
                    "method": asked.method,
                    "route": asked.url_rule.rule if asked.url_rule is not None else None,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - here.request_started) * 1000, 1),
                    "user_id": session.get("_user_id"),
                }))
        return response
