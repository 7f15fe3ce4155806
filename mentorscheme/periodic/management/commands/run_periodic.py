import contextlib
import datetime
import logging

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from mentorscheme.locking import RowsBusy
from mentorscheme.periodic.steps import STEPS, Step, When

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "The scheme's periodic work, for a scheduler to run (hourly is plenty): "
        "delist lapsed mentors, remind and expire unanswered requests, flag "
        "candidates waiting too long, remind approved mentors who have booked no "
        "training or workshop, close the requests of candidates whose "
        "membership is not current, hold the mentoring of a lapsed member for the "
        "grace period and end it after, keep the bookings of a lapsed member for "
        "the grace period and cancel them after, tell candidates when regulations "
        "published in advance take effect, send on the cases, candidates and "
        "allocation runs waiting for an officer "
        "whose term ended, tell those still on a waiting list when the event "
        "starts, mark stalled allocation runs failed, and tell an "
        "officer when the sending of their allocation stopped, and clear "
        "timed-out sign-ins. "
        "Running it twice changes nothing more."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=datetime.date.fromisoformat, help="Run as if on this date."
        )

    def handle(self, *args, today=None, **options):
        with only_one_run() as alone:
            if not alone:
                self.stdout.write(
                    "Another run of the periodic work is in progress; it does the "
                    "work, so this one did nothing."
                )
                return
            self._run(today)

    def _run(self, today):
        now = timezone.now()
        if today:
            now = timezone.make_aware(
                datetime.datetime.combine(today, datetime.time(12))
            )
        when = When(today=timezone.localdate(now), now=now)
        said = []
        for step in STEPS:
            reported = self._step(step, when)
            if step.says is not None:
                said.append(step.says(reported))
        self.stdout.write("; ".join(said) + ".")

    def _step(self, step: Step, when: When):
        """Run one step; rows someone else holds make it wait for the next run
        rather than stop the steps after it (each step is safe to repeat)."""
        try:
            return step.run(when)
        except RowsBusy:
            logger.warning(
                "Periodic step %r met busy rows; the next run retries.", step.name
            )
            self.stderr.write(
                f"The {step.name} met rows in use; the next run retries it."
            )
            return step.nothing


#: The PostgreSQL advisory lock key of the periodic work (any fixed number will do).
ADVISORY_LOCK_KEY = 0x4D53_5045  # "MSPE"


@contextlib.contextmanager
def only_one_run():
    """On PostgreSQL, hold an advisory lock for the run, so that overlapping runs
    from several schedulers do the work once (each step is also safe to repeat,
    which is all SQLite's single writer needs).

    The lock belongs to a transaction held open for the run on a connection of its
    own: behind a pooler in transaction mode (PgBouncer) that transaction keeps one
    server connection, where a lock held by a session could be let go from another
    one and stay held; and if the run dies, its connection ends and the lock goes.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    own = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        own.set_autocommit(False)
        with own.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
            (alone,) = cursor.fetchone()
        yield alone
    finally:
        own.close()  # ends its transaction, and with it the lock
