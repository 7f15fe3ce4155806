"""Mentoring: requests, relationships, agreements, meetings, and officer access."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from mentorscheme.mentors.models import MeetingMode, MentorProfile
from mentorscheme.scheme.models import Enrolment, EnrolmentChange, EnrolmentStatus


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the mentor"
    MORE_INFO = "more_info", "Mentor asked for more information"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired (no answer)"
    CLOSED = "closed", "Closed by the scheme"


OPEN_REQUEST_STATUSES = [RequestStatus.PENDING, RequestStatus.MORE_INFO]

#: An open request's status as its mentor reads it: about them, so to them.
MENTOR_STATUS_LABELS = {
    RequestStatus.PENDING: "Waiting for your answer",
    RequestStatus.MORE_INFO: "You asked for more information",
}


class DeclineReason(models.TextChoices):
    FULL = "full", "I have no free place"
    BUSY = "busy", "I am too busy at the moment"
    NOT_A_FIT = "not_a_fit", "I am not the right mentor for you"
    OTHER = "other", "Another reason"


class MentoringRequest(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="requests"
    )
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="requests"
    )
    message = models.TextField()
    status = models.CharField(
        max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    decline_reason = models.CharField(
        max_length=20, choices=DeclineReason.choices, blank=True
    )
    response = models.TextField(
        blank=True, help_text="The mentor's words to the candidate."
    )
    candidate_reply = models.TextField(blank=True)
    closed_reason = models.TextField(
        blank=True,
        help_text="Why the scheme closed the request, in words for the candidate.",
    )
    from_allocation = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    waiting_since = models.DateTimeField(
        default=timezone.now,
        help_text="Since when the mentor's answer is awaited: when the request was "
        "sent, or the candidate's reply to the mentor's question. Reminders and "
        "expiry count from here; the date it was sent stays as it was.",
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    expiry_promised = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The expiry the reminder gave: the request does not expire before "
        "it, whatever the settings say later.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "mentor"],
                condition=Q(status__in=OPEN_REQUEST_STATUSES),
                name="one_open_request_per_pair",
            )
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["status", "waiting_since"]),
            # Requests that expired lately (the dashboard's flagged mentors).
            models.Index(fields=["status", "closed_at"]),
        ]

    def __str__(self):
        return f"{self.enrolment.member} → {self.mentor.member} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES

    @property
    def status_for_mentor(self) -> str:
        return MENTOR_STATUS_LABELS.get(self.status) or self.get_status_display()


class RelationshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ENDED_EARLY = "ended_early", "Ended early"


#: An enrolment with a relationship in one of these is not waiting for a mentor: it
#: has one, or its mentoring is complete (the submission comes next). Mentoring that
#: ended early (a change of mentor, a mentor who stepped down) leaves it waiting.
MENTORED_STATUSES = [RelationshipStatus.ACTIVE, RelationshipStatus.COMPLETED]


class EndedBy(models.TextChoices):
    CANDIDATE = "candidate", "The candidate"
    MENTOR = "mentor", "The mentor"
    SCHEME = "scheme", "The scheme"


def sent_back_since_completion() -> Exists:
    """Whether the assessors asked for further information about the enrolment of
    the relationship at ``OuterRef`` after its mentoring was confirmed complete."""
    return Exists(
        EnrolmentChange.objects.filter(
            enrolment=OuterRef("enrolment"),
            to_status=EnrolmentStatus.FURTHER_INFO,
            at__gt=OuterRef("completion_confirmed_at"),
        )
    )


class RelationshipQuerySet(models.QuerySet):
    def completed_standing(self):
        """Completed mentoring that still stands. A completion is of the portfolio
        then submitted: once the assessors ask for further information about it,
        the portfolio is prepared again and a mentor may help again (the scheme's
        rules 6 and 7, ``eligibility``)."""
        return self.filter(status=RelationshipStatus.COMPLETED).filter(
            ~sent_back_since_completion()
        )


class MentoringRelationship(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="relationships"
    )
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.PROTECT, related_name="relationships"
    )
    request = models.OneToOneField(
        MentoringRequest, null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=20,
        choices=RelationshipStatus.choices,
        default=RelationshipStatus.ACTIVE,
    )
    started_on = models.DateField(default=timezone.localdate)
    ended_on = models.DateField(null=True, blank=True)
    ended_by = models.CharField(max_length=20, choices=EndedBy.choices, blank=True)
    end_reason = models.TextField(blank=True)
    completion_confirmed_at = models.DateTimeField(null=True, blank=True)
    candidate_completion_at = models.DateTimeField(null=True, blank=True)
    mentor_completion_at = models.DateTimeField(null=True, blank=True)
    completion_reason = models.TextField(
        blank=True, help_text="Why mentoring is complete without a logged meeting."
    )
    letter_of_support = models.TextField(
        blank=True, help_text="The mentor's letter of support (Fellowship)."
    )
    letter_written_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            # Rule 6 of the scheme, also held by the database.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status=RelationshipStatus.ACTIVE),
                name="one_active_relationship_per_enrolment",
            )
        ]

    def __str__(self):
        return f"{self.mentor.member} mentoring {self.enrolment.member}"

    @property
    def is_active(self) -> bool:
        return self.status == RelationshipStatus.ACTIVE


DEFAULT_CONFIDENTIALITY = (
    "What we discuss stays between us. Neither of us will share the other's personal "
    "information or details of the candidate's workplace without permission, except "
    "where the law or a safeguarding concern requires it."
)


class Agreement(models.Model):
    """One version of a pair's mentoring agreement; revisions add versions."""

    relationship = models.ForeignKey(
        MentoringRelationship, on_delete=models.CASCADE, related_name="agreements"
    )
    version = models.PositiveSmallIntegerField()
    goals = models.TextField()
    frequency = models.CharField(max_length=200, help_text="How often you will meet.")
    meeting_modes = models.JSONField(default=list)
    confidentiality = models.TextField(default=DEFAULT_CONFIDENTIALITY)
    created_by = models.ForeignKey("members.User", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    candidate_confirmed_at = models.DateTimeField(null=True, blank=True)
    mentor_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["relationship", "version"], name="agreement_version_unique"
            )
        ]

    def __str__(self):
        return f"Agreement v{self.version} for {self.relationship}"

    @property
    def is_confirmed(self) -> bool:
        return bool(self.candidate_confirmed_at and self.mentor_confirmed_at)

    def meeting_mode_labels(self) -> list[str]:
        labels = dict(MeetingMode.choices)
        return [labels.get(m, m) for m in self.meeting_modes]


class Meeting(models.Model):
    relationship = models.ForeignKey(
        MentoringRelationship, on_delete=models.CASCADE, related_name="meetings"
    )
    held_on = models.DateField()
    mode = models.CharField(max_length=20, choices=MeetingMode.choices)
    duration_minutes = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    action_points = models.TextField(blank=True)
    created_by = models.ForeignKey("members.User", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return f"Meeting on {self.held_on} ({self.get_mode_display()})"

    def may_change(self, user, now=None) -> bool:
        """Its author may correct or remove it for 14 days after logging it."""
        now = now or timezone.now()
        return (
            self.removed_at is None
            and user is not None
            and self.created_by_id == user.pk
            and now - self.created_at <= datetime.timedelta(days=MEETING_EDIT_DAYS)
        )


MEETING_EDIT_DAYS = 14


class MeetingRevision(models.Model):
    """A meeting as it was before its author corrected or removed it."""

    class Action(models.TextChoices):
        CORRECTED = "corrected", "Corrected"
        REMOVED = "removed", "Removed"

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="revisions"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    held_on = models.DateField()
    mode = models.CharField(max_length=20)
    duration_minutes = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True)
    action_points = models.TextField(blank=True)
    by = models.ForeignKey("members.User", null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%d %b %Y}"


class NotesAccess(models.Model):
    """An officer opened a pair's private meeting log; the pair sees why."""

    relationship = models.ForeignKey(
        MentoringRelationship, on_delete=models.CASCADE, related_name="notes_accesses"
    )
    officer = models.ForeignKey("members.User", null=True, on_delete=models.SET_NULL)
    reason = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.officer} opened notes at {self.at:%d %b %Y}"


class HelpFlag(models.Model):
    """A candidate who needs an officer's help to find a mentor."""

    class Why(models.TextChoices):
        ASKED = "asked", "The candidate asked for help"
        WAITING = "waiting", "No mentor after the waiting period"
        MENTOR_LEFT = "mentor_left", "Their mentor stepped down or lapsed"
        LINE_MANAGER = "line_manager", "The mentor is recorded as the line manager"
        LAPSED = "lapsed", "A membership lapsed during the mentoring"

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="help_flags"
    )
    why = models.CharField(max_length=20, choices=Why.choices)
    message = models.TextField(blank=True)
    relationship = models.ForeignKey(
        "MentoringRelationship",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
        help_text="The active mentoring the flag asks an officer to decide on.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    mentor_lapsed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="On a mentoring held for a lapse: when the mentor lapsed (empty: "
        "the mentor is current).",
    )
    candidate_lapsed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="On a mentoring held for a lapse: when the candidate lapsed "
        "(empty: the candidate is current). Their grace period runs from then.",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "members.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The officer who marked it as helped (empty: the scheme closed it).",
    )
    resolution = models.CharField(
        max_length=200,
        blank=True,
        help_text="How it closed, in words for the officers: matched, enrolment "
        "closed, mentoring ended, or marked as helped.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "why"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_help_flag_per_reason",
            )
        ]
        indexes = [
            # The dashboards list the open flags oldest first, a page at a time.
            models.Index(
                fields=["created_at", "id"],
                condition=Q(resolved_at__isnull=True),
                name="open_help_flags_oldest_first",
            )
        ]

    def __str__(self):
        return f"Help for {self.enrolment} ({self.why})"

    @property
    def lapse_ends_on(self) -> datetime.date:
        """For a flag on a mentoring held for a lapse: the day the scheme ends it
        unless the membership is renewed first (the first lapse of those still
        lapsed counts: each person's grace period runs from their own lapse)."""
        lapses = [at for at in (self.mentor_lapsed_at, self.candidate_lapsed_at) if at]
        return timezone.localdate(min(lapses, default=self.created_at)) + (
            datetime.timedelta(days=settings.LAPSE_GRACE_DAYS)
        )
