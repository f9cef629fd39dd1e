"""Several workers or servers count sign-in failures in one shared store (Redis), so a limit
holds however requests are spread; if the store stops answering, sign-in still works.

Each worker here is a separate process (as a gunicorn worker is), configured as README says:
ASSESSMENT_RATELIMIT_STORAGE_URI. The suite starts its own Redis (the `redis_url` fixture), so
these tests never skip.
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis
from factories import PASSWORD, make_user

import assessment_app
from assessment_app import password_hashing

WORKER = Path(__file__).with_name("sign_in_worker.py")


@pytest.fixture
def shared_store(redis_url):
    return f"{redis_url}/3"  # a database of its own; each test adds a key prefix too


@pytest.fixture
def key_prefix(shared_store):
    """A prefix no other test uses; its keys are deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    store = redis.Redis.from_url(shared_store)
    for key in store.scan_iter(match=f"*{prefix}*"):
        store.delete(key)


@pytest.fixture
def account(app, monkeypatch):
    """A participant's email; hashed cheaply, as the workers check passwords many times."""
    monkeypatch.setattr(password_hashing, "METHOD", "pbkdf2:sha256:1")
    with app.app_context():
        return make_user().email


def run_worker(app, storage_uri: str, key_prefix: str, email: str, passwords: list[str]) -> list:
    env = {**os.environ,
           "PYTHONPATH": str(Path(assessment_app.__file__).parent.parent),
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "ASSESSMENT_TESTING": "true",
           "ASSESSMENT_SECRET_KEY": "test",
           "ASSESSMENT_WTF_CSRF_ENABLED": "false",
           "ASSESSMENT_RATELIMIT_STORAGE_URI": storage_uri,
           "ASSESSMENT_RATELIMIT_KEY_PREFIX": key_prefix}
    done = subprocess.run([sys.executable, str(WORKER), email, *passwords], env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_workers_sharing_redis_count_failures_together(app, account, key_prefix,
                                                           shared_store):
    """Six failures on one worker and four on another make ten: the 11th try is refused."""
    assert redis.Redis.from_url(shared_store).ping()  # Redis must run here: fail, never skip
    assert run_worker(app, shared_store, key_prefix, account, ["wrong"] * 6) == [200] * 6
    assert any(redis.Redis.from_url(shared_store).scan_iter(match=f"*{key_prefix}*"))
    second = run_worker(app, shared_store, key_prefix, account, ["wrong"] * 4 + [PASSWORD])
    assert second == [200] * 4 + [429]


def test_each_worker_counts_alone_without_a_shared_store(app, account, key_prefix):
    """The reason for Redis: with the default in-memory store, the second worker lets the 11th try
    through (which also shows the test above would catch a store that is not shared)."""
    assert run_worker(app, "memory://", key_prefix, account, ["wrong"] * 6) == [200] * 6
    second = run_worker(app, "memory://", key_prefix, account, ["wrong"] * 4 + [PASSWORD])
    assert second == [200] * 4 + [302]


def test_sign_in_works_and_is_still_limited_when_redis_is_down(app, account, key_prefix):
    """Nothing listens on port 1: the worker counts in its own memory instead of refusing."""
    down = "redis://127.0.0.1:1/0?socket_connect_timeout=1"
    assert run_worker(app, down, key_prefix, account, [PASSWORD]) == [302]
    later = run_worker(app, down, key_prefix, account, ["wrong"] * 10 + [PASSWORD])
    assert later == [200] * 10 + [429]
