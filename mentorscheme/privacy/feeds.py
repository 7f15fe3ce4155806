"""A member's private calendar feed (RFC 5545): their training and mentoring meetings.

Training events come from ``training.calendar``, so an event has the same UID in the
feed as in the invitation emailed at booking, and calendar apps merge the two.
Meetings are logged by date, so they are all-day entries with UIDs
``meeting-<id>@mentorscheme``. Meeting notes never go into the feed: calendar
services keep copies of what they read.
"""

import datetime

import icalendar
from django.db.models import Q

from mentorscheme.mentoring.models import Meeting
from mentorscheme.training import calendar
from mentorscheme.training.models import PLACE_STATUSES, BookingStatus, TrainingEvent


def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@mentorscheme"


def _events(member):
    booked = TrainingEvent.objects.filter(
        bookings__member=member, bookings__status__in=PLACE_STATUSES
    )
    # A place lost because the event was called off shows as cancelled, so the
    # entry leaves calendars with a reason rather than silently.
    called_off = TrainingEvent.objects.filter(
        is_cancelled=True,
        bookings__member=member,
        bookings__status=BookingStatus.CANCELLED,
    )
    live = list(booked.filter(is_cancelled=False).distinct().order_by("starts_at"))
    cancelled = list(
        (booked.filter(is_cancelled=True) | called_off).distinct().order_by("starts_at")
    )
    return live, cancelled


def _meeting_vevent(meeting: Meeting, member) -> icalendar.Event:
    relationship = meeting.relationship
    mentor, candidate = relationship.mentor.member, relationship.enrolment.member
    other = candidate if mentor.pk == member.pk else mentor
    vevent = icalendar.Event()
    vevent.add("uid", meeting_uid(meeting))
    vevent.add("dtstamp", meeting.created_at)
    vevent.add("dtstart", meeting.held_on)
    vevent.add("dtend", meeting.held_on + datetime.timedelta(days=1))
    vevent.add("summary", f"Mentoring meeting with {other.first_name}")
    vevent.add(
        "description",
        f"{meeting.get_mode_display()}, {meeting.duration_minutes} minutes.",
    )
    vevent.add("transp", "TRANSPARENT")
    vevent.add("status", "CONFIRMED")
    return vevent


def feed_for(member) -> bytes:
    live, cancelled = _events(member)
    # The member's own feed: they hold a place on every live event in it.
    links = {event.pk for event in live}
    feed = icalendar.Calendar.from_ical(calendar.calendar_for(live, links=links))
    if cancelled:
        ics = calendar.calendar_for(cancelled, cancelled=True)
        for vevent in icalendar.Calendar.from_ical(ics).walk("VEVENT"):
            feed.add_component(vevent)
    meetings = Meeting.objects.filter(
        Q(relationship__enrolment__member=member)
        | Q(relationship__mentor__member=member),
        removed_at__isnull=True,
    ).select_related("relationship__enrolment__member", "relationship__mentor__member")
    for meeting in meetings.order_by("held_on", "pk"):
        feed.add_component(_meeting_vevent(meeting, member))
    return feed.to_ical()
