"""Emails and reminders are sent by the task worker. If it stops, nothing says so on
the site: the registration team sees on their dashboard that work has been waiting,
and since when, so they can ask whoever runs the servers to start it again."""

import datetime

from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from tests.personas import login


def queued(minutes_ago: int, *, run_after=None) -> DBTaskResult:
    task = DBTaskResult.objects.create(
        task_path="mentorscheme.notifications.tasks.send_email",
        args_kwargs={"args": [], "kwargs": {}},
        queue_name="default",
        backend_name="default",
        run_after=run_after or get_date_max(),
    )
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=at)
    return task


def test_staff_see_work_that_has_waited_too_long_for_the_worker(client, sam_with_totp):
    queued(25)
    queued(12)
    queued(1)
    page = login(client, sam_with_totp).get("/oversight/").text
    assert "2 emails or other pieces of work have waited" in page
    assert "the task worker may have stopped" in page


def test_work_sent_lately_or_to_run_later_is_not_a_worry(client, sam_with_totp):
    queued(2)
    later = timezone.now() + datetime.timedelta(hours=1)
    queued(60, run_after=later)  # a reminder due later: waiting on purpose
    page = login(client, sam_with_totp).get("/oversight/").text
    assert "the task worker may have stopped" not in page


def test_support_officers_are_not_shown_the_servers_work(client, olivia):
    queued(30)
    page = login(client, olivia).get("/oversight/").text
    assert "the task worker may have stopped" not in page
