import datetime
import io

import icalendar
import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.training import services
from mentorscheme.training.models import (
    Booking,
    BookingStatus,
    EventKind,
    TrainingEvent,
)
from tests import factories as f
from tests.personas import login


def make_event(capacity=2, region="london", days=10, **kwargs):
    starts = timezone.now() + datetime.timedelta(days=days)
    return TrainingEvent.objects.create(
        kind=kwargs.pop("kind", EventKind.MENTOR_TRAINING),
        title=kwargs.pop("title", "Mentor training, London"),
        region=f.region(region),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        location="Camden Library",
        capacity=capacity,
        **kwargs,
    )


def test_a_booking_email_carries_a_valid_calendar_invitation(
    client, alice, django_capture_on_commit_callbacks
):
    event = make_event()
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/training/{event.pk}/book/")
    [message] = mail.outbox
    [(filename, content, mimetype)] = message.attachments
    assert filename == "invite.ics" and mimetype == "text/calendar; method=REQUEST"
    [part] = [p for p in message.message().walk() if p.get_filename()]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    calendar = icalendar.Calendar.from_ical(content)
    assert str(calendar["METHOD"]) == "REQUEST"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.uid}@mentorscheme"
    assert str(vevent["ATTENDEE"]) == "mailto:alice@example.org"
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    assert str(vevent["SUMMARY"]) == "Mentor training, London"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)


def test_a_full_event_puts_people_on_a_waiting_list_promoted_on_cancellation(
    db, alice, bob, olivia, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    first = services.booking_create(event_id=event.pk, member=alice)
    second = services.booking_create(event_id=event.pk, member=bob)
    assert (first.status, second.status) == (
        BookingStatus.BOOKED,
        BookingStatus.WAITING,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_cancel(booking_id=first.pk, member=alice)
    second.refresh_from_db()
    assert second.status == BookingStatus.BOOKED
    assert any(
        m.to == ["bob@example.org"] and "Booked" in m.subject for m in mail.outbox
    )


def test_cancelling_a_booking_asks_first_and_says_the_place_goes_to_the_waiting_list(
    client, alice, bob, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    mine = services.booking_create(event_id=event.pk, member=alice)
    services.booking_create(event_id=event.pk, member=bob)
    login(client, alice)
    url = f"/training/bookings/{mine.pk}/cancel/"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url).text
    assert "Cancel your booking for Mentor training, London?" in page
    assert "The first person on the waiting list is given your place" in page
    mine.refresh_from_db()
    assert mine.status == BookingStatus.BOOKED and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirmed": "yes"})
    assert response.url == f"/training/{event.pk}/"
    mine.refresh_from_db()
    assert mine.status == BookingStatus.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]


def test_booking_twice_is_refused(db, alice):
    event = make_event()
    services.booking_create(event_id=event.pk, member=alice)
    with pytest.raises(services.TrainingError, match="already booked"):
        services.booking_create(event_id=event.pk, member=alice)


def test_a_past_or_cancelled_event_cannot_be_booked(db, alice):
    past = make_event(days=-1)
    with pytest.raises(services.TrainingError, match="already started"):
        services.booking_create(event_id=past.pk, member=alice)
    cancelled = make_event(is_cancelled=True)
    with pytest.raises(services.TrainingError, match="cancelled"):
        services.booking_create(event_id=cancelled.pk, member=alice)


def test_an_event_under_way_offers_no_booking_nor_cancelling(client, alice, bob, clock):
    """Booking and cancelling close when the event starts, not when it ends: the
    page stops offering the buttons the service would refuse."""
    event = make_event(days=1)
    services.booking_create(event_id=event.pk, member=alice)
    clock.move(days=1, hours=1)  # an hour into the event
    page = login(client, alice).get(f"/training/{event.pk}/").text
    assert "You are <strong>booked</strong>" in page
    assert "Cancel my booking" not in page
    page = login(client, bob).get(f"/training/{event.pk}/").text
    assert "Book a place" not in page and "Join the waiting list" not in page
    assert "This event has started" in page


def test_cancelling_an_event_tells_everyone_booked(
    db, alice, bob, django_capture_on_commit_callbacks
):
    event = make_event()
    services.booking_create(event_id=event.pk, member=alice)
    services.booking_create(event_id=event.pk, member=bob)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
    ]
    assert not Booking.objects.filter(status=BookingStatus.BOOKED).exists()


def test_officers_create_events_only_in_their_regions(client, olivia):
    login(client, olivia)
    data = {
        "kind": "workshop",
        "title": "Workshop",
        "region": f.region("scotland").pk,
        "starts_at": "2030-03-04T09:30",
        "ends_at": "2030-03-04T12:30",
        "location": "Hall",
        "capacity": "20",
    }
    response = client.post("/training/manage/new/", data)
    assert response.status_code == 400
    assert not TrainingEvent.objects.exists()
    data["region"] = f.region("london").pk
    assert client.post("/training/manage/new/", data).status_code == 302
    assert TrainingEvent.objects.get().region.code == "london"


def test_event_form_errors_are_clear(client, olivia):
    login(client, olivia)
    response = client.post(
        "/training/manage/new/",
        {
            "kind": "workshop",
            "title": "W",
            "region": f.region("london").pk,
            "starts_at": "2030-03-04T12:30",
            "ends_at": "2030-03-04T09:30",
            "capacity": "0",
        },
    )
    assert "The event must end after it starts." in response.text
    assert "Give a place, a joining link, or both." in response.text
    assert not TrainingEvent.objects.exists()


def test_an_officer_of_another_region_cannot_take_the_register(client, oscar, alice):
    event = make_event()
    booking = services.booking_create(event_id=event.pk, member=alice)
    login(client, oscar)
    response = client.post(
        f"/training/manage/{event.pk}/attendance/{booking.pk}/", {"attended": "yes"}
    )
    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED


def test_the_public_calendar_file_is_served(client, db):
    event = make_event()
    response = client.get(f"/training/{event.pk}/event.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_staff_publish_a_briefing_and_mentors_acknowledge_it(
    client, sam_with_totp, bob, django_capture_on_commit_callbacks
):
    regulations = RegulationsVersion.objects.get()
    login(client, sam_with_totp)
    form = client.get("/training/briefings/new/").text
    assert "Every mentor, listed or on the way to listing" in form
    briefing = {
        "regulations": regulations.pk,
        "title": "Webinar on the regulations",
        "recording_url": "https://video.example/webinar",
        "recorded_on": "2014-02-28",
    }
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/training/briefings/new/", briefing).text
    assert "Publish “Webinar on the regulations”?" in page
    assert "Every mentor, listed or on the way to listing, is emailed" in page
    assert not mail.outbox and not regulations.briefings.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/training/briefings/new/", briefing | {"confirmed": "yes"})
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    login(client, bob)
    assert "Not yet briefed" in client.get("/mentors/").text
    client.post("/mentors/briefings/watched/", {"regulations": regulations.pk})
    assert "Up to date with" in client.get("/mentors/").text


def test_event_times_are_typed_the_uk_way_the_hint_shows(client, olivia):
    login(client, olivia)
    form = client.get("/training/manage/new/").text
    assert "for example 27/03/2027 09:30" in form
    assert 'type="datetime-local"' not in form
    data = {
        "kind": "workshop",
        "title": "Workshop",
        "region": f.region("london").pk,
        "starts_at": "04/03/2030 09:30",
        "ends_at": "4/3/2030 12:30",
        "location": "Hall",
        "capacity": "20",
    }
    assert client.post("/training/manage/new/", data).status_code == 302
    event = TrainingEvent.objects.get()
    starts = timezone.localtime(event.starts_at)
    assert (starts.day, starts.month, starts.hour, starts.minute) == (4, 3, 9, 30)
    page = client.get(f"/training/manage/{event.pk}/").text
    assert 'value="04/03/2030 09:30"' in page


def test_an_event_time_typed_without_the_time_of_day_is_refused(client, olivia):
    # A day alone would have been read as midnight, and the event set up to start then.
    login(client, olivia)
    data = {
        "kind": "workshop",
        "title": "Workshop",
        "region": f.region("london").pk,
        "starts_at": "04/03/2030",
        "ends_at": "2030-03-04",
        "location": "Hall",
        "capacity": "20",
    }
    response = client.post("/training/manage/new/", data)
    assert response.status_code == 400
    assert response.text.count("Give the time as well as the day") == 4  # summary too
    assert not TrainingEvent.objects.exists()


def test_the_waiting_list_is_told_once_when_the_event_starts_without_a_place(
    alice, bob, carol, clock, django_capture_on_commit_callbacks
):
    """Nobody on a waiting list is left wondering: when the event starts, those still
    waiting are emailed that no place came free, and where to find the next one."""
    event = make_event(capacity=1, days=2)
    services.booking_create(event_id=event.pk, member=alice)
    services.booking_create(event_id=event.pk, member=bob)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
    assert mail.outbox == []
    clock.move(days=2, minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
        call_command("run_periodic", stdout=io.StringIO())
    [told] = mail.outbox
    assert told.to == ["bob@example.org"]
    assert "No place came free: Mentor training, London" in told.subject
    assert "/training/?kind=mentor_training" in told.body
