"""gunicorn's hooks for this app; gunicorn reads this file from its working directory (or -c).

With PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics to files there and /metrics
adds them up (assessment_app/metrics.py). When a worker exits, its live gauges must stop
counting: prometheus_client's mark_process_dead removes them. Counters and histograms stay,
so totals never go down when gunicorn replaces a worker.
"""

import os


def child_exit(_server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
