"""The audit log: who did what to what, append-only.

It knows nothing of the scheme beyond the names of the actions it records; every
app above records through ``mentorscheme.audit.services``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditAction(models.TextChoices):
    MENTOR_APPLICATION_DECIDED = (
        "mentor_application_decided",
        ("Mentor application decided"),
    )
    MENTOR_TRAINING_EVIDENCE_DECIDED = (
        "mentor_training_evidence_decided",
        ("Mentor training evidence decided"),
    )
    ALLOCATION_PUBLISHED = "allocation_published", "Allocation sent"
    PRIVATE_NOTES_OPENED = "private_notes_opened", "Private notes opened"
    MENTORING_ENDED_BY_OFFICER = (
        "mentoring_ended_by_officer",
        "Mentoring ended by a support officer",
    )
    MENTORING_REOPENED = "mentoring_reopened", "Completed mentoring reopened"
    DATA_EXPORTED = "data_exported", "Data exported"
    DATA_ERASED = "data_erased", "Personal data erased"
    SETTINGS_CHANGED = "settings_changed", "Scheme settings changed"
    REFERENCE_DATA_CHANGED = "reference_data_changed", "Scheme reference data changed"
    REGION_MERGED = "region_merged", "Regions merged"
    APPOINTMENT_CHANGED = "appointment_changed", "Support officer appointment changed"
    GUIDANCE_EDITED = "guidance_edited", "Guidance page edited"
    HELP_FLAG_RESOLVED = "help_flag_resolved", "Candidate marked as helped"
    API_TOKEN_CREATED = "api_token_created", "Integration token created"
    API_TOKEN_REVOKED = "api_token_revoked", "Integration token revoked"
    ATTENDANCE_RECORDED = "attendance_recorded", "Attendance recorded"


class AuditEntryQuerySet(models.QuerySet):
    def delete(self):
        raise AuditEntry.AppendOnly("The audit log is append-only.")


class AuditEntry(models.Model):
    """One thing someone did that the scheme must be able to account for.

    Append-only: an entry is never changed or deleted through the application. The
    actor's email is kept as text so an entry still says who acted after their
    account is gone.
    """

    class AppendOnly(Exception):
        pass

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    target_description = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        # The table and index keep the names they had when the log lived in
        # oversight, so moving the model here moved no data.
        db_table = "oversight_auditentry"
        indexes = [
            models.Index(fields=["action", "at"], name="oversight_a_action_007c48_idx")
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.target_description}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.AppendOnly("An audit entry cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.AppendOnly("An audit entry cannot be deleted.")
