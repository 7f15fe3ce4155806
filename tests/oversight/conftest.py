"""Shared pieces for oversight tests, on top of the personas in tests/conftest.py.

- run: a proposed allocation run for London (Alice's region), by Olivia
- flag: an open help flag on Alice's enrolment
"""

import datetime

import pytest
from django.utils import timezone

from mentorscheme.mentoring.models import HelpFlag, MentoringRequest
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
    enrolled_on = datetime.date.today() - datetime.timedelta(days=days_ago)
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
