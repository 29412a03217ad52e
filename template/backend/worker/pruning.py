"""Finished tasks' rows deleted once they are old, so that the task table
does not grow for ever: every mail sent leaves one.

The worker runs this every TASK_PRUNE_HOURS in its loop, in every
deployment (no cron job or server of its own); a second worker replica
deleting the same rows does no harm. django-tasks-db's own command does
the deleting: finished (successful or failed) rows older than
TASK_RESULTS_KEEP_DAYS, in every queue. Rows still to run are never touched.
"""

from django.conf import settings
from django.core.management import call_command


def prune_finished_tasks() -> None:
    call_command(
        "prune_db_task_results",
        "--queue-name",
        "*",
        "--min-age-days",
        str(settings.TASK_RESULTS_KEEP_DAYS),
        # Its "Deleted N task result(s)" at INFO, to the worker's log.
        verbosity=1,
    )
