"""/healthz and /readyz, for a load balancer: JSON with each check's result, 200 or 503, with
no sign-in, no cookie, a fixed few statements, no rate limit and no secret in the answer."""

from datetime import UTC, datetime, timedelta

import pytest
from factories import login, make_user, sql_sent
from flask_migrate import stamp
from sqlalchemy import text

from assessment_app import create_app, scheduling
from assessment_app.extensions import db
from assessment_app.models import Role, SchedulerHeartbeat
from assessment_app.services import heartbeat

TICK = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)


def beat_at(app, instant: datetime) -> None:
    with app.app_context():
        heartbeat.beat("sched-1 pid 42", instant)
        db.session.commit()


def test_healthz_answers_without_the_database_a_session_or_a_cookie(app, client):
    response, statements = sql_sent(app, lambda: client.get("/healthz"))
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"process": {"ok": True}}}
    assert statements == []
    assert "Set-Cookie" not in response.headers


def test_ready_when_migrated_and_the_leader_ticked_two_minutes_ago_not_a_second_more(
        migrated, client, clock):
    """The boundary: a heartbeat exactly two minutes old counts; one second older does not."""
    beat_at(migrated, TICK)
    clock.at(TICK + timedelta(minutes=2))
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["status"] == "ready"
    assert ready.json["checks"]["scheduler"] == {"ok": True, "last_seen": TICK.isoformat()}
    assert ready.json["checks"]["database"] == {"ok": True}
    assert ready.json["checks"]["migrations"]["ok"] is True
    clock.at(TICK + timedelta(minutes=2, seconds=1))
    late = client.get("/readyz")
    assert late.status_code == 503
    assert late.json["status"] == "not ready"
    assert late.json["checks"]["scheduler"]["ok"] is False
    assert late.json["checks"]["migrations"]["ok"] is True


def test_not_ready_when_no_scheduler_has_ever_ticked(migrated, client, clock):
    clock.at(TICK)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["scheduler"] == {"ok": False, "last_seen": None}


def test_the_scheduler_check_can_be_reported_without_failing_readiness(migrated, client, clock):
    """READY_NEEDS_SCHEDULER = False: a load balancer keeps serving while no scheduler runs."""
    migrated.config["READY_NEEDS_SCHEDULER"] = False
    clock.at(TICK)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["scheduler"]["ok"] is False


def test_not_ready_when_the_database_is_behind_this_codes_migrations(app, client, clock):
    """A release deployed before `flask init-db` ran: the database's revision is not the head."""
    beat_at(app, TICK)
    clock.at(TICK)
    with app.app_context():
        stamp(directory=app.extensions["migrate"].directory, revision="f16c4e8a2b37")
    try:
        response = client.get("/readyz")
    finally:
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
    assert response.status_code == 503
    migrations = response.json["checks"]["migrations"]
    assert migrations["ok"] is False
    assert migrations["database"] == ["f16c4e8a2b37"]
    assert migrations["code"] and "f16c4e8a2b37" not in migrations["code"]
    assert response.json["checks"]["scheduler"]["ok"] is True  # the other checks still ran


def test_not_ready_when_never_migrated(app, client, clock):
    beat_at(app, TICK)
    clock.at(TICK)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"]["database"] == []
    assert response.json["checks"]["database"] == {"ok": True}


def test_not_ready_when_the_database_does_not_answer_and_nothing_secret_is_said(tmp_path):
    """Nothing listens on port 1; the answer names no host, user or password."""
    down = create_app({"TESTING": True, "SECRET_KEY": "test",
                       "SQLALCHEMY_DATABASE_URI":
                           "postgresql+psycopg://operator:hunter2@127.0.0.1:1/assessment"})
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == {"ok": False}
    for secret in (b"hunter2", b"operator", b"127.0.0.1"):
        assert secret not in response.data
    with down.app_context():
        db.engine.dispose()


def test_readyz_sends_three_statements_and_sets_no_cookie(migrated, client, clock):
    beat_at(migrated, TICK)
    clock.at(TICK)
    response, statements = sql_sent(migrated, lambda: client.get("/readyz"))
    assert response.status_code == 200
    assert len(statements) == 3
    assert "Set-Cookie" not in response.headers


def test_a_signed_in_browser_gets_the_same_answer_and_no_new_cookie(migrated, clock):
    """Sign-in is never asked for, and a session's cookie is neither renewed nor replaced."""
    beat_at(migrated, TICK)
    clock.at(TICK)
    with migrated.app_context():
        make_user(Role.ADMIN, email="admin@example.org")
    browser = migrated.test_client()
    login(browser, "admin@example.org")
    for path in ("/healthz", "/readyz"):
        response = browser.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_load_balancer_asking_every_second_is_never_limited(migrated, client, clock, path):
    beat_at(migrated, TICK)
    clock.at(TICK)
    assert {client.get(path).status_code for _ in range(120)} == {200}


def test_the_leader_writes_its_heartbeat_each_tick(migrated, client, clock, monkeypatch):
    """sync_windows (the leader's minute tick) records when and who; /readyz then sees it."""
    monkeypatch.setattr(scheduling, "_app", migrated)
    clock.at(TICK)
    scheduling.sync_windows()
    with migrated.app_context():
        row = db.session.get(SchedulerHeartbeat, 1)
        assert row.seen_at == TICK
        assert "pid" in row.leader
    clock.at(TICK + timedelta(minutes=1))
    scheduling.sync_windows()
    with migrated.app_context():
        assert db.session.get(SchedulerHeartbeat, 1).seen_at == TICK + timedelta(minutes=1)
        assert SchedulerHeartbeat.query.count() == 1
    clock.at(TICK + timedelta(minutes=3))
    assert client.get("/readyz").status_code == 200
