"""Overlapping periodic runs (several schedulers, or a slow run and the next one) do
the work once and none of them crashes. On PostgreSQL, where runs really overlap."""

import os
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection, connections

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRequest, RequestStatus
from mentorscheme.mentors import services
from mentorscheme.mentors.models import MentorStatus, MentorStatusChange
from mentorscheme.periodic.management.commands import run_periodic
from tests import factories as f
from tests.races import all_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
RUNS = 3


def lapsing_mentor(requests: int = 3):
    """A listed mentor with waiting requests, whose membership has just lapsed."""
    member = f.MemberFactory()
    f.award(member, "chartership")
    profile = f.mentor_profile(member)
    for _ in range(requests):
        mentoring.request_create(
            enrolment=f.enrol(f.MemberFactory()), mentor=profile, message="Hi"
        )
    member.membership_status = "lapsed"
    member.save()
    return profile


def three_checks_decided_together(monkeypatch, *, lock_and_recheck: bool):
    """Run the lapse check in three threads that each decide to delist before any of
    them writes: a barrier holds them just before they take the mentor's lock."""
    barrier = threading.Barrier(RUNS)
    waited = threading.local()
    original = services._locked

    def locked_after_everyone_decided(profile):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait(timeout=30)
        if lock_and_recheck:
            return original(profile)
        return profile  # the old, unguarded step: acts on what it read before

    monkeypatch.setattr(services, "_locked", locked_after_everyone_decided)
    outcomes = all_at_once(lambda: services.mentor_lapse_check(), RUNS)
    return outcomes


def test_three_lapse_checks_at_once_delist_once_and_none_crashes(monkeypatch):
    profile = lapsing_mentor()
    outcomes = three_checks_decided_together(monkeypatch, lock_and_recheck=True)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o["delisted"] for o in outcomes) == 1
    assert sum(o["closed"] for o in outcomes) == 3
    assert (
        MentorStatusChange.objects.filter(
            mentor=profile, to_status=MentorStatus.LAPSED
        ).count()
        == 1
    )
    assert not MentoringRequest.objects.filter(
        mentor=profile, status=RequestStatus.PENDING
    ).exists()


def test_without_the_lock_and_second_look_the_work_is_done_three_times(monkeypatch):
    # The negative control: the harness really makes the three runs overlap.
    profile = lapsing_mentor()
    outcomes = three_checks_decided_together(monkeypatch, lock_and_recheck=False)
    assert sum(o["delisted"] for o in outcomes if isinstance(o, dict)) == RUNS
    assert (
        MentorStatusChange.objects.filter(
            mentor=profile, to_status=MentorStatus.LAPSED
        ).count()
        == RUNS
    )


def database_url(db: dict) -> str:
    """The URL of the test database this test uses, for a command run beside it."""
    user = quote(db["USER"] or "")
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{db['HOST'] or ''}{port}/{db['NAME']}"


def run_periodic_processes(count: int) -> list[subprocess.CompletedProcess]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "PYTHONPATH": str(ROOT),
    }
    processes = [
        subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "manage.py", "run_periodic"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    done = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        done.append(
            subprocess.CompletedProcess(
                process.args, process.returncode, stdout, stderr
            )
        )
    return done


def test_three_run_periodic_commands_started_together_all_succeed():
    profiles = [lapsing_mentor(requests=2) for _ in range(20)]
    connections.close_all()  # the commands need the rows committed and visible
    runs = run_periodic_processes(RUNS)
    assert [run.returncode for run in runs] == [0] * RUNS, [r.stderr for r in runs]
    assert MentorStatusChange.objects.filter(
        mentor__in=profiles, to_status=MentorStatus.LAPSED
    ).count() == len(profiles)
    assert not MentoringRequest.objects.filter(
        mentor__in=profiles, status=RequestStatus.PENDING
    ).exists()
    delisted = [line for run in runs for line in run.stdout.splitlines()]
    assert sum("Mentors delisted 20" in line for line in delisted) == 1, delisted


def test_the_run_lock_is_let_go_whichever_connection_the_steps_end_on():
    # Behind a pooler in transaction mode (PgBouncer; README, DB_PREPARED_STATEMENTS)
    # each statement outside a transaction may go to another server connection: a
    # lock held by the session that happened to take it, and let go from another,
    # would stay held there, and every later run would think one was in progress.
    with run_periodic.only_one_run() as alone:
        assert alone
        pooled = connection.connection  # the pooler keeps this server session open
        connection.connection = None  # the run's next statements: another one
    try:
        with run_periodic.only_one_run() as alone_next_time:
            assert alone_next_time
    finally:
        pooled.close()
