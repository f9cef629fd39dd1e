"""/healthz, /readyz and /metrics. Each reads a fixed, tiny number of rows and never the
session, so a load balancer may ask every few seconds; none is rate limited (limits apply
only to the auth blueprint, extensions.py)."""

import hmac
import os

from alembic.script import ScriptDirectory
from flask import current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError

from .. import clock, readiness
from ..extensions import db
from ..models.scheduler import HEARTBEAT_ID, SchedulerHeartbeat
from .blueprint import bp
from .queues import QueueDepths


@bp.get("/healthz")
def healthz():
    """The process is up and answering: nothing else is touched."""
    return jsonify(status="ok", checks={"process": {"ok": True}})


@bp.get("/readyz")
def readyz():
    """Ready for traffic: the database answers, its migrations are this code's heads, and the
    scheduler leader ticked within the last two minutes. Three statements on one connection;
    a failure says which check failed, never the database's error (it may name hosts)."""
    checks = {"database": {"ok": False}, "migrations": {"ok": False}, "scheduler": {"ok": False}}
    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            checks["database"]["ok"] = True
            checks["migrations"] = _migrations(connection)
            checks["scheduler"] = _scheduler(connection)
    except SQLAlchemyError:
        current_app.logger.warning("readiness check: the database did not answer", exc_info=True)
    required = ["database", "migrations"]
    if current_app.config["READY_NEEDS_SCHEDULER"]:
        required.append("scheduler")
    ready = all(checks[name]["ok"] for name in required)
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response


def _migrations(connection) -> dict:
    code = _script_heads()
    in_database = _read(connection, text("SELECT version_num FROM alembic_version"), [])
    return {"ok": readiness.migrations_at_head(in_database, code),
            "database": sorted(in_database), "code": code}


def _read(connection, statement, missing):
    """The statement's rows, or `missing` if its table is not there (a database not yet
    migrated); the failed transaction is rolled back so the next check still runs."""
    try:
        return list(connection.scalars(statement))
    except (ProgrammingError, OperationalError) as error:
        if error.connection_invalidated:
            raise
        connection.rollback()
        return missing


def _script_heads() -> list[str]:
    """The migration heads this code ships, read from the scripts once per process."""
    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        directory = current_app.extensions["migrate"].directory
        heads = current_app.extensions["migration_heads"] = sorted(
            ScriptDirectory(directory).get_heads())
    return heads


def _scheduler(connection) -> dict:
    seen = _read(connection, select(SchedulerHeartbeat.seen_at)
                 .where(SchedulerHeartbeat.id == HEARTBEAT_ID), [])
    last_seen = seen[0] if seen else None
    return {"ok": readiness.leader_seen(last_seen, clock.now()),
            "last_seen": last_seen.isoformat() if last_seen else None}


@bp.get("/metrics")
def prometheus_metrics():
    """Prometheus's text format, for a scraper holding METRICS_TOKEN as a bearer token. With no
    token configured the path does not exist (404)."""
    # str(): an ASSESSMENT_ variable is read as JSON, so a token of digits arrives as a number.
    token = str(current_app.config["METRICS_TOKEN"] or "")
    if not token:
        return jsonify(error="Not found"), 404
    if not _bearer_matches(request.headers.get("Authorization", ""), token):
        response = jsonify(error="A bearer token is required")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    queues = CollectorRegistry()
    queues.register(QueueDepths())
    body = generate_latest(_process_metrics()) + generate_latest(queues)
    return body, 200, {"Content-Type": CONTENT_TYPE_LATEST}


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    # Constant time: how much of a guess matched must not show in how long the refusal took.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                              token.encode())


def _process_metrics():
    """This process's counts, or every worker's when they write to PROMETHEUS_MULTIPROC_DIR."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry
