"""A clock for the tests that compare how long two pieces of work take (hostile input against
ordinary input): wall time less the time this thread stood ready while other processes had the
CPU (Linux's schedstat), so a busy machine, the suite's own parallel workers among it, does not
make work look slow. Sleeping and waiting on I/O still count. Elsewhere it is the wall clock."""

import time
from pathlib import Path

_SCHEDSTAT = Path("/proc/thread-self/schedstat")  # ns on a CPU, ns ready and waiting, slices


def _waited_for_a_cpu() -> float:
    return int(_SCHEDSTAT.read_text().split()[1]) / 1e9


def _own_seconds() -> float:
    return time.perf_counter() - _waited_for_a_cpu()


own_seconds = _own_seconds if _SCHEDSTAT.exists() else time.perf_counter
