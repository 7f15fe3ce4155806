"""Overlapping periodic runs end a mentoring still lapsed after the grace period
once, and none of them crashes. On PostgreSQL, where runs really overlap."""

import datetime
import threading

import pytest
from django.conf import settings
from django.utils import timezone

from mentorscheme.members.models import Member
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import HelpFlag, MentoringRelationship
from mentorscheme.mentors import services as mentor_services
from tests import factories as f
from tests.races import all_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RUNS = 3


def pair():
    mentor = f.MemberFactory()
    f.award(mentor, "chartership")
    profile = f.mentor_profile(mentor)
    enrolment = f.enrol(f.MemberFactory())
    return MentoringRelationship.objects.create(enrolment=enrolment, mentor=profile)


def lapse(member):
    Member.objects.filter(pk=member.pk).update(membership_status="lapsed")


def test_three_runs_past_the_grace_period_end_each_mentoring_once(monkeypatch):
    mentor_lapsed, candidate_lapsed = pair(), pair()
    lapse(mentor_lapsed.mentor.member)
    mentor_services.mentor_lapse_check()
    lapse(candidate_lapsed.enrolment.member)
    services.register_changed()
    assert HelpFlag.objects.filter(why="lapsed", resolved_at=None).count() == 2
    after = timezone.localdate() + datetime.timedelta(days=settings.LAPSE_GRACE_DAYS)

    barrier = threading.Barrier(RUNS)
    waited = threading.local()
    original = services._lock_mentor

    def lock_once_everyone_decided(mentor_id):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait(timeout=30)
        return original(mentor_id)

    monkeypatch.setattr(services, "_lock_mentor", lock_once_everyone_decided)
    outcomes = all_at_once(lambda: services.lapsed_mentoring_end(today=after), RUNS)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(outcomes) == 2
    for relationship in (mentor_lapsed, candidate_lapsed):
        relationship.refresh_from_db()
        assert relationship.status == "ended_early"
    assert HelpFlag.objects.filter(why="mentor_left").count() == 1
    assert not HelpFlag.objects.filter(why="lapsed", resolved_at=None).exists()
