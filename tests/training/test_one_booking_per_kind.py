"""A member holds a place on one mentor training, and one workshop, at a time."""

import datetime

from django.core import mail
from django.utils import timezone

from mentorscheme.training import services
from mentorscheme.training.models import Booking, BookingStatus, EventKind
from tests.personas import login
from tests.training.test_bookings import make_event


def test_a_second_training_session_is_refused_naming_the_one_held(client, alice, bob):
    held = make_event(days=10, title="Mentor training, Camden")
    other = make_event(days=20, capacity=1, title="Mentor training, Croydon")
    login(client, alice)
    client.post(f"/training/{held.pk}/book/")
    page = client.post(f"/training/{other.pk}/book/", follow=True).text
    assert "already hold a place on “Mentor training, Camden”" in page
    assert "move your booking here (below) or cancel that one first" in page
    assert not Booking.objects.filter(event=other, member=alice).exists()
    # The scarce place is still there for someone else.
    assert services.booking_create(event_id=other.pk, member=bob).status == "booked"


def test_the_event_page_points_to_the_booking_held_instead_of_offering_another(
    client, alice
):
    held = make_event(days=10, kind=EventKind.WORKSHOP, title="Workshop, Camden")
    other = make_event(days=20, kind=EventKind.WORKSHOP, title="Workshop, Croydon")
    services.booking_create(event_id=held.pk, member=alice)
    page = login(client, alice).get(f"/training/{other.pk}/").text
    assert "Book a place" not in page
    assert f'href="/training/{held.pk}/">Workshop, Camden</a>' in page
    # Once that booking is cancelled, this one can be booked.
    [booking] = Booking.objects.filter(event=held, member=alice)
    services.booking_cancel(booking_id=booking.pk, member=alice)
    assert "Book a place" in client.get(f"/training/{other.pk}/").text
    client.post(f"/training/{other.pk}/book/")
    assert Booking.objects.get(event=other, member=alice).status == "booked"


def test_a_place_on_a_waiting_list_counts_as_the_one_held(client, alice, bob):
    full = make_event(days=10, capacity=1, title="Mentor training, Camden")
    services.booking_create(event_id=full.pk, member=bob)
    assert services.booking_create(event_id=full.pk, member=alice).status == "waiting"
    other = make_event(days=20)
    page = login(client, alice).post(f"/training/{other.pk}/book/", follow=True).text
    assert "on the waiting list for “Mentor training, Camden”" in page
    assert "move your booking here (below)" in page
    assert not Booking.objects.filter(event=other, member=alice).exists()


def test_one_of_each_kind_and_any_number_of_briefings_can_be_held(db, alice):
    booked = [
        services.booking_create(event_id=make_event(kind=kind).pk, member=alice)
        for kind in (
            EventKind.MENTOR_TRAINING,
            EventKind.WORKSHOP,
            EventKind.BRIEFING,
            EventKind.BRIEFING,
            EventKind.WEBINAR,
            EventKind.WEBINAR,
        )
    ]
    assert {b.status for b in booked} == {BookingStatus.BOOKED}


def test_a_session_attended_or_cancelled_does_not_stop_booking_another(
    db, alice, clock
):
    past = make_event(days=1)
    services.booking_create(event_id=past.pk, member=alice)
    clock.move(days=2)
    cancelled = make_event(days=5)
    services.booking_create(event_id=cancelled.pk, member=alice)
    services.event_cancel(event=cancelled)
    later = make_event(days=9)
    booking = services.booking_create(event_id=later.pk, member=alice)
    assert booking.status == BookingStatus.BOOKED
    assert later.starts_at > timezone.now() + datetime.timedelta(days=8)


def test_a_booking_held_is_moved_here_once_confirmed_its_place_going_to_the_waiting_list(
    client, alice, bob, django_capture_on_commit_callbacks
):
    held = make_event(days=10, capacity=1, title="Mentor training, Camden")
    here = make_event(days=20, title="Mentor training, Croydon")
    services.booking_create(event_id=held.pk, member=alice)
    services.booking_create(event_id=held.pk, member=bob)  # waiting
    login(client, alice)
    page = client.get(f"/training/{here.pk}/").text
    assert "Move my booking to this event" in page
    [booking] = Booking.objects.filter(event=held, member=alice)
    mail.outbox.clear()
    # First, what moving does, and who is emailed; nothing changes until the yes.
    move = f"/training/{here.pk}/move/"
    page = client.post(move, {"booking": booking.pk}).text
    assert "Move your booking to Mentor training, Croydon on " in page
    assert "You give up your place at Mentor training, Camden on " in page
    assert (
        "The first person on the waiting list is given your place and emailed." in page
    )
    assert "Yes, move my booking" in page
    assert Booking.objects.get(pk=booking.pk).status == "booked" and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            move, {"booking": booking.pk, "confirmed": "yes"}, follow=True
        ).text
    assert "Your booking has been moved to this event" in page
    assert "You are <strong>booked</strong>" in page
    assert Booking.objects.get(event=held, member=alice).status == "cancelled"
    assert Booking.objects.get(event=held, member=bob).status == "booked"
    assert {(m.to[0], "Booked" in m.subject) for m in mail.outbox} >= {
        ("alice@example.org", True),
        ("bob@example.org", True),
    }


def test_a_booking_is_not_moved_to_a_full_event(client, alice, bob):
    held = make_event(days=10, title="Mentor training, Camden")
    full = make_event(days=20, capacity=1, title="Mentor training, Croydon")
    services.booking_create(event_id=held.pk, member=alice)
    services.booking_create(event_id=full.pk, member=bob)
    login(client, alice)
    assert "Move my booking" not in client.get(f"/training/{full.pk}/").text
    [booking] = Booking.objects.filter(event=held, member=alice)
    page = client.post(
        f"/training/{full.pk}/move/", {"booking": booking.pk}, follow=True
    ).text
    assert "This event is full, so your booking was not moved" in page
    page = client.post(f"/training/{full.pk}/book/", follow=True).text
    assert "cancel that one first, then join this event" in page
    assert Booking.objects.get(pk=booking.pk).status == "booked"
    assert not Booking.objects.filter(event=full, member=alice).exists()


def test_nobody_moves_another_members_booking(client, alice, bob):
    held = make_event(days=10)
    here = make_event(days=20)
    booking = services.booking_create(event_id=held.pk, member=bob)
    response = login(client, alice).post(
        f"/training/{here.pk}/move/", {"booking": booking.pk}
    )
    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).status == "booked"


def test_a_waiting_place_from_before_the_rule_does_not_become_a_second_place(
    db, alice, bob, carol, django_capture_on_commit_callbacks
):
    """Alice joined Camden's waiting list before one place was enough, and has since
    booked Croydon. When a Camden place comes free it goes to Carol, next on the
    list and holding none, not to Alice as a second place; Alice keeps hers, and her
    place on the list, for if she gives up Croydon."""
    camden = make_event(days=10, capacity=1, title="Mentor training, Camden")
    croydon = make_event(days=20, title="Mentor training, Croydon")
    services.booking_create(event_id=camden.pk, member=bob)
    Booking.objects.create(event=camden, member=alice, status=BookingStatus.WAITING)
    Booking.objects.create(event=croydon, member=alice, status=BookingStatus.BOOKED)
    Booking.objects.create(event=camden, member=carol, status=BookingStatus.WAITING)
    [bobs] = Booking.objects.filter(event=camden, member=bob)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking_id=bobs.pk, member=bob)
    assert Booking.objects.get(event=camden, member=carol).status == "booked"
    assert Booking.objects.get(event=camden, member=alice).status == "waiting"
    assert not [m for m in mail.outbox if m.to == ["alice@example.org"]]
    [carols] = [m for m in mail.outbox if m.to == ["carol@example.org"]]
    assert "Camden" in carols.subject + carols.body
    # Once Alice gives up Croydon, the next Camden place is hers.
    [held] = Booking.objects.filter(event=croydon, member=alice)
    services.booking_cancel(booking_id=held.pk, member=alice)
    [carol_place] = Booking.objects.filter(event=camden, member=carol)
    services.booking_cancel(booking_id=carol_place.pk, member=carol)
    assert Booking.objects.get(event=camden, member=alice).status == "booked"


def test_waiting_on_two_sessions_from_before_the_rule_ends_with_one_place(
    db, alice, bob
):
    camden = make_event(days=10, capacity=1, title="Mentor training, Camden")
    croydon = make_event(days=20, capacity=1, title="Mentor training, Croydon")
    for event in (camden, croydon):
        Booking.objects.create(event=event, member=bob, status=BookingStatus.BOOKED)
        Booking.objects.create(event=event, member=alice, status=BookingStatus.WAITING)
    for event in (camden, croydon):
        [place] = Booking.objects.filter(event=event, member=bob)
        services.booking_cancel(booking_id=place.pk, member=bob)
    statuses = sorted(
        Booking.objects.filter(member=alice).values_list("status", flat=True)
    )
    assert statuses == ["booked", "waiting"]
