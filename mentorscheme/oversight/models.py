"""Oversight: stored bulk allocation runs, and the rows the dashboard counts."""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import models
from django.utils import timezone

from mentorscheme.members.models import Region
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.notifications.selectors import WAITING_TOO_LONG
from mentorscheme.scheme.models import Enrolment, Qualification


class RunStatus(models.TextChoices):
    RUNNING = "running", "Being worked out"
    FAILED = "failed", "Could not be worked out"
    PROPOSED = "proposed", "Proposed, awaiting review"
    PUBLISHING = "publishing", "Being sent"
    PUBLISHED = "published", "Sent"
    STOPPED = "stopped", "Sending stopped part way"
    DISCARDED = "discarded", "Discarded"


#: A run still being worked out whose progress has not moved for this long has
#: stalled (its worker died): an officer may discard it, and the periodic work
#: marks it failed. Longer than any one step of the engine takes. The clock
#: starts when the worker takes the run up, not when it was queued: a run
#: waiting behind other tasks has not stalled.
RUN_STALLED_AFTER = datetime.timedelta(minutes=15)

#: A run being sent whose progress has not moved for this long has stopped (its
#: worker died): an officer may send the rest. Many times what a batch of pairs
#: takes. The clock starts when the worker takes the sending up, not when it was
#: queued: a sending waiting behind other tasks has not stopped.
SENDING_STALLED_AFTER = datetime.timedelta(minutes=5)


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
        default=list,
        help_text="What happened to each kept pair on publishing: requested,"
        " matched, skipped or failed (with the reason).",
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
    stopped_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When an officer stopped the sending: the pairs not sent by then"
        " are never sent.",
    )
    progress = models.JSONField(
        default=dict,
        blank=True,
        help_text="While being worked out: the stage, solver rounds, matched so far;"
        " while being sent: pairs done, sent, skipped and failed so far.",
    )
    progress_at = models.DateTimeField(
        default=timezone.now, help_text="When the progress last moved (or the start)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the run could not finish.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Allocation run {self.pk} ({self.get_status_display()})"

    def is_stalled(self, now: datetime.datetime | None = None) -> bool:
        """Still being worked out, but its progress has not moved for
        ``RUN_STALLED_AFTER``: whatever was working it out has stopped. A run
        still queued for the worker has not stalled, however long the queue."""
        return (
            self.status == RunStatus.RUNNING
            and not self.is_queued()
            and self.progress_at <= (now or timezone.now()) - RUN_STALLED_AFTER
        )

    def waited_too_long(self, now: datetime.datetime | None = None) -> bool:
        """Still queued for the worker after ``WAITING_TOO_LONG``: while the task
        worker runs, work is taken up within minutes, so it may have stopped
        (the staff dashboard warns of it too)."""
        return (
            self.is_queued()
            and self.progress_at <= (now or timezone.now()) - WAITING_TOO_LONG
        )

    def is_queued(self) -> bool:
        """Started, and waiting for the worker to take it up: nothing is worked
        out yet, so it may be discarded at no cost."""
        return (
            self.status == RunStatus.RUNNING
            and self.progress.get("stage", "queued") == "queued"
        )

    def sending_stopped(self, now: datetime.datetime | None = None) -> bool:
        """Being sent, but the sending stopped (an error, or its worker died):
        the pairs not sent yet can be sent by publishing again.

        A sending still queued for the worker (``stage`` "queued") has not
        stopped, however long the queue ahead of it: only a worker that took it
        up and then stopped moving has stopped."""
        if self.status != RunStatus.PUBLISHING:
            return False
        stage = self.progress.get("stage")
        if stage == "stopped":
            return True
        if stage == "queued":
            return False
        return self.progress_at <= (now or timezone.now()) - SENDING_STALLED_AFTER

    def outcome_counts(self) -> dict[str, int]:
        """Of the pairs sent so far: how many were sent, skipped (no longer
        allowed by the scheme's rules) and failed (an error on our side)."""
        counts = {"sent": 0, "skipped": 0, "failed": 0}
        for outcome in self.published:
            kind = outcome["outcome"]
            counts[kind if kind in ("skipped", "failed") else "sent"] += 1
        return counts

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

    def unsent_pairs(self) -> list[dict]:
        """The kept pairs not sent yet (nor skipped or failed), in order."""
        done = {o["candidate_id"] for o in self.published}
        return [p for p in self.kept_pairs() if p["candidate_id"] not in done]

    def kept_pairs_digest(self) -> str:
        """A fingerprint of the kept pairs (who with whom): the page that asks the
        officer to confirm carries it, so what is sent is what they were shown."""
        pairs = sorted((p["candidate_id"], p["mentor_id"]) for p in self.kept_pairs())
        return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:32]


class MentorFigures(models.Model):
    """One mentor's part in the dashboard's supply figures and lapsing list.

    The dashboard counts a region's mentors from these rows, which carry the
    region (the member's) beside what is counted, rather than joining every mentor
    to the members of the region. The services that change what is counted keep
    them up to date in the same transaction (``oversight.figures``); the
    ``figures_rebuild`` command works them out again from scratch.
    """

    mentor = models.OneToOneField(
        MentorProfile, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    listed = models.BooleanField()
    accepting = models.BooleanField()
    capacity = models.PositiveSmallIntegerField()
    active = models.PositiveIntegerField(help_text="Candidates mentored now.")
    membership_lapsed = models.BooleanField(
        help_text="The member's membership lapsed (a listed mentor is about to go)."
    )

    class Meta:
        verbose_name_plural = "mentor figures"
        indexes = [
            models.Index(
                fields=["region", "accepting", "capacity", "active"],
                condition=models.Q(listed=True),
                name="oversight_listed_by_region",
            ),
        ]

    def __str__(self):
        return f"Figures of mentor {self.mentor_id}"


class EnrolmentFigures(models.Model):
    """One enrolment's part in the dashboard's demand and trend figures: its
    region, and since when it has waited for a mentor (None: it is not waiting).
    Kept as ``MentorFigures`` is."""

    enrolment = models.OneToOneField(
        Enrolment, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="+"
    )
    waiting_since = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "enrolment figures"
        indexes = [
            models.Index(fields=["region", "enrolment"], name="oversight_enrol_region"),
            models.Index(
                fields=["region", "qualification", "waiting_since"],
                condition=models.Q(waiting_since__isnull=False),
                name="oversight_waiting_by_region",
            ),
        ]

    def __str__(self):
        return f"Figures of enrolment {self.enrolment_id}"
