"""Mentoring relationships between a candidate's enrolment and a mentor."""

import datetime

from django.db import models
from django.db.models import Q

from mentorscheme.mentors.models import MentorProfile
from mentorscheme.scheme.models import Enrolment


class RelationshipStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ENDED_EARLY = "ended_early", "Ended early"


class MentoringRelationship(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="relationships"
    )
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.PROTECT, related_name="relationships"
    )
    status = models.CharField(
        max_length=20,
        choices=RelationshipStatus.choices,
        default=RelationshipStatus.ACTIVE,
    )
    started_on = models.DateField(default=datetime.date.today)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_on"]
        constraints = [
            # Rule 6 of the scheme, also held by the database.
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="active"),
                name="one_active_relationship_per_enrolment",
            )
        ]

    def __str__(self):
        return f"{self.mentor.member} mentoring {self.enrolment.member}"
