import datetime

import icalendar
from django.core import mail

from mentorscheme.mentoring.models import Meeting, MentoringRelationship
from mentorscheme.privacy.models import CalendarFeed
from mentorscheme.training import calendar, services
from mentorscheme.training.models import Booking
from tests.personas import login
from tests.privacy.conftest import event


def _feed_url(client, member) -> str:
    login(client, member)
    client.post("/privacy/calendar/change/", {"action": "renew", "confirmed": "yes"})
    page = client.get("/privacy/calendar/")
    client.logout()
    return page.context["url"].removeprefix("http://testserver")


def _read(client, url) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def test_a_member_gets_a_private_feed_of_training_and_meetings(client, alice, bob):
    booked = event(7, title="Workshop")
    Booking.objects.create(event=booked, member=alice, status="booked")
    Booking.objects.create(
        event=event(9, title="Not mine"), member=bob, status="booked"
    )
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    meeting = Meeting.objects.create(
        relationship=relationship,
        held_on=datetime.date(2026, 3, 2),
        mode="teams",
        duration_minutes=30,
        notes="Private notes",
    )
    feed = _read(client, _feed_url(client, alice))

    assert feed["VERSION"] == "2.0" and feed["PRODID"] == calendar.PRODID
    vevents = {str(v["UID"]): v for v in feed.walk("VEVENT")}
    assert set(vevents) == {
        calendar.event_uid(booked),
        f"meeting-{meeting.pk}@mentorscheme",
    }
    for vevent in vevents.values():
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(vevent)
    entry = vevents[f"meeting-{meeting.pk}@mentorscheme"]
    assert entry.decoded("DTSTART") == datetime.date(2026, 3, 2)
    assert str(entry["SUMMARY"]) == "Mentoring meeting with Bob"
    assert "Private notes" not in feed.to_ical().decode()


def test_uids_are_stable_between_reads_and_match_the_invitation(
    client, alice, django_capture_on_commit_callbacks
):
    booked = event(7)
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_create(event_id=booked.pk, member=alice)
    invitation = icalendar.Calendar.from_ical(mail.outbox[-1].attachments[0][1]).walk(
        "VEVENT"
    )[0]
    url = _feed_url(client, alice)
    first = [str(v["UID"]) for v in _read(client, url).walk("VEVENT")]
    second = [str(v["UID"]) for v in _read(client, url).walk("VEVENT")]
    assert first == second == [str(invitation["UID"])]


def test_a_called_off_event_shows_as_cancelled(client, alice):
    called_off = event(7, is_cancelled=True)
    Booking.objects.create(event=called_off, member=alice, status="cancelled")
    (vevent,) = _read(client, _feed_url(client, alice)).walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_new_address_retires_the_old_one(client, alice):
    old = _feed_url(client, alice)
    new = _feed_url(client, alice)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert CalendarFeed.objects.get().last_read_at is not None


def test_turning_the_feed_off(client, alice):
    url = _feed_url(client, alice)
    login(client, alice)
    asked = client.post("/privacy/calendar/change/", {"action": "off"}).text
    assert "Turn off your calendar address?" in asked
    assert "No calendar app has read it yet." in asked
    assert client.get(url).status_code == 200
    client.post("/privacy/calendar/change/", {"action": "off", "confirmed": "yes"})
    assert client.get("/privacy/calendar/").context["url"] is None
    assert client.get(url).status_code == 404


def test_a_new_address_is_asked_for_before_the_old_one_stops(client, alice):
    old = _feed_url(client, alice)
    login(client, alice)
    asked = client.post("/privacy/calendar/change/", {"action": "renew"}).text
    assert "Make a new calendar address?" in asked
    assert "Your current address stops working at once" in asked
    assert client.get(old).status_code == 200


def test_a_lapsed_members_feed_stops(client, alice):
    url = _feed_url(client, alice)
    alice.membership_status = "lapsed"
    alice.save()
    assert client.get(url).status_code == 404


def test_the_calendar_page_is_for_members(client, sam_with_totp):
    assert client.get("/privacy/calendar/").status_code == 302
    login(client, sam_with_totp)
    assert client.get("/privacy/calendar/").status_code == 403
    assert client.get("/privacy/calendar/nonsense.ics").status_code == 404


def test_the_privacy_notice_is_public_and_plain(client):
    page = client.get("/privacy/").content.decode()
    assert "What we keep" in page and "Your rights" in page
    assert "/privacy/export/" not in page  # offered once signed in


def test_an_unknown_calendar_action_is_refused(client, alice):
    login(client, alice)
    assert client.post("/privacy/calendar/change/", {"action": "x"}).status_code == 400
    assert not CalendarFeed.objects.exists()
