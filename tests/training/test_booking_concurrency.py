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
