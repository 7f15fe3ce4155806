"""Before anything that cannot be undone, a page says what will happen and who is
emailed; nothing changes until the person says yes."""

import datetime

from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.training.models import Booking, BookingStatus, TrainingEvent
from tests import factories as f
from tests.conftest import login


def test_stepping_down_names_the_candidates_who_are_told(
    client, alice, bob, django_capture_on_commit_callbacks
):
    MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    login(client, bob)
    page = client.post("/mentors/retire/").text
    assert "Step down as a mentor?" in page
    assert "<li>Alice Archer</li>" in page
    bob.mentor_profile.refresh_from_db()
    assert bob.mentor_profile.status == MentorStatus.LISTED
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentors/retire/", {"confirmed": "yes"})
    bob.mentor_profile.refresh_from_db()
    assert bob.mentor_profile.status == MentorStatus.RETIRED


def test_cancelling_an_event_names_who_is_emailed(
    client, olivia, alice, django_capture_on_commit_callbacks
):
    start = timezone.now() + datetime.timedelta(days=10)
    event = TrainingEvent.objects.create(
        kind="workshop",
        title="Workshop in London",
        region=f.region("london"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=5,
    )
    Booking.objects.create(event=event, member=alice, status=BookingStatus.BOOKED)
    login(client, olivia)
    url = f"/training/manage/{event.pk}/cancel/"
    page = client.post(url).text
    assert "Cancel Workshop in London?" in page
    assert "(1 person)" in page and "<li>Alice Archer</li>" in page
    event.refresh_from_db()
    assert not event.is_cancelled and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirmed": "yes"})
    event.refresh_from_db()
    assert event.is_cancelled
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_a_candidate_asking_for_help_can_be_emailed_from_the_dashboard(
    client, alice, olivia
):
    mentoring.help_request(enrolment=alice.enrolments.get(), message="Please help")
    page = login(client, olivia).get("/oversight/").text
    assert 'href="mailto:alice@example.org?subject=Finding%20a%20mentor"' in page
    assert "Mark as helped" in page
