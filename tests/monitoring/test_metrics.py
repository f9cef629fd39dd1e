"""Prometheus metrics: requests by route (the URL rule, never the path), submissions,
autosaves, queue depths and scheduler duties, served at /metrics to a bearer token only."""

import runpy
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

from factories import make_entry, make_window
from moments import DURING
from prometheus_client import REGISTRY

import assessment_app
from assessment_app import scheduling
from assessment_app.extensions import db
from assessment_app.models import DfeCall, OutboxMessage
from assessment_app.monitoring import views
from assessment_app.services import mail


def count(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_metrics_path_refuses_without_the_token(client, metrics_token):
    for headers in ({}, {"Authorization": "Bearer not-the-token"},
                    {"Authorization": f"Basic {metrics_token}"}, {"Authorization": metrics_token}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert b"assessment_" not in refused.data
    answered = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
    assert answered.status_code == 200
    assert answered.headers["Content-Type"].startswith("text/plain; version=")
    assert "Set-Cookie" not in answered.headers


def test_without_a_configured_token_there_is_no_metrics_path(client):
    """Nothing to guess: an empty token would otherwise match an empty guess."""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_a_token_of_digits_from_the_environment_still_works(app, client, monkeypatch):
    """ASSESSMENT_ variables are parsed as JSON: ASSESSMENT_METRICS_TOKEN=123456 is a number."""
    monkeypatch.setenv("ASSESSMENT_METRICS_TOKEN", "20261206")
    app.config.from_prefixed_env("ASSESSMENT")
    assert client.get("/metrics", headers={"Authorization": "Bearer 20261206"}).status_code == 200
    assert client.get("/metrics", headers={"Authorization": "Bearer 2026120"}).status_code == 401


def test_the_token_is_compared_in_constant_time(client, metrics_token, monkeypatch):
    compared = []

    def compare_digest(given, expected):
        compared.append((given, expected))
        return given == expected

    monkeypatch.setattr(views.hmac, "compare_digest", compare_digest)
    assert client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 401
    assert compared == [(b"guess", metrics_token.encode())]


def test_requests_are_counted_by_their_rule_never_their_path(app, journey, scrape):
    """An autosave to entry N is counted under /assessments/<int:entry_id>/draft; a path no
    route has is counted once as <unmatched>, whatever it was."""
    journey.at(DURING)
    assert journey.client.post(journey.url("/draft"), data={"text": "Draft."}).status_code == 200
    assert journey.client.get(f"/no-such-page/{journey.entry_id}").status_code == 404
    text = scrape()
    assert ('assessment_http_requests_total{method="POST",'
            'route="/assessments/<int:entry_id>/draft",status="200"}') in text
    assert ('assessment_http_request_duration_seconds_count{method="POST",'
            'route="/assessments/<int:entry_id>/draft"}') in text
    assert 'route="<unmatched>",status="404"' in text
    assert f"/assessments/{journey.entry_id}/" not in text
    assert "no-such-page" not in text


def test_a_submission_and_an_autosave_move_their_counters(journey):
    autosaves = count("assessment_autosaves_total")
    typed = count("assessment_submissions_total", source="typed")
    journey.at(DURING)
    assert journey.client.post(journey.url("/draft"), data={"text": "Draft."}).status_code == 200
    assert count("assessment_autosaves_total") == autosaves + 1
    assert count("assessment_submissions_total", source="typed") == typed
    assert journey.submit("My response.").status_code == 302
    assert count("assessment_submissions_total", source="typed") == typed + 1
    # The same form sent again (a double click) makes no new version and is not counted.
    assert journey.submit("My response.").status_code == 302
    assert count("assessment_submissions_total", source="typed") == typed + 1


def test_a_refused_autosave_is_not_counted(journey):
    autosaves = count("assessment_autosaves_total")
    journey.at(DURING)
    other = journey.url("/draft", entry_id=journey.other_entry_id)
    assert journey.client.post(other, data={"text": "Not mine."}).status_code == 404
    assert count("assessment_autosaves_total") == autosaves


def test_the_outbox_depths_count_what_waits_to_be_sent(app, scrape):
    with app.app_context():
        entry = make_entry(make_window(), at=DURING)
        OutboxMessage.query.update({"sent_at": DURING})  # the entry's own notice, gone
        for to in ("a@example.org", "b@example.org", "c@example.org"):
            mail.queue(to, "Subject", "Body", "test", DURING)
        sent, set_aside = (OutboxMessage.query.filter(OutboxMessage.sent_at.is_(None))
                           .order_by(OutboxMessage.id).limit(2).all())
        sent.sent_at = DURING
        set_aside.set_aside_at = DURING
        for key, done in (("waiting", {}), ("failing", {"last_error": "422"}),
                          ("sent", {"done_at": DURING}), ("cancelled", {"cancelled_at": DURING})):
            db.session.add(DfeCall(key=key, entry=entry, action="declare", has_passed=True,
                                   participant_id=str(uuid.uuid4()),
                                   course_identifier="npq-leading-teaching-development", **done))
        db.session.commit()
    text = scrape()
    assert "\nassessment_mail_outbox_depth 1.0\n" in text
    assert "\nassessment_dfe_outbox_depth 2.0\n" in text


def test_scheduler_duties_are_counted_by_kind_and_their_failures_too(app, clock, monkeypatch):
    def broken(_at):
        raise OSError("the mail server is on fire")

    monkeypatch.setattr(mail, "deliver_pending", broken)
    monkeypatch.setattr(scheduling, "_app", app)
    runs = count("assessment_scheduler_duty_runs_total", duty="mail")
    failures = count("assessment_scheduler_duty_failures_total", duty="mail")
    beats = count("assessment_scheduler_duty_runs_total", duty="heartbeat")
    clock.at(DURING)
    scheduling.sync_windows()
    clock.move(minutes=1)
    scheduling.sync_windows()
    assert count("assessment_scheduler_duty_runs_total", duty="mail") == runs + 2
    assert count("assessment_scheduler_duty_failures_total", duty="mail") == failures + 2
    assert count("assessment_scheduler_duty_runs_total", duty="heartbeat") == beats + 2
    assert count("assessment_scheduler_duty_failures_total", duty="heartbeat") == 0


COUNT_IN_A_WORKER = """
from assessment_app import metrics
for _ in range({n}):
    metrics.AUTOSAVES.inc()
metrics.REQUESTS.labels("/healthz", "GET", "200").inc({n})
"""


def test_with_a_multiprocess_dir_every_workers_counts_are_added_up(app, scrape, tmp_path,
                                                                    monkeypatch):
    """As under gunicorn -w 4: each process writes its counts to PROMETHEUS_MULTIPROC_DIR,
    and /metrics, in any of them, answers with the sum."""
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
           "PYTHONPATH": str(Path(assessment_app.__file__).parent.parent)}
    for n in (2, 3):
        subprocess.run([sys.executable, "-c", COUNT_IN_A_WORKER.format(n=n)], env=env,
                       check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = scrape()
    assert "\nassessment_autosaves_total 5.0\n" in text
    assert 'assessment_http_requests_total{method="GET",route="/healthz",status="200"} 5.0' in text
    assert "assessment_mail_outbox_depth" in text  # read from the database, as ever


def test_gunicorns_child_exit_hook_drops_a_dead_workers_live_gauges(tmp_path, monkeypatch):
    """The hook in gunicorn.conf.py, as gunicorn calls it when a worker exits."""
    hooks = runpy.run_path(str(Path(assessment_app.__file__).parent.parent / "gunicorn.conf.py"))
    live, counts = tmp_path / "gauge_livesum_4242.db", tmp_path / "counter_4242.db"
    live.touch()
    counts.touch()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    hooks["child_exit"](None, SimpleNamespace(pid=4242))
    assert not live.exists()
    assert counts.exists()  # what it counted still counts
