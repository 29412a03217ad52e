"""The worker's pruning of finished tasks' rows (worker.pruning): old
finished rows go, recent ones and rows still to run stay."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.notices import locked_out_notice
from accounts.roles import MANAGERS
from worker.pruning import prune_finished_tasks

pytestmark = pytest.mark.django_db


def queued(user_id: int, status: str, days_ago: int) -> str:
    """A task row as the worker leaves it, `days_ago` old; its id."""
    result = locked_out_notice.enqueue(user_id)
    when = timezone.now() - timedelta(days=days_ago)
    finished = status in ("SUCCESSFUL", "FAILED")
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, enqueued_at=when, finished_at=when if finished else None
    )
    return str(result.id)


def test_old_finished_rows_go_and_the_others_stay(make_user, settings):
    settings.TASK_RESULTS_KEEP_DAYS = 14
    user = make_user(MANAGERS, username="grace", email="grace@staff.example")
    old_sent = queued(user.pk, "SUCCESSFUL", 15)
    old_failed = queued(user.pk, "FAILED", 15)
    recent_sent = queued(user.pk, "SUCCESSFUL", 13)
    # Still to run, however long it waited: never deleted.
    waiting = queued(user.pk, "READY", 30)
    prune_finished_tasks()
    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == {recent_sent, waiting}
    assert not {old_sent, old_failed} & left
