"""An online event's joining link goes only to the people booked on it (their
confirmation, their private calendar feed) and to the officers who run it."""

import icalendar
from django.core import mail

from mentorscheme.privacy import feeds
from mentorscheme.training import services
from tests.personas import login
from tests.training.test_bookings import make_event

LINK = "https://meet.example.org/secret-room-42"


def online_event():
    return make_event(capacity=5, online_url=LINK)


def test_the_public_calendar_file_has_no_joining_link(client, db):
    event = online_event()
    response = client.get(f"/training/{event.pk}/event.ics")
    assert response.status_code == 200
    assert LINK not in response.content.decode()


def test_a_member_not_booked_sees_no_joining_link_in_the_api_or_the_file(client, alice):
    event = online_event()
    login(client, alice)
    assert client.get(f"/api/events/{event.pk}").json()["online_url"] is None
    listed = client.get("/api/events").json()["items"]
    assert [e["online_url"] for e in listed if e["id"] == event.pk] == [None]
    assert LINK not in client.get(f"/training/{event.pk}/event.ics").text


def test_a_booked_member_gets_the_link_everywhere_that_is_theirs(
    client, alice, django_capture_on_commit_callbacks
):
    event = online_event()
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_create(event_id=event.pk, member=alice)
    [confirmation] = mail.outbox
    assert LINK in confirmation.body
    [(_, invite, _)] = confirmation.attachments
    [vevent] = icalendar.Calendar.from_ical(invite).walk("VEVENT")
    assert str(vevent["URL"]) == LINK
    assert LINK in feeds.feed_for(alice).decode()
    login(client, alice)
    assert client.get(f"/api/events/{event.pk}").json()["online_url"] == LINK
    assert LINK in client.get(f"/training/{event.pk}/event.ics").text


def test_the_officer_who_runs_it_sees_the_link(client, olivia):
    event = online_event()  # in London, Olivia's region
    login(client, olivia)
    assert client.get(f"/api/events/{event.pk}").json()["online_url"] == LINK


def test_an_officer_of_another_region_does_not(client, oscar):
    event = online_event()
    login(client, oscar)
    assert client.get(f"/api/events/{event.pk}").json()["online_url"] is None
