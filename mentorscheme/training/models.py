"""Training events (mentor training, workshops, briefings, webinars) and bookings."""

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentorscheme.members.models import Member, Region
from mentorscheme.scheme.models import RegulationsVersion


class EventKind(models.TextChoices):
    MENTOR_TRAINING = "mentor_training", "Mentor training"
    WORKSHOP = "workshop", "Professional Registration workshop"
    BRIEFING = "briefing", "Regulations briefing"
    WEBINAR = "webinar", "Webinar"


class TrainingEvent(models.Model):
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    title = models.CharField(max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="events")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(
        max_length=300, blank=True, help_text="Address, if in person."
    )
    online_url = models.URLField(blank=True, help_text="Joining link, if online.")
    capacity = models.PositiveIntegerField()
    description = models.TextField(blank=True)
    regulations = models.ForeignKey(
        RegulationsVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="For a briefing: the regulations it explains.",
    )
    recording_url = models.URLField(
        blank=True, help_text="For a webinar: where to watch the recording afterwards."
    )
    recording_announced_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When listed mentors were told of the recording (they are told once).",
    )
    is_cancelled = models.BooleanField(default=False)
    waiting_told_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When those still on the waiting list as the event started were "
        "told no place came free (they are told once).",
    )
    register_reminded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the region's officers were reminded of places left "
        "unrecorded in the register a day after the event (they are reminded once).",
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="The invitation's revision (iCalendar SEQUENCE): raised whenever "
        "the time, place or joining link changes, or the event is cancelled, so "
        "calendars replace the copy they hold.",
    )
    created_by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="event_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1), name="event_has_places"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_at:%d %b %Y})"

    def get_absolute_url(self):
        return reverse("training:event", args=[self.pk])

    @property
    def is_past(self) -> bool:
        return self.ends_at < timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITING = "waiting", "On the waiting list"
    ATTENDED = "attended", "Attended"
    NO_SHOW = "no_show", "Did not attend"
    CANCELLED = "cancelled", "Cancelled"


# Statuses that take a place.
PLACE_STATUSES = [BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW]
LIVE_STATUSES = [*PLACE_STATUSES, BookingStatus.WAITING]
#: Statuses of a booking still held before the event: a place, or a turn on the
#: waiting list (what a member can cancel or move, and what a lapse or erasure ends).
HELD_STATUSES = [BookingStatus.BOOKED, BookingStatus.WAITING]


class Booking(models.Model):
    event = models.ForeignKey(
        TrainingEvent, on_delete=models.CASCADE, related_name="bookings"
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="bookings"
    )
    status = models.CharField(max_length=20, choices=BookingStatus.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=Q(status__in=LIVE_STATUSES),
                name="one_live_booking_per_member",
            )
        ]
        indexes = [
            # Places held and not yet marked attended or not: those of events over
            # are the registers still to take, on every officer's dashboard.
            models.Index(
                fields=["event"],
                condition=Q(status=BookingStatus.BOOKED),
                name="booking_place_unrecorded",
            )
        ]

    def __str__(self):
        return f"{self.member} — {self.event} ({self.status})"


class RegulationsBriefing(models.Model):
    """A published update on a regulations version, with its recorded webinar."""

    regulations = models.ForeignKey(
        RegulationsVersion, on_delete=models.PROTECT, related_name="briefings"
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    recording_url = models.URLField(blank=True)
    recorded_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at"]

    def __str__(self):
        return self.title


class AcknowledgementHow(models.TextChoices):
    WATCHED = "watched", "Watched the recording"
    ATTENDED = "attended", "Attended a briefing"


class BriefingAcknowledgement(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="briefings"
    )
    regulations = models.ForeignKey(RegulationsVersion, on_delete=models.PROTECT)
    how = models.CharField(max_length=20, choices=AcknowledgementHow.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "regulations"], name="one_acknowledgement_per_version"
            )
        ]

    def __str__(self):
        return f"{self.member}: {self.regulations} ({self.how})"
