import contextlib
import datetime
import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from mentorscheme.locking import RowsBusy
from mentorscheme.members import services as members
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentors import directory
from mentorscheme.mentors import services as mentors
from mentorscheme.oversight import services as oversight
from mentorscheme.training import services as training

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
        today = timezone.localdate(now)
        step = self._step
        held = step("memberships newly lapsed", _lapses_note, 0)
        lapses = step(
            "lapse check",
            lambda: mentors.mentor_lapse_check(today=today),
            {"delisted": 0, "relisted": 0, "closed": 0},
        )
        # Requests any earlier change of a mentor's left open.
        lapses["closed"] += step(
            "closing requests to unavailable mentors",
            mentoring.requests_to_unavailable_mentors_close,
            0,
        )
        upkeep = step(
            "availability check",
            lambda: mentors.mentor_availability_check(now=now),
            {"asked": 0, "paused": 0, "refresher": 0},
        )
        steps = step(
            "approved mentors with nothing booked",
            lambda: mentors.mentor_steps_remind(now=now),
            0,
        )
        # Submitting ends the search for a mentor; this catches what it left open.
        lapses["closed"] += step(
            "closing searches of submitted portfolios",
            mentoring.searches_end_for_submitted,
            0,
        )
        requests = step(
            "request reminders",
            lambda: mentoring.requests_remind_and_expire(now=now),
            {"reminded": 0, "expired": 0},
        )
        questions = step(
            "question reminders",
            lambda: mentoring.unanswered_questions_remind_and_expire(now=now),
            {"reminded": 0, "expired": 0},
        )
        flagged = step(
            "waiting candidates",
            lambda: mentoring.flag_waiting_candidates(today=today),
            0,
        )
        step("directory changes", directory.prune_changes, None)
        # A sign-in that timed out stays in the database until cleared, holding the
        # address its person signed in with.
        step("timed-out sign-ins", lambda: call_command("clearsessions"), None)
        links = step(
            "line-manager links",
            mentoring.register_changed,
            {
                "closed": 0,
                "flagged": 0,
                "not_current": 0,
                "beyond_level": 0,
                "lapse_held": 0,
                "lapse_carried_on": 0,
            },
        )
        # After the register's changes: a renewal recorded today still counts.
        lapse_ended = step(
            "mentoring still lapsed after the grace period",
            lambda: mentoring.lapsed_mentoring_end(today=today),
            0,
        )
        bookings_cancelled = step(
            "bookings still lapsed after the grace period",
            lambda: training.bookings_of_lapsed_members_cancel(today=today),
            0,
        )
        opened = step(
            "regulations coming into force",
            lambda: oversight.regulations_choice_open(today=today),
            0,
        )
        handed_on = step(
            "cases waiting for an officer whose term ended",
            lambda: mentors.mentor_cases_hand_on(today=today),
            0,
        )
        help_handed_on = step(
            "candidates waiting for help from an officer whose term ended",
            lambda: mentoring.help_flags_hand_on(today=today),
            0,
        )
        runs_handed_on = step(
            "allocation runs awaiting review by an officer whose term ended",
            lambda: oversight.allocation_runs_hand_on(today=today),
            0,
        )
        no_place = step(
            "waiting lists of events that have started",
            lambda: training.waiting_lists_close(now=now),
            0,
        )
        registers = step(
            "registers of events over not taken",
            lambda: training.registers_remind(now=now),
            0,
        )
        recordings = step(
            "recordings of past briefings and webinars",
            lambda: training.recordings_announce(now=now),
            0,
        )
        stalled = step(
            "stalled allocation runs",
            # By the clock, not --today: a worker stops in real time.
            oversight.allocation_runs_fail_stalled,
            0,
        )
        sending = step(
            "allocations whose sending stopped",
            oversight.allocation_runs_stop_stalled_sending,
            0,
        )
        self.stdout.write(
            f"Mentors delisted {lapses['delisted']}, relisted {lapses['relisted']}; "
            f"requests to mentors who cannot accept, or of candidates who submitted, "
            f"closed {lapses['closed']}; "
            f"requests reminded {requests['reminded']}, expired {requests['expired']}; "
            f"unanswered questions reminded {questions['reminded']}, "
            f"expired {questions['expired']}; "
            f"candidates flagged {flagged}; mentors asked to confirm availability "
            f"{upkeep['asked']}, paused for no answer {upkeep['paused']}, reminded "
            f"of refresher training {upkeep['refresher']}, approved mentors "
            f"reminded to book training or a workshop {steps}"
            f"; requests to a line manager closed "
            f"{links['closed']}, mentoring by a line manager flagged {links['flagged']}; "
            f"requests of candidates whose membership is not current closed "
            f"{links['not_current']}; requests to a mentor whose level is no "
            f"longer high enough closed {links['beyond_level']}; "
            f"mentoring held for a lapsed membership {links['lapse_held']}, "
            f"carried on after renewal {links['lapse_carried_on']}, ended after "
            f"the grace period {lapse_ended}; "
            f"members newly lapsed told their bookings are kept {held}, bookings "
            f"cancelled after the grace period {bookings_cancelled}; "
            f"candidates told they may now move to new regulations {opened}; "
            f"messages sending on the cases of officers whose term ended "
            f"{handed_on}, on the candidates waiting for their help {help_handed_on}, "
            f"on the allocation runs awaiting their review {runs_handed_on}; "
            f"people on the waiting list of an event that started told no place "
            f"came free {no_place}; "
            f"officers reminded of an event's register not taken {registers}; "
            f"recordings announced to mentors {recordings}; "
            f"stalled allocation runs marked failed {stalled}; "
            f"allocations whose sending stopped, publisher told {sending}."
        )

    def _step(self, name, run, nothing):
        """Run one step; rows someone else holds make it wait for the next run
        rather than stop the steps after it (each step is safe to repeat)."""
        try:
            return run()
        except RowsBusy:
            logger.warning(
                "Periodic step %r met busy rows; the next run retries.", name
            )
            self.stderr.write(f"The {name} met rows in use; the next run retries it.")
            return nothing


def _lapses_note() -> int:
    """Note newly lapsed memberships, and tell those of them who hold bookings until
    when they are kept, at once (so nobody is noted and never told)."""
    with transaction.atomic():
        return training.bookings_lapse_tell(member_ids=members.membership_lapses_note())


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
