"""The scheme's rules as data: qualifications, regulations, settings, enrolments."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from mentorscheme.members.models import Level, Member
from mentorscheme.scheme.records import (
    WEIGHT_DECIMALS,
    Weights,
    has_weight_resolution,
)


class Qualification(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    level = models.ForeignKey(
        Level,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text="The level a candidate works toward; empty for Revalidation.",
    )
    uses_mentors = models.BooleanField(default=True)
    min_mentor_level = models.ForeignKey(
        Level,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Lowest level a mentor must hold; empty means the qualification's "
        "own level.",
    )
    mentor_writes_letter = models.BooleanField(
        default=False,
        help_text="At completion the mentor writes a letter of support (Fellowship) "
        "rather than a confirmation.",
    )
    enrolment_fee_pence = models.PositiveIntegerField(default=0)
    submission_fee_pence = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["level__rank", "name"]

    def __str__(self):
        return self.name

    @property
    def min_mentor_rank(self) -> int:
        level = self.min_mentor_level or self.level
        return level.rank if level else 0


class RegulationsVersion(models.Model):
    name = models.CharField(max_length=100)
    effective_from = models.DateField(unique=True)
    summary = models.TextField(blank=True)
    choice_opened_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The day candidates were told they may now move to this version.",
    )

    class Meta:
        ordering = ["-effective_from"]

    def __str__(self):
        return self.name

    @classmethod
    def in_force_on(cls, day: datetime.date) -> "RegulationsVersion | None":
        return (
            cls.objects.filter(effective_from__lte=day)
            .order_by("-effective_from")
            .first()
        )


class AllocationMode(models.TextChoices):
    REQUESTS = "requests", "Send each pair as a request the mentor answers"
    DIRECT = "direct", "Match each pair directly"


MAX_WEIGHT = 1000


class SchemeSettings(models.Model):
    """One row of switches staff can change without a deploy."""

    open_request_limit = models.PositiveSmallIntegerField(default=3)
    reminder_after_days = models.PositiveSmallIntegerField(default=7)
    expire_after_days = models.PositiveSmallIntegerField(default=14)
    unmatched_flag_after_days = models.PositiveSmallIntegerField(default=30)
    reopen_within_days = models.PositiveSmallIntegerField(
        default=60,
        help_text="How long after completion an officer may reopen a mentoring.",
    )
    contact_days_after_end = models.PositiveSmallIntegerField(
        default=90,
        help_text="How long after mentoring ends the pair still see each other's "
        "contact details.",
    )
    briefing_grace_days = models.PositiveSmallIntegerField(
        default=90,
        validators=[MaxValueValidator(365)],
        help_text="After a new regulations version takes effect, how long a mentor "
        "briefed on the previous one still counts as up to date.",
    )
    availability_check_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="How often a listed mentor is asked to confirm they are still "
        "available (months).",
    )
    refresher_training_months = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(120)],
        help_text="How often a mentor should refresh their mentor training "
        "(months); 0 for never.",
    )
    weight_different_org_type = models.FloatField(default=3.0)
    weight_same_organisation = models.FloatField(default=2.0)
    weight_shared_mode = models.FloatField(default=1.0)
    weight_same_region = models.FloatField(default=0.5)
    weight_up_to_date = models.FloatField(default=2.0)
    weight_load_balance = models.FloatField(default=1.0)
    weight_choice_bonus = models.FloatField(default=5.0)
    allocation_mode = models.CharField(
        max_length=20,
        choices=AllocationMode.choices,
        default=AllocationMode.REQUESTS,
        help_text="What publishing a bulk allocation does with each pair.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "scheme settings"

    def __str__(self):
        return "Scheme settings"

    def clean(self):
        """Refuse switches the scheme cannot run on, whichever way they are saved."""
        errors = {}
        for field in self._meta.fields:
            value = getattr(self, field.name)
            if not field.name.startswith("weight_") or value is None:
                continue
            if not 0 <= value <= MAX_WEIGHT:
                errors[field.name] = f"Give a weight between 0 and {MAX_WEIGHT}."
            elif not has_weight_resolution(value):
                errors[field.name] = (
                    f"Give at most {WEIGHT_DECIMALS} decimal places: the allocation"
                    " cannot tell finer weights apart."
                )
        if self.open_request_limit == 0:
            errors["open_request_limit"] = "Allow at least one open request."
        reminder, expiry = self.reminder_after_days, self.expire_after_days
        if reminder is not None and expiry is not None and reminder >= expiry:
            errors["expire_after_days"] = (
                "Requests must expire after the reminder is sent: give more days "
                "than for the reminder."
            )
        if errors:
            raise ValidationError(errors)

    @classmethod
    def load(cls) -> "SchemeSettings":
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings

    def weights(self):
        """The recommendation weights as the matching engine takes them.

        The settings refuse weights finer than the engine's resolution; one
        saved before it did is rounded to it here.
        """

        def weight(value: float) -> float:
            return round(value, WEIGHT_DECIMALS)

        return Weights(
            different_org_type=weight(self.weight_different_org_type),
            same_organisation=weight(self.weight_same_organisation),
            shared_mode=weight(self.weight_shared_mode),
            same_region=weight(self.weight_same_region),
            up_to_date=weight(self.weight_up_to_date),
            load_balance=weight(self.weight_load_balance),
            choice_bonus=weight(self.weight_choice_bonus),
        )


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", "Enrolled"
    SUBMITTED = "submitted", "Submitted"
    AWARDED = "awarded", "Awarded"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    FURTHER_INFO = "further_info", "Further information requested"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_ENROLMENT_STATUSES = [
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.SUBMITTED,
    EnrolmentStatus.FURTHER_INFO,
]

#: Enrolments whose portfolio is being prepared, which mentoring supports: enrolled,
#: or sent back by the assessors for further information. While a portfolio is
#: submitted there is no mentor to find (the scheme's rule, ``eligibility``).
PREPARING_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.FURTHER_INFO]

#: Enrolments whose candidate may still move to newer regulations: a portfolio once
#: submitted is assessed under the regulations it was written for.
REGULATIONS_CHOICE_STATUSES = [EnrolmentStatus.ENROLLED]


class Enrolment(models.Model):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="enrolments"
    )
    qualification = models.ForeignKey(Qualification, on_delete=models.PROTECT)
    regulations = models.ForeignKey(RegulationsVersion, on_delete=models.PROTECT)
    enrolled_on = models.DateField(default=timezone.localdate)
    status = models.CharField(
        max_length=20, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ENROLLED
    )
    meeting_modes = models.JSONField(
        default=list, blank=True, help_text="Ways the candidate would like to meet."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-enrolled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "qualification"],
                condition=Q(status__in=OPEN_ENROLMENT_STATUSES),
                name="one_open_enrolment_per_qualification",
            )
        ]

    def __str__(self):
        return f"{self.member} — {self.qualification}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ENROLMENT_STATUSES


class EnrolmentChange(models.Model):
    """The recorded history of an enrolment: status changes and regulation moves."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="changes"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    from_regulations = models.ForeignKey(
        RegulationsVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_regulations = models.ForeignKey(
        RegulationsVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=20, default="site")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return EnrolmentStatus(self.to_status).label
