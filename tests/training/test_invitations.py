"""The calendar files sent with booking emails: times in UTC, and invitations,
changes and cancellations that calendar programs apply to the one event (iTIP,
RFC 5546: the same UID, a higher SEQUENCE, a CANCEL to take it out)."""

import datetime

import icalendar
from django.core import mail

from mentorscheme.training import services
from mentorscheme.training.models import BookingStatus, EventKind
from tests.personas import login
from tests.training.test_attendance import booked, make_event
from tests.training.test_event_changes import entered, event_on, form_data


def invitation_in(message):
    """The METHOD and the one VEVENT of the calendar file ``message`` carries."""
    [(_, content, mimetype)] = message.attachments
    calendar = icalendar.Calendar.from_ical(content)
    assert mimetype == f"text/calendar; method={calendar['METHOD']}"
    [vevent] = calendar.walk("VEVENT")
    return str(calendar["METHOD"]), vevent


def sent_to(member):
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    return message


def test_a_new_time_is_sent_in_utc_so_it_is_right_either_side_of_the_clock_change(
    client, olivia, alice, clock, django_capture_on_commit_callbacks
):
    clock.move_to(datetime.datetime(2026, 10, 1, 9, 0, tzinfo=datetime.UTC))
    event = event_on(EventKind.WORKSHOP, days=20)
    booked(event, alice)
    login(client, olivia)
    url = f"/training/manage/{event.pk}/"
    # Saturday 24 October, still British Summer Time; then Monday 26 October,
    # the day after the clocks go back.
    for local, utc, sequence in [
        ("24/10/2026 10:00", datetime.datetime(2026, 10, 24, 9, 0), 1),
        ("26/10/2026 10:00", datetime.datetime(2026, 10, 26, 10, 0), 2),
    ]:
        mail.outbox.clear()
        ends = local.replace("10:00", "16:00")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, form_data(event, starts_at=local, ends_at=ends))
        assert response.status_code == 302, response.text
        message = sent_to(alice)
        [(_, content, _)] = message.attachments
        assert "TZID" not in str(content)  # nothing that needs a VTIMEZONE
        method, vevent = invitation_in(message)
        assert method == "REQUEST"
        assert str(vevent["UID"]) == f"event-{event.uid}@mentorscheme"
        assert vevent["SEQUENCE"] == sequence
        assert vevent.decoded("DTSTART") == utc.replace(tzinfo=datetime.UTC)
        assert vevent.decoded("DTEND") == utc.replace(tzinfo=datetime.UTC) + (
            datetime.timedelta(hours=6)
        )
        event.refresh_from_db()
        assert entered(event.starts_at) == local


def test_a_cancelled_event_is_sent_as_a_cancel_of_the_invitation_to_those_with_a_place(
    db, alice, bob, django_capture_on_commit_callbacks
):
    event = make_event(EventKind.WORKSHOP, days=10, capacity=1)
    with django_capture_on_commit_callbacks(execute=True):
        booked(event, alice)
        assert booked(event, bob).status == BookingStatus.WAITING
    _, invited = invitation_in(sent_to(alice))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event)
    method, cancelled = invitation_in(sent_to(alice))
    assert method == "CANCEL"
    assert cancelled["UID"] == invited["UID"]
    assert cancelled["SEQUENCE"] > invited["SEQUENCE"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(cancelled["ATTENDEE"]) == "mailto:alice@example.org"
    assert "removes it from your calendar" in sent_to(alice).body
    to_bob = sent_to(bob)
    assert to_bob.attachments == []  # he had no invitation to take out
    assert "You were on its waiting list" in to_bob.body


def test_a_place_given_up_is_taken_out_of_the_calendar_and_booking_again_puts_it_back(
    db, alice, django_capture_on_commit_callbacks
):
    event = make_event(EventKind.WORKSHOP, days=10)
    with django_capture_on_commit_callbacks(execute=True):
        booking = booked(event, alice)
        services.booking_cancel(booking_id=booking.pk, member=alice)
        booked(event, alice)
    sequences = []
    for message, expected in zip(
        mail.outbox, ["REQUEST", "CANCEL", "REQUEST"], strict=True
    ):
        method, vevent = invitation_in(message)
        assert method == expected
        assert str(vevent["UID"]) == f"event-{event.uid}@mentorscheme"
        sequences.append(vevent["SEQUENCE"])
    # Each one a later revision than the last, so a calendar program applies it.
    assert sequences == sorted(set(sequences))


def test_leaving_the_waiting_list_sends_nothing_to_take_out_of_the_calendar(
    db, alice, bob, django_capture_on_commit_callbacks
):
    event = make_event(EventKind.WORKSHOP, days=10, capacity=1)
    booked(event, alice)
    waiting = booked(event, bob)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking_id=waiting.pk, member=bob)
    [message] = mail.outbox
    assert message.attachments == []
    assert "You have left the waiting list" in message.body
