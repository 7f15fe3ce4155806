"""iCalendar (RFC 5545) for training events, with stable UIDs.

Times are always written in UTC: a TZID would need a VTIMEZONE defining it in the
same file (RFC 5545 3.2.19), and a UTC time means the same instant in every client.

Emailed invitations follow iTIP (RFC 5546): a booking is sent as a REQUEST to the
member as attendee; a change as a REQUEST with the same UID and a higher SEQUENCE;
a cancellation, of the event or of the member's place, as a CANCEL with the same
UID and a higher SEQUENCE, which calendar programs act on by removing the event.
"""

import datetime
import email.utils

import icalendar
from django.conf import settings

PRODID = "-//Mentor Scheme//Professional Registration mentoring//EN"


def event_uid(event) -> str:
    return f"event-{event.uid}@mentorscheme"


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def _vevent(event, *, cancelled: bool = False, link: bool = False) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", datetime.datetime.now(tz=datetime.UTC))
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.ends_at))
    vevent.add("summary", event.title)
    vevent.add("description", event.description or event.get_kind_display())
    if event.location:
        vevent.add("location", event.location)
    if event.online_url and link:
        vevent.add("url", event.online_url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("sequence", event.sequence)
    return vevent


def _calendar(method: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    return cal


def calendar_for(
    events, *, method: str = "PUBLISH", cancelled: bool = False, links=frozenset()
) -> bytes:
    """A calendar of ``events``; the joining link of an online event only for the
    events whose pks are in ``links`` (the reader holds a place on it or runs it)."""
    cal = _calendar(method)
    cal.add("x-wr-calname", "Mentor Scheme")
    for event in events:
        cal.add_component(_vevent(event, cancelled=cancelled, link=event.pk in links))
    return cal.to_ical()


def invitation_method(*, cancelled: bool) -> str:
    return "CANCEL" if cancelled else "REQUEST"


def invitation(event, *, member, cancelled: bool = False) -> bytes:
    """An attachment for a booking email to ``member``, who holds (or held) a place:
    adds the event, with its joining link, to their calendar, replaces it there
    (the event's SEQUENCE went up), or removes it (``cancelled``)."""
    vevent = _vevent(event, cancelled=cancelled, link=not cancelled)
    name, address = email.utils.parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = icalendar.vText(name or "Mentor Scheme")
    vevent.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{member.email}")
    attendee.params["cn"] = icalendar.vText(member.full_name)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    if not cancelled:
        # The place is booked (and given up) on the site: nothing to reply.
        attendee.params["partstat"] = icalendar.vText("ACCEPTED")
        attendee.params["rsvp"] = icalendar.vText("FALSE")
    vevent.add("attendee", attendee)
    cal = _calendar(invitation_method(cancelled=cancelled))
    cal.add_component(vevent)
    return cal.to_ical()
