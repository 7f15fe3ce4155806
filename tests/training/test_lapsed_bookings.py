"""A member whose membership lapses holding places at training, workshops or
briefings to come: kept for the grace period, as their mentoring is, then given to
others (the waiting list first)."""

import datetime

import icalendar
from django.core import mail

from mentorscheme.training import services
from mentorscheme.training.models import EventKind, TrainingEvent
from tests.mentoring.test_membership_lapse import (
    after_grace,
    lapse,
    renew,
    run_periodic,
    to,
)
from tests.personas import login
from tests.training.test_bookings import make_event


def booked(event, *members):
    return [services.booking_create(event_id=event.pk, member=m) for m in members]


def status(booking):
    booking.refresh_from_db()
    return booking.status


def test_a_lapsed_member_keeps_their_places_for_the_grace_period_and_is_told(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    training = make_event(days=40)
    workshop = make_event(days=50, kind=EventKind.WORKSHOP)
    TrainingEvent.objects.filter(pk=workshop.pk).update(
        title="Professional Registration workshop"
    )
    (place,) = booked(training, carol)
    (other_place,) = booked(workshop, carol)
    lapse(carol)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        out = run_periodic()
    assert "members newly lapsed told their bookings are kept 1" in out
    until = f"{after_grace():%-d %B %Y}"
    (told,) = to(carol)
    assert told.subject.endswith(
        f"Your membership has lapsed: your bookings are kept until {until}"
    )
    assert "Mentor training, London (Mentor training)" in told.body
    assert "Professional Registration workshop" in told.body
    assert "If your renewal is recorded by then, you keep them" in told.body
    assert status(place) == status(other_place) == "booked"
    login(client, carol)
    page = client.get(f"/training/{training.pk}/").text
    assert "You are <strong>booked</strong>" in page
    assert f"your place is kept until {until}" in page
    # Lapsed, they cannot book anything else meanwhile, and read how to.
    other = make_event(days=60)
    refused = client.post(f"/training/{other.pk}/book/", follow=True).text
    assert "Once your renewal is recorded, you can book" in refused
    login(client, olivia)
    register = client.get(f"/training/manage/{training.pk}/").text
    assert f"Membership lapsed: kept until {after_grace():%-d %b %Y}" in register
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        out = run_periodic()
    assert "told their bookings are kept 0" in out and mail.outbox == []


def test_still_lapsed_after_the_grace_period_their_place_goes_to_the_waiting_list(
    client, carol, alice, olivia, django_capture_on_commit_callbacks
):
    training = make_event(capacity=1, days=40)
    mine, alices = booked(training, carol, alice)
    assert status(alices) == "waiting"
    lapse(carol)
    run_periodic()
    day_before = after_grace() - datetime.timedelta(days=1)
    assert "cancelled after the grace period 0" in run_periodic(today=day_before)
    assert status(mine) == "booked"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        out = run_periodic(today=after_grace())
    assert "bookings cancelled after the grace period 1" in out
    assert (status(mine), status(alices)) == ("cancelled", "booked")
    (told_carol,) = to(carol)
    assert told_carol.subject.endswith(
        "Cancelled: Mentor training, London, as your membership has lapsed"
    )
    assert "your place on Mentor training, London" in told_carol.body
    assert "Once your membership is renewed, you can book again" in told_carol.body
    [(_, content, mimetype)] = told_carol.attachments
    assert mimetype == "text/calendar; method=CANCEL"
    assert str(icalendar.Calendar.from_ical(content)["METHOD"]) == "CANCEL"
    (told_alice,) = to(alice)
    assert "Booked" in told_alice.subject
    login(client, olivia)
    register = client.get(f"/training/manage/{training.pk}/").text
    assert "Alice Archer" in register and "Carol Cole" not in register
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "cancelled after the grace period 0" in run_periodic(today=after_grace())
    assert mail.outbox == []


def test_lapsed_members_waiting_are_not_given_the_places_freed_with_them(
    carol, larry, alice, django_capture_on_commit_callbacks
):
    renew(larry)
    training = make_event(capacity=1, days=40)
    carols, larrys, alices = booked(training, carol, larry, alice)
    lapse(carol)
    lapse(larry)
    run_periodic()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "cancelled after the grace period 2" in run_periodic(today=after_grace())
    assert [status(b) for b in (carols, larrys, alices)] == [
        "cancelled",
        "cancelled",
        "booked",
    ]
    (told_larry,) = to(larry)
    assert "you have been taken off the waiting list for Mentor training" in (
        told_larry.body
    )
    assert told_larry.attachments == []
    assert "Booked" in to(alice)[0].subject


def test_a_member_renewed_in_the_grace_period_keeps_their_places(
    carol, django_capture_on_commit_callbacks
):
    (mine,) = booked(make_event(days=40), carol)
    lapse(carol)
    run_periodic()
    renew(carol)
    run_periodic()
    carol.refresh_from_db()
    assert carol.membership_lapsed_at is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "cancelled after the grace period 0" in run_periodic(today=after_grace())
    assert status(mine) == "booked" and mail.outbox == []
