"""Oversight: stored bulk allocation runs."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from mentorscheme.members.models import Region


class RunStatus(models.TextChoices):
    RUNNING = "running", "Being worked out"
    FAILED = "failed", "Could not be worked out"
    PROPOSED = "proposed", "Proposed, awaiting review"
    PUBLISHED = "published", "Published"
    DISCARDED = "discarded", "Discarded"


class AllocationRun(models.Model):
    """One bulk allocation: the engine's proposal, the review, and what was published.

    ``proposal`` holds ids, scores and reasons only (names are looked up when shown,
    so an erased member leaves no copy behind):
    ``{"pairs": [{"candidate_id", "mentor_id", "score", "reasons": [...]}],
    "unmatched": [{"candidate_id", "code", "reason"}], "stats": {...}}``.
    Candidate ids are enrolment ids and mentor ids mentor profile ids, as the
    matching engine uses them.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    all_regions = models.BooleanField(
        default=False, help_text="Every region in the country (staff only)."
    )
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    inputs = models.JSONField(default=dict, help_text="Counts the run started from.")
    proposal = models.JSONField(default=dict)
    removed = models.JSONField(
        default=list, help_text="Pairs taken out on review: candidate and mentor ids."
    )
    status = models.CharField(
        max_length=20, choices=RunStatus.choices, default=RunStatus.PROPOSED
    )
    mode = models.CharField(
        max_length=20, blank=True, help_text="The allocation mode used to publish."
    )
    published = models.JSONField(
        default=list, help_text="What happened to each kept pair on publishing."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    discarded_at = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(
        default=dict,
        blank=True,
        help_text="While being worked out: the stage, solver rounds, matched so far.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the run could not finish.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Allocation run {self.pk} ({self.get_status_display()})"

    @property
    def removed_candidate_ids(self) -> set[int]:
        return {r["candidate_id"] for r in self.removed}

    def kept_pairs(self) -> list[dict]:
        removed = self.removed_candidate_ids
        return [
            p
            for p in self.proposal.get("pairs", [])
            if p["candidate_id"] not in removed
        ]
