import datetime

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorscheme.contact.models import Feedback
from mentorscheme.mentoring.models import (
    Agreement,
    HelpFlag,
    Meeting,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.mentors.models import MentorStatusChange
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.privacy.models import CalendarFeed
from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.training.models import Booking, BriefingAcknowledgement, TrainingEvent
from tests import factories as f


def event(days: int, **kwargs) -> TrainingEvent:
    start = timezone.now() + datetime.timedelta(days=days)
    values = {
        "kind": "mentor_training",
        "title": f"Mentor training in {days} days",
        "region": f.region("london"),
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=3),
        "capacity": 1,
    }
    return TrainingEvent.objects.create(**(values | kwargs))


def task(to: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"to": [to], "subject": "Hello"}},
        task_path="mentorscheme.notifications.tasks.deliver_email",
        backend_name="default",
        run_after=timezone.now(),
    )


@pytest.fixture
def mia(db, alice, bob, dora):  # noqa: F811
    """A Chartered mentor (mentoring Alice) who is also a candidate for Fellowship.

    Something about her is in every kind of record the system keeps.
    """
    member = f.MemberFactory(
        first_name="Mia",
        last_name="Marchetti",
        email="mia@example.org",
        membership_number="T777777",
        job_title="Metadata Librarian",
    )
    f.award(member, "chartership")
    user = f.with_account(member, totp=True)
    profile = f.mentor_profile(member, statement="Mia loves metadata.")
    MentorStatusChange.objects.create(
        mentor=profile, to_status="listed", note="Mia's training checked."
    )
    # as a mentor: mentoring Alice
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=profile
    )
    Agreement.objects.create(
        relationship=relationship,
        version=1,
        goals="Help Alice reflect on Mia's advice.",
        frequency="Monthly",
        created_by=user,
    )
    Meeting.objects.create(
        relationship=relationship,
        held_on=timezone.localdate(),
        mode="zoom",
        duration_minutes=60,
        notes="Mia noted Alice's progress.",
        created_by=user,
    )
    # as a candidate: asking Dora, and asking for help
    enrolment = f.enrol(member, "fellowship")
    MentoringRequest.objects.create(
        enrolment=enrolment, mentor=dora.mentor_profile, message="Mia asks Dora."
    )
    HelpFlag.objects.create(enrolment=enrolment, why="asked", message="Mia needs help")
    # training
    past = event(-30)
    Booking.objects.create(event=past, member=member, status="attended")
    future = event(30)
    Booking.objects.create(event=future, member=member, status="booked")
    Booking.objects.create(event=future, member=bob, status="waiting")
    BriefingAcknowledgement.objects.create(
        member=member, regulations=RegulationsVersion.objects.get(), how="watched"
    )
    # messages
    Feedback.objects.create(topic="general", message="From Mia, signed in", user=user)
    Feedback.objects.create(
        topic="general", message="From Mia", name="Mia M", email="MIA@example.org"
    )
    OutboxMessage.objects.create(
        to="mia@example.org", subject="Hi Mia", body="Dear Mia"
    )
    OutboxMessage.objects.create(
        to="bob@example.org", subject="Hi Bob", body="Dear Bob"
    )
    task("mia@example.org")
    task("bob@example.org")
    CalendarFeed.objects.create(member=member)
    return member
