"""Fixtures for the load balancer's and the operators' routes."""

import pytest
from web.conftest import journey  # noqa: F401 (a participant entered for a window)


@pytest.fixture
def metrics_token(app) -> str:
    """The bearer token /metrics is configured with."""
    app.config["METRICS_TOKEN"] = "metrics-token-for-the-tests"
    return app.config["METRICS_TOKEN"]


@pytest.fixture
def scrape(app, metrics_token):
    """Read /metrics as Prometheus does, with the configured bearer token."""
    client = app.test_client()

    def read() -> str:
        response = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
        assert response.status_code == 200
        return response.text

    return read
