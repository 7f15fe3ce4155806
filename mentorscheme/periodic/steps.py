"""The steps of the periodic work, in the order they run, each with the words it
adds to the run's summary. Adding a piece of periodic work is adding a ``Step``.

Each step is safe to repeat; one that meets rows someone else holds leaves its work
to the next run (``run_periodic``) and reports ``nothing``.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.management import call_command
from django.db import transaction

from mentorscheme.members import services as members
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentors import directory
from mentorscheme.mentors import services as mentors
from mentorscheme.oversight import services as oversight
from mentorscheme.training import services as training


class When(NamedTuple):
    """The day and the moment the run acts as (``--today`` moves both)."""

    today: datetime.date
    now: datetime.datetime


@dataclass(frozen=True)
class Step:
    #: What the step does, for the warning when it meets busy rows.
    name: str
    run: Callable[[When], Any]
    #: What it reports when it did nothing (its rows were busy).
    nothing: Any = 0
    #: Its words in the summary, from what it reports; None for none.
    says: Callable[[Any], str] | None = None


def _lapses_note(when: When) -> int:
    """Note newly lapsed memberships, and tell those of them who hold bookings until
    when they are kept, at once (so nobody is noted and never told)."""
    with transaction.atomic():
        return training.bookings_lapse_tell(member_ids=members.membership_lapses_note())


STEPS: list[Step] = [
    Step(
        "memberships newly lapsed",
        _lapses_note,
        says=lambda n: f"members newly lapsed told their bookings are kept {n}",
    ),
    Step(
        "lapse check",
        lambda when: mentors.mentor_lapse_check(today=when.today),
        {"delisted": 0, "relisted": 0, "closed": 0},
        lambda r: (
            f"Mentors delisted {r['delisted']}, relisted {r['relisted']}; requests "
            f"to mentors who can no longer accept closed {r['closed']}"
        ),
    ),
    # Requests any earlier change of a mentor's left open.
    Step(
        "closing requests to unavailable mentors",
        lambda when: mentoring.requests_to_unavailable_mentors_close(),
        says=lambda n: f"requests to mentors who are not available closed {n}",
    ),
    Step(
        "availability check",
        lambda when: mentors.mentor_availability_check(now=when.now),
        {"asked": 0, "paused": 0, "refresher": 0},
        lambda r: (
            f"mentors asked to confirm availability {r['asked']}, paused for no "
            f"answer {r['paused']}, reminded of refresher training {r['refresher']}"
        ),
    ),
    Step(
        "approved mentors with nothing booked",
        lambda when: mentors.mentor_steps_remind(now=when.now),
        says=lambda n: f"approved mentors reminded to book training or a workshop {n}",
    ),
    # Submitting ends the search for a mentor; this catches what it left open.
    Step(
        "closing searches of submitted portfolios",
        lambda when: mentoring.searches_end_for_submitted(),
        says=lambda n: f"requests of candidates who submitted closed {n}",
    ),
    Step(
        "request reminders",
        lambda when: mentoring.requests_remind_and_expire(now=when.now),
        {"reminded": 0, "expired": 0},
        lambda r: f"requests reminded {r['reminded']}, expired {r['expired']}",
    ),
    Step(
        "question reminders",
        lambda when: mentoring.unanswered_questions_remind_and_expire(now=when.now),
        {"reminded": 0, "expired": 0},
        lambda r: (
            f"unanswered questions reminded {r['reminded']}, expired {r['expired']}"
        ),
    ),
    Step(
        "waiting candidates",
        lambda when: mentoring.flag_waiting_candidates(today=when.today),
        says=lambda n: f"candidates flagged {n}",
    ),
    Step("directory changes", lambda when: directory.prune_changes(), None),
    # A sign-in that timed out stays in the database until cleared, holding the
    # address its person signed in with.
    Step("timed-out sign-ins", lambda when: call_command("clearsessions"), None),
    Step(
        "line-manager links",
        lambda when: mentoring.register_changed(),
        {
            "closed": 0,
            "flagged": 0,
            "not_current": 0,
            "beyond_level": 0,
            "lapse_held": 0,
            "lapse_carried_on": 0,
        },
        lambda r: (
            f"requests to a line manager closed {r['closed']}, mentoring by a line "
            f"manager flagged {r['flagged']}; requests of candidates whose "
            f"membership is not current closed {r['not_current']}; requests to a "
            f"mentor whose level is no longer high enough closed "
            f"{r['beyond_level']}; mentoring held for a lapsed membership "
            f"{r['lapse_held']}, carried on after renewal {r['lapse_carried_on']}"
        ),
    ),
    # After the register's changes: a renewal recorded today still counts.
    Step(
        "mentoring still lapsed after the grace period",
        lambda when: mentoring.lapsed_mentoring_end(today=when.today),
        says=lambda n: f"mentoring of a lapsed member ended after the grace period {n}",
    ),
    Step(
        "bookings still lapsed after the grace period",
        lambda when: training.bookings_of_lapsed_members_cancel(today=when.today),
        says=lambda n: f"bookings cancelled after the grace period {n}",
    ),
    Step(
        "regulations coming into force",
        lambda when: oversight.regulations_choice_open(today=when.today),
        says=lambda n: f"candidates told they may now move to new regulations {n}",
    ),
    Step(
        "cases waiting for an officer whose term ended",
        lambda when: mentors.mentor_cases_hand_on(today=when.today),
        says=lambda n: (
            f"messages sending on the cases of officers whose term ended {n}"
        ),
    ),
    Step(
        "candidates waiting for help from an officer whose term ended",
        lambda when: mentoring.help_flags_hand_on(today=when.today),
        says=lambda n: (
            f"messages sending on the candidates waiting for help from officers "
            f"whose term ended {n}"
        ),
    ),
    Step(
        "allocation runs awaiting review by an officer whose term ended",
        lambda when: oversight.allocation_runs_hand_on(today=when.today),
        says=lambda n: (
            f"messages sending on the allocation runs awaiting review by officers "
            f"whose term ended {n}"
        ),
    ),
    Step(
        "waiting lists of events that have started",
        lambda when: training.waiting_lists_close(now=when.now),
        says=lambda n: (
            f"people on the waiting list of an event that started told no place "
            f"came free {n}"
        ),
    ),
    Step(
        "registers of events over not taken",
        lambda when: training.registers_remind(now=when.now),
        says=lambda n: f"officers reminded of an event's register not taken {n}",
    ),
    Step(
        "recordings of past briefings and webinars",
        lambda when: training.recordings_announce(now=when.now),
        says=lambda n: f"recordings announced to mentors {n}",
    ),
    Step(
        "stalled allocation runs",
        # By the clock, not --today: a worker stops in real time.
        lambda when: oversight.allocation_runs_fail_stalled(),
        says=lambda n: f"stalled allocation runs marked failed {n}",
    ),
    Step(
        "allocations whose sending stopped",
        lambda when: oversight.allocation_runs_stop_stalled_sending(),
        says=lambda n: f"allocations whose sending stopped, publisher told {n}",
    ),
]
