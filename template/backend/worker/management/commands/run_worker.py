"""The background worker: runs the tasks queued in the database, forever.

django-tasks-db's worker, driven one pass at a time, touching
WORKER_HEARTBEAT_FILE on each pass and before each task: worker_healthcheck.py
(the container's health check and liveness probe) reads the file's age, so a
loop that hangs is restarted, and a long backlog (each mail bounded by
EMAIL_TIMEOUT) is not taken for one. A lost database connection is logged and
tried again on the next pass rather than ending the process.

Every TASK_PRUNE_HOURS (and once at start) it deletes finished tasks' rows
older than TASK_RESULTS_KEEP_DAYS (worker.pruning).

SIGTERM (or SIGINT) stops it gracefully: between tasks at once, during a
task once that task is finished and recorded.
"""

import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from worker.pruning import prune_finished_tasks

log = logging.getLogger("worker")


class HeartbeatWorker(Worker):
    """The library's worker, which also touches the heartbeat before each
    task: a pass runs every due task, however many are queued."""

    def __init__(self, heartbeat: Path, **options) -> None:
        super().__init__(**options)
        self.heartbeat = heartbeat

    def run_task(self, db_task_result) -> None:
        self.heartbeat.touch()
        super().run_task(db_task_result)


class Command(BaseCommand):
    help = "Run queued background tasks until stopped (SIGTERM)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Seconds to wait between looks at an empty queue (default: 1).",
        )

    def handle(self, *args, interval: float, **options) -> None:
        # Its own "No more tasks" line on every empty pass would flood the log.
        logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        heartbeat = Path(settings.WORKER_HEARTBEAT_FILE)
        worker = HeartbeatWorker(
            heartbeat,
            queue_names=["*"],
            interval=interval,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        log.info("worker started", extra={"worker_id": worker.worker_id})
        prune_every = settings.TASK_PRUNE_HOURS * 3600
        next_prune = time.monotonic()
        while worker.running:
            heartbeat.touch()
            try:
                if time.monotonic() >= next_prune:
                    prune_finished_tasks()
                    next_prune = time.monotonic() + prune_every
                # Every task that is due, then back here.
                worker.run()
            except DatabaseError as error:
                # The error's type only: a database's message may quote data.
                log.warning(
                    "worker cannot reach the database", extra={"error": type(error).__name__}
                )
                close_old_connections()
            if worker.running:
                time.sleep(interval)
        log.info("worker stopped", extra={"worker_id": worker.worker_id})
