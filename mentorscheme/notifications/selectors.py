"""What the registration team is shown about the work the task worker does."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

#: Work due this long ago and still not started: the worker is not taking it.
WAITING_TOO_LONG = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class WaitingWork:
    count: int
    since: datetime.datetime


def work_waiting_too_long() -> WaitingWork | None:
    """Emails and other tasks due for at least ``WAITING_TOO_LONG`` that no worker
    has started (None when there are none). Work put off on purpose (a later
    ``run_after``) counts only from when it was due."""
    before = timezone.now() - WAITING_TOO_LONG
    waiting = DBTaskResult.objects.ready().filter(
        Q(run_after=get_date_max(), enqueued_at__lt=before) | Q(run_after__lt=before)
    )
    found = waiting.aggregate(count=Count("pk"), since=Min("enqueued_at"))
    if not found["count"]:
        return None
    return WaitingWork(count=found["count"], since=found["since"])
