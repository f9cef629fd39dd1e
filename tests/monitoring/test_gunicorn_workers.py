"""gunicorn.conf.py's worker hooks, called as gunicorn calls them."""

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import assessment_app

CONF = Path(assessment_app.__file__).parent.parent / "gunicorn.conf.py"


def test_a_worker_that_has_loaded_the_app_never_has_it_scanned_by_the_collector():
    """post_worker_init freezes every object alive then (the loaded app), so a full garbage
    collection scans only what requests made since."""
    hooks = runpy.run_path(str(CONF))
    assert gc.get_freeze_count() == 0
    try:
        hooks["post_worker_init"](SimpleNamespace(pid=4242))
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
