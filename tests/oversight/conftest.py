"""Shared pieces for oversight tests, on top of the personas in tests/conftest.py.

- run: a proposed allocation run for London (Alice's region), by Olivia
- london: the London region
- waiting: candidates in London waiting for a mentor (see its docstring)
- flag: an open help flag on Alice's enrolment
"""

import datetime

import pytest
from django.utils import timezone

from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.oversight import services
from tests import factories as f
from tests.personas import mentor


@pytest.fixture
def staff(sam_with_totp):
    return sam_with_totp


@pytest.fixture
def run(alice, bob, olivia):
    return services.allocation_run_create(
        by=olivia.user, region_ids=frozenset({f.region("london").pk})
    )


@pytest.fixture
def flag(alice):
    return HelpFlag.objects.create(
        enrolment=alice.enrolments.get(), why=HelpFlag.Why.ASKED, message="Help!"
    )


def candidate(region="london", qualification="chartership", days_ago=0, **kwargs):
    """A current member enrolled ``days_ago`` days ago, waiting for a mentor."""
    member = f.MemberFactory(region=f.region(region), **kwargs)
    enrolled_on = timezone.localdate() - datetime.timedelta(days=days_ago)
    return f.enrol(member, qualification, enrolled_on=enrolled_on)


def listed_mentor(region="london", **kwargs):
    return mentor(region=f.region(region), **kwargs).mentor_profile


def expired_request(enrolment, profile, days_ago=10):
    closed = timezone.now() - datetime.timedelta(days=days_ago)
    return MentoringRequest.objects.create(
        enrolment=enrolment,
        mentor=profile,
        message="Hello",
        status="expired",
        created_at=closed - datetime.timedelta(days=14),
        closed_at=closed,
    )


@pytest.fixture
def london(db):
    return f.region("london")


@pytest.fixture
def waiting(alice, bob):
    """Alice (Chartership) and Carl (Certification) in London can have Bob; Fran
    (Fellowship) can have nobody; others are not waiting or not in London."""
    carl = candidate(
        first_name="Carl", last_name="Clark", qualification="certification"
    )
    fran = candidate(first_name="Fran", last_name="Ford", qualification="fellowship")
    candidate(region="scotland", first_name="Sid", last_name="Scott")
    candidate(first_name="Rae", last_name="Reval", qualification="revalidation")
    lapsed = candidate(first_name="Lou", last_name="Lapsed")
    lapsed.member.membership_status = "lapsed"
    lapsed.member.save()
    matched = candidate(first_name="Mat", last_name="Matched")
    full = listed_mentor(profile={"capacity": 1})
    MentoringRelationship.objects.create(enrolment=matched, mentor=full)
    return {"alice": alice.enrolments.get(), "carl": carl, "fran": fran}
