"""Every request counted and timed by its route (metrics.py)."""

import time

from flask import Flask, Response, g, request

from .. import metrics

UNMATCHED = "<unmatched>"  # a path no route has: one series, whatever was asked for
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def register(app: Flask) -> None:
    """Registered before the request's commit (request_transaction.py) so the time includes it:
    after_request hooks run in the reverse of their order. The clock starts with the request id
    (logs.py), the first hook."""
    # Each (route, method, status)'s counter and histogram series, looked up once rather than
    # by labels() on every request: a handful of routes, methods and statuses, so a few hundred.
    series: dict[tuple, tuple] = {}

    @app.after_request
    def _count(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
        method = request.method if request.method in _METHODS else "OTHER"
        key = (route, method, response.status_code)
        if (found := series.get(key)) is None:
            found = series[key] = (metrics.REQUESTS.labels(route, method, str(key[2])),
                                   metrics.LATENCY.labels(route, method))
        found[0].inc()
        if "request_started" in g:
            found[1].observe(time.perf_counter() - g.request_started)
        return response
