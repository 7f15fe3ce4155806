"""Before anything that cannot be undone, a page says what will happen and who is
emailed; nothing changes until the person says yes."""

import datetime

from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRelationship, RequestStatus
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.training.models import Booking, BookingStatus, TrainingEvent
from tests import factories as f
from tests.personas import login


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


def _request_from_alice_to_bob(alice, bob):
    return mentoring.request_create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hello"
    )


def test_declining_a_request_first_says_who_is_emailed_and_changes_nothing(
    client, alice, bob, django_capture_on_commit_callbacks
):
    request = _request_from_alice_to_bob(alice, bob)
    login(client, bob)
    url = f"/mentoring/requests/{request.pk}/decline/"
    answer = {"reason": "busy", "message": "Try again in spring."}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, answer).text
    assert "Decline Alice Archer’s request?" in page
    assert "Alice is emailed that you have declined" in page
    assert "I am too busy at the moment" in page and "and your message" in page
    assert "<li>Alice Archer</li>" in page
    assert "it cannot be reopened" in page
    # The confirmation posts the answer again, so nothing is typed twice.
    assert 'name="message" value="Try again in spring."' in page
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**answer, "confirmed": "yes"})
    assert response["Location"] == "/mentors/"
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == (RequestStatus.DECLINED, "busy")
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_withdrawing_a_request_first_says_who_is_emailed_and_changes_nothing(
    client, alice, bob, django_capture_on_commit_callbacks
):
    request = _request_from_alice_to_bob(alice, bob)
    mail.outbox.clear()
    login(client, alice)
    url = f"/mentoring/requests/{request.pk}/withdraw/"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url).text
    assert "Withdraw your request to Bob Baker?" in page
    assert "Bob is emailed that you have withdrawn it" in page
    assert "<li>Bob Baker</li>" in page
    assert "One of the 3 requests you may have open at once is free" in page
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"})
    assert response["Location"] == "/mentoring/"
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_a_decline_without_a_reason_is_sent_back_before_any_confirmation(
    client, alice, bob
):
    request = _request_from_alice_to_bob(alice, bob)
    login(client, bob)
    response = client.post(f"/mentoring/requests/{request.pk}/decline/")
    assert response.status_code == 400
    assert "Choose a reason for declining." in response.text
    assert "Decline Alice Archer’s request?" not in response.text
