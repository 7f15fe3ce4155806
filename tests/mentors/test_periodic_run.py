"""The periodic run works on the scheme's own date, and rows someone is changing at
that moment hold up only what they touch: the rest of the run goes on."""

import datetime
import io

from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mentorscheme.locking import RowsBusy
from mentorscheme.mentors import services
from mentorscheme.mentors.models import MentorStatus
from tests import factories as f
from tests.personas import login


def lapsing_mentor(email):
    member = f.MemberFactory(email=email)
    f.award(member, "chartership")
    profile = f.mentor_profile(member)
    member.membership_status = "lapsed"
    member.save()
    return profile


def run_periodic():
    out, err = io.StringIO(), io.StringIO()
    call_command("run_periodic", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_busy_mentor_is_left_for_the_next_run_and_the_others_are_delisted(
    db, monkeypatch
):
    busy, free = lapsing_mentor("busy@example.org"), lapsing_mentor("free@example.org")
    original = services._locked

    def locked(profile):
        if profile.pk == busy.pk:
            raise RowsBusy()
        return original(profile)

    monkeypatch.setattr(services, "_locked", locked)
    out, _ = run_periodic()
    assert "Mentors delisted 1" in out
    busy.refresh_from_db(), free.refresh_from_db()
    assert (busy.status, free.status) == (MentorStatus.LISTED, MentorStatus.LAPSED)
    monkeypatch.undo()
    run_periodic()
    busy.refresh_from_db()
    assert busy.status == MentorStatus.LAPSED


def test_a_busy_step_does_not_stop_the_steps_after_it(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    member = f.MemberFactory(email="dora@example.org")
    f.award(member, "chartership")
    f.mentor_profile(member, listed_at=timezone.now() - datetime.timedelta(days=400))

    def busy(**kwargs):
        raise RowsBusy()

    monkeypatch.setattr(services, "mentor_lapse_check", busy)
    with django_capture_on_commit_callbacks(execute=True):
        out, err = run_periodic()
    assert "lapse check met rows in use" in err
    assert "mentors asked to confirm availability 1" in out
    assert [m.to for m in mail.outbox] == [["dora@example.org"]]


def test_the_run_works_on_the_schemes_local_date(db, clock, monkeypatch):
    # 23:30 UTC on 30 June is already 1 July in London.
    clock.move_to(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC))
    seen = []
    original = services.mentor_lapse_check

    def lapse_check(*, today):
        seen.append(today)
        return original(today=today)

    monkeypatch.setattr(services, "mentor_lapse_check", lapse_check)
    run_periodic()
    assert seen == [datetime.date(2026, 7, 1)]


def test_timed_out_sign_ins_are_cleared_and_live_ones_kept(alice, bob):
    timed_out, live = login(Client(), alice), login(Client(), bob)
    Session.objects.filter(session_key=timed_out.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    run_periodic()
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        live.session.session_key
    ]
