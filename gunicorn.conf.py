"""gunicorn's hooks for this app; gunicorn reads this file from its working directory (or -c).

With PROMETHEUS_MULTIPROC_DIR set, each worker writes its metrics to files there and /metrics
adds them up (assessment_app/metrics.py). When a worker exits, its live gauges must stop
counting: prometheus_client's mark_process_dead removes them. Counters and histograms stay,
so totals never go down when gunicorn replaces a worker.

Once a worker has loaded the app, its objects (modules, routes, extensions, the mappings) live
as long as the worker: post_worker_init tells the garbage collector never to scan them again,
so a full collection no longer holds up the worker's requests for the 60-150 ms that scanning
those 150,000 objects took here (issue 24, the autosave storm's slow tail).
"""

import gc
import os


def child_exit(_server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(_worker):
    gc.freeze()
