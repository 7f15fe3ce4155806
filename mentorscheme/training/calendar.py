"""iCalendar (RFC 5545) for training events, with stable UIDs."""

import datetime

import icalendar

PRODID = "-//Mentor Scheme//Professional Registration mentoring//EN"


def event_uid(event) -> str:
    return f"event-{event.uid}@mentorscheme"


def _vevent(event, *, cancelled: bool = False, link: bool = False) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_uid(event))
    vevent.add("dtstamp", datetime.datetime.now(tz=datetime.UTC))
    vevent.add("dtstart", event.starts_at)
    vevent.add("dtend", event.ends_at)
    vevent.add("summary", event.title)
    vevent.add("description", event.description or event.get_kind_display())
    if event.location:
        vevent.add("location", event.location)
    if event.online_url and link:
        vevent.add("url", event.online_url)
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    vevent.add("sequence", event.sequence)
    return vevent


def calendar_for(
    events, *, method: str = "PUBLISH", cancelled: bool = False, links=frozenset()
) -> bytes:
    """A calendar of ``events``; the joining link of an online event only for the
    events whose pks are in ``links`` (the reader holds a place on it or runs it)."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("x-wr-calname", "Mentor Scheme")
    for event in events:
        cal.add_component(_vevent(event, cancelled=cancelled, link=event.pk in links))
    return cal.to_ical()


def invitation(event, *, cancelled: bool = False) -> bytes:
    """An attachment for a booking email (to the member booked): adds the event,
    with its joining link, to their calendar."""
    return calendar_for([event], cancelled=cancelled, links={event.pk})
