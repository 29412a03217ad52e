"""Worker health check: has the worker's loop passed lately?

The worker (manage.py run_worker) touches WORKER_HEARTBEAT_FILE on every
pass of its loop and before each task, so at least once a minute while it
is alive, however long the queue: a task's own waits are bounded
(EMAIL_TIMEOUT). Run by the compose files'
health check and Kubernetes' liveness probe, with the standard library
only. Exits 0 when the file is younger than WORKER_HEARTBEAT_MAX_AGE
seconds (default 120), 1 otherwise.
"""

import os
import sys
import time

path = os.environ.get("WORKER_HEARTBEAT_FILE", "/tmp/worker-heartbeat")  # noqa: S108
max_age = float(os.environ.get("WORKER_HEARTBEAT_MAX_AGE", "120"))

try:
    age = time.time() - os.stat(path).st_mtime
except OSError:
    age = float("inf")

sys.exit(0 if age < max_age else 1)
