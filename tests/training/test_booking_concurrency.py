"""Simultaneous bookings for an event's last places, on PostgreSQL."""

import datetime
import threading
import time

import pytest
from django.db import connections
from django.utils import timezone

from mentorscheme.training import services
from mentorscheme.training.models import (
    Booking,
    BookingStatus,
    EventKind,
    TrainingEvent,
)
from tests import factories as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ATTEMPTS = 12


def _race(event, members):
    barrier = threading.Barrier(len(members))
    outcomes = []

    def attempt(member):
        try:
            barrier.wait()
            outcomes.append(
                services.booking_create(event_id=event.pk, member=member).status
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _setup(capacity):
    starts = timezone.now() + datetime.timedelta(days=5)
    event = TrainingEvent.objects.create(
        kind=EventKind.WORKSHOP,
        title="Workshop",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="Hall",
        capacity=capacity,
    )
    return event, [f.MemberFactory() for _ in range(ATTEMPTS)]


def test_simultaneous_bookings_never_oversell_the_last_places():
    event, members = _setup(capacity=3)
    outcomes = _race(event, members)
    assert outcomes.count(BookingStatus.BOOKED) == 3
    assert outcomes.count(BookingStatus.WAITING) == ATTEMPTS - 3
    assert Booking.objects.filter(event=event, status=BookingStatus.BOOKED).count() == 3


def test_without_the_lock_the_race_is_real(monkeypatch):
    """Negative control: with the event lock removed, places are oversold."""
    original_count = services.places_taken

    def slow_count(event):
        taken = original_count(event)
        time.sleep(0.05)  # widen the window between reading and writing
        return taken

    monkeypatch.setattr(
        services, "_locked_event", lambda pk: TrainingEvent.objects.get(pk=pk)
    )
    monkeypatch.setattr(services, "places_taken", slow_count)
    event, members = _setup(capacity=3)
    _race(event, members)
    assert Booking.objects.filter(event=event, status=BookingStatus.BOOKED).count() > 3


def _one_member_books_at_once(events, member):
    barrier = threading.Barrier(len(events))
    outcomes = []

    def attempt(event):
        try:
            barrier.wait()
            services.booking_create(event_id=event.pk, member=member)
            outcomes.append("booked")
        except services.TrainingError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _workshops(count):
    starts = timezone.now() + datetime.timedelta(days=5)
    return [
        TrainingEvent.objects.create(
            kind=EventKind.WORKSHOP,
            title=f"Workshop {i}",
            region=f.region("london"),
            starts_at=starts + datetime.timedelta(days=i),
            ends_at=starts + datetime.timedelta(days=i, hours=2),
            location="Hall",
            capacity=5,
        )
        for i in range(count)
    ]


def test_one_member_booking_several_workshops_at_once_gets_one_place():
    member = f.MemberFactory()
    outcomes = _one_member_books_at_once(_workshops(6), member)
    assert sorted(outcomes) == ["booked"] + ["refused"] * 5
    assert Booking.objects.filter(member=member).count() == 1


def test_without_the_member_lock_one_member_gets_several_places(monkeypatch):
    """Negative control: without the lock on the member, each booking finds no
    other and several are taken."""
    original = services.booking_of_the_same_kind

    def slow_check(**kwargs):
        held = original(**kwargs)
        time.sleep(0.05)  # widen the window between reading and writing
        return held

    monkeypatch.setattr(services, "booking_of_the_same_kind", slow_check)
    monkeypatch.setattr(services, "_lock_member", lambda member: None)
    member = f.MemberFactory()
    _one_member_books_at_once(_workshops(6), member)
    assert Booking.objects.filter(member=member).count() > 1
