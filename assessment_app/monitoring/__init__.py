"""For the load balancer and the operators: /healthz, /readyz and /metrics (public routes that
need no sign-in and set no cookie), and the request counts and latencies behind /metrics."""

from . import views  # noqa: F401 (the routes)
from .blueprint import bp
from .request_metrics import register

__all__ = ["bp", "register"]
