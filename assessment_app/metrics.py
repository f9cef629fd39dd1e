"""The Prometheus metrics the app counts (prometheus_client; served by monitoring/views.py).

Under gunicorn's several workers, set PROMETHEUS_MULTIPROC_DIR (before the process starts:
prometheus_client reads it on import) so each process writes its counts to files there and
/metrics adds them up (README, "Health checks, metrics and logs"). Queue depths are read from
the database at each scrape (monitoring/queues.py), so they need no sharing.
"""

from prometheus_client import Counter, Histogram

# Labelled by the URL rule (`/assessments/<int:entry_id>/draft`), never the path: one series
# per route, whatever ids are asked for, and no token from a path in a label.
REQUESTS = Counter("assessment_http_requests", "Requests answered, by route, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("assessment_http_request_duration_seconds",
                    "Time from the request's first hook to its last, by route and method",
                    ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SUBMISSIONS = Counter("assessment_submissions", "Final submissions taken as a new version",
                      ["source"])
AUTOSAVES = Counter("assessment_autosaves", "Drafts saved by the editor's autosave")
DUTY_RUNS = Counter("assessment_scheduler_duty_runs", "Scheduler duties run, by kind", ["duty"])
DUTY_FAILURES = Counter("assessment_scheduler_duty_failures",
                        "Scheduler duties that failed and were rolled back, by kind", ["duty"])
