"""Approved mentors who book no training or workshop are reminded of the step left."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.mentors.models import MentorStatus
from mentorscheme.training import services as training
from mentorscheme.training.models import EventKind, TrainingEvent
from tests import factories as f
from tests.mentors.test_becoming_a_mentor import approve


@pytest.fixture
def approved(client, carol, olivia, django_capture_on_commit_callbacks):
    """Carol, approved by the London officer; training and workshop still to do."""
    profile = f.mentor_profile(
        carol, status=MentorStatus.APPLIED, trained_on=None, workshop_attended_on=None
    )
    approve(client, olivia, profile, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    return profile


def reminders(capture) -> list:
    with capture(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
    return [m for m in mail.outbox if "Your next step to become a listed" in m.subject]


def test_an_approved_mentor_who_books_nothing_is_reminded_twice_a_month_apart(
    approved, carol, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    clock.move(days=29)
    assert reminders(capture) == []
    clock.move(days=2)
    [reminder] = reminders(capture)
    assert reminder.to == ["carol@example.org"]
    assert "approved 31 days ago" in reminder.body
    assert "- Mentor training\n- Professional Registration workshop" in reminder.body
    assert f"/training/?region={carol.region_id}" in reminder.body
    assert len(reminders(capture)) == 1  # running again sends nothing more
    clock.move(days=29)
    assert len(reminders(capture)) == 1
    clock.move(days=2)
    assert len(reminders(capture)) == 2
    clock.move(days=31)
    assert len(reminders(capture)) == 2  # at most twice


def test_the_reminder_names_only_the_step_left(
    approved, clock, django_capture_on_commit_callbacks
):
    approved.trained_on = datetime.date(2026, 1, 5)
    approved.status = MentorStatus.TRAINED
    approved.save()
    clock.move(days=31)
    [reminder] = reminders(django_capture_on_commit_callbacks)
    assert "- Professional Registration workshop\n" in reminder.body
    assert "Mentor training" not in reminder.body


def test_a_mentor_booked_on_an_event_to_come_is_not_reminded(
    approved, carol, clock, django_capture_on_commit_callbacks
):
    starts = timezone.now() + datetime.timedelta(days=45)
    event = TrainingEvent.objects.create(
        kind=EventKind.MENTOR_TRAINING,
        title="Mentor training, London",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        location="Library",
        capacity=10,
    )
    training.booking_create(event_id=event.pk, member=carol)
    clock.move(days=31)
    assert reminders(django_capture_on_commit_callbacks) == []
