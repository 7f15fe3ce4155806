"""Writes for oversight: allocation runs, and the scheme's administration by staff.

One transaction each, keyword-only arguments. Every change staff make to the
scheme's data is written to the audit log in the same transaction.
"""

import datetime
import logging
import time
from collections.abc import Callable
from itertools import groupby
from operator import attrgetter

from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Model
from django.utils import timezone

from mentorscheme.audit import services as audit
from mentorscheme.audit.models import AuditAction
from mentorscheme.locking import (
    RowsBusy,
    is_lock_timeout,
    lock_row,
    lock_row_unless_held,
    lock_rows,
)
from mentorscheme.members import officers
from mentorscheme.members.models import (
    Member,
    MembershipStatus,
    OfficerAppointment,
    Organisation,
    OrganisationType,
    Region,
)
from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.mentoring.models import (
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.mentors import directory
from mentorscheme.mentors.models import (
    KEEPING_UP_STATUSES,
    MentorProfile,
    MentorStatus,
)
from mentorscheme.notifications import emails
from mentorscheme.oversight import access, figures, selectors, tasks
from mentorscheme.oversight.models import (
    RUN_STALLED_AFTER,
    SENDING_STALLED_AFTER,
    AllocationRun,
    RunStatus,
)
from mentorscheme.scheme.models import (
    REGULATIONS_CHOICE_STATUSES,
    AllocationMode,
    Enrolment,
    Qualification,
    RegulationsVersion,
    SchemeSettings,
)
from mentorscheme.training.models import TrainingEvent

logger = logging.getLogger(__name__)


class OversightError(Exception):
    """The action was refused; the text says why, in plain words."""


class RunAlreadyOpen(OversightError):
    """An allocation for the same regions is being worked out or awaits review."""

    def __init__(self, run: AllocationRun):
        self.run = run
        super().__init__(
            "An allocation for the same regions is already "
            + (
                "being worked out"
                if run.status == RunStatus.RUNNING
                else "waiting for review"
            )
            + ": this is it. To start afresh, discard it first."
        )


class RunChanged(OversightError):
    """The allocation's pairs changed after the officer was shown them."""


# -- allocation runs -----------------------------------------------------------------


def allocation_run_create(
    *,
    by,
    region_ids: frozenset[int] | None,
    progress: Callable[[str, int, int], None] | None = None,
) -> AllocationRun:
    """Propose an allocation for ``region_ids`` (None: the whole country) and keep it.

    The engine runs before the transaction opens, so a long solve holds no locks.
    """
    if region_ids is not None and not region_ids:
        raise OversightError("Choose at least one region.")
    proposal = selectors.allocation_proposal(region_ids, progress=progress)
    inputs = proposal.pop("inputs")
    inputs["allocation_mode"] = SchemeSettings.load().allocation_mode
    with transaction.atomic():
        run = AllocationRun.objects.create(
            created_by=by,
            all_regions=region_ids is None,
            inputs=inputs,
            proposal=proposal,
        )
        if region_ids is not None:
            run.regions.set(sorted(region_ids))
    return run


def allocation_run_start(*, by, region_ids: frozenset[int] | None) -> AllocationRun:
    """Start working out an allocation for ``region_ids`` (None: the whole country).

    The engine runs in a background task (``tasks.compute_allocation_run``), never
    in the web request: the run page shows how far it has got, and ``by`` is
    emailed when the proposal is ready for review.
    """
    if region_ids is not None and not region_ids:
        raise OversightError("Choose at least one region.")
    with transaction.atomic():
        # The regions' rows, locked in key order, make two starts for the same
        # regions (a double click) take turns: the second finds the first's run.
        lock_rows(Region, region_ids)  # None: every region
        if (already := _open_run_for(region_ids)) is not None:
            raise RunAlreadyOpen(already)
        run = AllocationRun.objects.create(
            created_by=by,
            all_regions=region_ids is None,
            status=RunStatus.RUNNING,
            progress={"stage": "queued"},
        )
        if region_ids is not None:
            run.regions.set(sorted(region_ids))
        run_id = run.pk
        transaction.on_commit(
            lambda: tasks.compute_allocation_run.enqueue(run_id=run_id)
        )
    return run


def _open_run_for(region_ids: frozenset[int] | None) -> AllocationRun | None:
    """A run for exactly these regions being worked out (and not stalled), or
    awaiting review."""
    runs = AllocationRun.objects.filter(
        status__in=[RunStatus.RUNNING, RunStatus.PROPOSED],
        all_regions=region_ids is None,
    ).prefetch_related("regions")
    for run in runs:
        same = region_ids is None or {r.pk for r in run.regions.all()} == region_ids
        if same and not run.is_stalled():
            return run
    return None


class _RunProgress:
    """Writes an engine run's progress to its row: each solver round, and other
    stages at most once every ``every`` seconds."""

    def __init__(self, run_id: int, every: float = 1.0):
        self.run_id = run_id
        self.every = every
        self.state: dict = {"stage": "queued", "rounds": 0, "matched": 0}
        self.written = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        state = self.state | {"stage": stage, "done": done, "total": total}
        if stage == "solve":
            state["rounds"] = done
        if stage == "matched":
            state |= {"stage": "solve", "matched": done, "candidates": total}
        self.state = state
        if stage in ("solve", "matched") or now - self.written >= self.every:
            self.written = now
            AllocationRun.objects.filter(
                pk=self.run_id, status=RunStatus.RUNNING
            ).update(progress=state, progress_at=timezone.now())


#: What the officer reads when a run fails: the details go to the server's log.
RUN_FAILED = (
    "The allocation could not be worked out because of an error on our side. "
    "Nothing was sent to anyone. Try again; if it happens again, tell the "
    "registration team."
)


def allocation_run_compute(*, run_id: int) -> AllocationRun | None:
    """Work out a started run's proposal, keep it, and email whoever started it.

    Called by the background task. A run discarded meanwhile is left alone; one
    that fails is marked failed, with words for the officer.
    """
    run = AllocationRun.objects.filter(pk=run_id).first()
    if run is None or run.status != RunStatus.RUNNING:
        return run
    region_ids = (
        None if run.all_regions else frozenset(run.regions.values_list("pk", flat=True))
    )
    progress = _RunProgress(run.pk)
    # Taken up: the clock that tells a stalled run starts now, however long the
    # run waited in the queue.
    progress("load candidates", 0, 0)
    try:
        proposal = selectors.allocation_proposal(region_ids, progress=progress)
    except Exception:
        logger.exception("allocation run %s failed", run.pk)
        proposal = None
    with transaction.atomic():
        run = _locked_run(run)
        if run.status != RunStatus.RUNNING:
            return run
        run.finished_at = timezone.now()
        if proposal is None:
            run.status = RunStatus.FAILED
            run.error = RUN_FAILED
        else:
            inputs = proposal.pop("inputs")
            inputs["allocation_mode"] = SchemeSettings.load().allocation_mode
            run.inputs = inputs
            run.proposal = proposal
            run.status = RunStatus.PROPOSED
            run.progress = progress.state | {
                "stage": "done",
                "matched": proposal["matched"],
            }
        run.save()
        _tell_who_started(run)
    return run


def _tell_who_started(run: AllocationRun) -> None:
    """Email whoever started the run that it is ready for review, or failed."""
    if run.created_by is not None and run.created_by.email:
        emails.send(
            "allocation_ready",
            to=run.created_by.email,
            context={"run": run, "user": run.created_by},
        )


def allocation_runs_hand_on(
    *, today: datetime.date, leaving: Member | None = None
) -> int:
    """Once a Candidate Support Officer's term has ended (or their membership
    lapsed), send the allocation runs they started for the region and left
    awaiting review to whoever acts for its candidates' side now: another officer
    in office, else the registration team. Sent once per term; returns the number
    of messages sent."""
    return officers.terms_ended_hand_on(
        officers.CANDIDATES,
        today=today,
        claimed="runs_handed_on",
        cases=_runs_left_for_review,
        # A run is about many candidates: each pair's conflicts are refused when
        # it is sent, as for any officer.
        about=lambda run: None,
        template="allocation_runs_handed_on",
        leaving=leaving,
        across_regions=access.opens_only_across_regions,
    )


def _runs_left_for_review(appointment: OfficerAppointment):
    """The officer's runs for the region still awaiting review (staff, who may
    review any run, keep theirs)."""
    return (
        AllocationRun.objects.filter(
            status=RunStatus.PROPOSED,
            all_regions=False,
            regions=appointment.region_id,
            created_by__member=appointment.member_id,
            created_by__is_staff=False,
        )
        .prefetch_related("regions")
        .order_by("created_at", "pk")
    )


_STALLED_MINUTES = int(RUN_STALLED_AFTER.total_seconds() // 60)

#: What the officer reads when a run's worker stopped without finishing it.
RUN_STALLED = (
    "The allocation stopped being worked out: nothing moved for more than "
    f"{_STALLED_MINUTES} minutes, so it was marked as failed. Nothing was sent to "
    "anyone. Try again; if it happens again, tell the registration team."
)


def allocation_runs_fail_stalled(*, now: datetime.datetime | None = None) -> int:
    """Mark failed every run still being worked out whose progress has not moved
    for ``RUN_STALLED_AFTER`` (its worker died), and tell whoever started it.

    Each run is locked and re-read first, so one that finished or moved meanwhile
    keeps what it did. Returns how many were marked failed.
    """
    now = now or timezone.now()
    stalled = AllocationRun.objects.filter(
        status=RunStatus.RUNNING, progress_at__lte=now - RUN_STALLED_AFTER
    ).values_list("pk", flat=True)
    failed = 0
    for run_id in list(stalled):
        with transaction.atomic():
            run = lock_row(AllocationRun.objects.select_related("created_by"), run_id)
            if not run.is_stalled(now):
                continue
            run.status = RunStatus.FAILED
            run.error = RUN_STALLED
            run.finished_at = now
            run.save(update_fields=["status", "error", "finished_at"])
            _tell_who_started(run)
            failed += 1
    return failed


def _locked_run(run: AllocationRun) -> AllocationRun:
    return lock_row(AllocationRun, run.pk)


#: Why an allocation in each other state cannot be reviewed, sent or discarded.
_NOT_PROPOSED = {
    RunStatus.PUBLISHED: "This allocation's matches have already been sent.",
    RunStatus.PUBLISHING: "This allocation is already being sent: this page shows "
    "how far it has got, and lets you stop sending the rest.",
    RunStatus.DISCARDED: "This allocation was discarded.",
    RunStatus.STOPPED: "Sending this allocation was stopped part way: the pairs "
    "not sent by then are never sent. Start a new allocation for the candidates "
    "still waiting.",
    RunStatus.RUNNING: "This allocation is still being worked out: there is "
    "nothing to review or send yet.",
    RunStatus.FAILED: "This allocation could not be worked out: there is nothing "
    "to review or send. Start another allocation.",
}


def _require_proposed(run: AllocationRun) -> None:
    """Only a proposal awaiting review can be changed or sent."""
    if run.status != RunStatus.PROPOSED:
        raise OversightError(
            _NOT_PROPOSED.get(run.status, "This allocation cannot be changed.")
        )


def _pair(run: AllocationRun, candidate_id: int) -> dict:
    for pair in run.proposal.get("pairs", []):
        if pair["candidate_id"] == candidate_id:
            return pair
    raise OversightError("That pair is not in this allocation.")


@transaction.atomic
def allocation_run_remove_pair(
    *, run: AllocationRun, candidate_id: int, by
) -> AllocationRun:
    run = _locked_run(run)
    _require_proposed(run)
    pair = _pair(run, candidate_id)
    if candidate_id not in run.removed_candidate_ids:
        run.removed.append(
            {
                "candidate_id": candidate_id,
                "mentor_id": pair["mentor_id"],
                "by": getattr(by, "email", ""),
                "at": timezone.now().isoformat(),
            }
        )
        run.save(update_fields=["removed"])
    return run


@transaction.atomic
def allocation_run_restore_pair(
    *, run: AllocationRun, candidate_id: int, by
) -> AllocationRun:
    run = _locked_run(run)
    _require_proposed(run)
    pair = _pair(run, candidate_id)
    if candidate_id in run.removed_candidate_ids:
        _refuse_unless_place_free(run, pair)
    run.removed = [r for r in run.removed if r["candidate_id"] != candidate_id]
    run.save(update_fields=["removed"])
    return run


def _refuse_unless_place_free(run: AllocationRun, pair: dict) -> None:
    """A pair put back needs its mentor's place still free: since it was taken out,
    the run may have given that place to another candidate, or the mentor taken
    someone on."""
    mentor_id = pair["mentor_id"]
    given = sum(1 for p in run.kept_pairs() if p["mentor_id"] == mentor_id)
    if selectors.mentor_free_places([mentor_id]).get(mentor_id, 0) - given > 0:
        return
    mentor = MentorProfile.objects.select_related("member").filter(pk=mentor_id).first()
    name = mentor.member.full_name if mentor else "The mentor"
    raise OversightError(
        f"This pair cannot be put back: {name} no longer has a free place for this "
        "candidate (this allocation has given it to another candidate, or the mentor "
        "has taken someone on). Choose another mentor for them instead."
    )


@transaction.atomic
def allocation_run_change_mentor(
    *, run: AllocationRun, candidate_id: int, mentor_id: int, by
) -> AllocationRun:
    """Give a proposed pair another mentor, one the engine still suggests for them."""
    run = _locked_run(run)
    _require_proposed(run)
    pair = _pair(run, candidate_id)
    allowed = {
        profile.pk: (profile, suggestion)
        for profile, suggestion in selectors.pair_alternatives(run, candidate_id, n=50)
    }
    if mentor_id not in allowed:
        raise OversightError(
            "That mentor cannot take this candidate now: choose one of the suggestions."
        )
    profile, suggestion = allowed[mentor_id]
    candidate = Member.objects.get(enrolments__pk=candidate_id)
    reason = selectors.pair_conflict(
        by, candidate, profile.member, decider=officers.decider_of(by)
    )
    if reason:
        raise OversightError(
            f"{reason} Another support officer of the region, or the registration "
            "team, chooses this candidate's mentor."
        )
    pair["previous_mentor_id"] = pair.get("previous_mentor_id", pair["mentor_id"])
    pair["mentor_id"] = mentor_id
    pair["score"] = round(suggestion.score, 4)
    pair["reasons"] = selectors.reasons_json(suggestion.reasons)
    pair["changed_by"] = getattr(by, "email", "")
    run.proposal["total_score"] = round(
        sum(p["score"] for p in run.proposal.get("pairs", [])), 4
    )
    run.removed = [r for r in run.removed if r["candidate_id"] != candidate_id]
    run.save(update_fields=["proposal", "removed"])
    return run


@transaction.atomic
def allocation_run_discard(*, run: AllocationRun, by) -> AllocationRun:
    """Set a proposal aside, or a run still waiting for the worker or whose
    working out has stalled (``AllocationRun.is_queued``, ``is_stalled``); one
    being worked out is left to finish. A late worker drops a discarded run."""
    run = _locked_run(run)
    if not (run.is_queued() or run.is_stalled()):
        _require_proposed(run)
    run.status = RunStatus.DISCARDED
    run.discarded_at = timezone.now()
    run.save(update_fields=["status", "discarded_at"])
    return run


def allocation_run_stop_sending(*, run: AllocationRun, by) -> AllocationRun:
    """Stop sending a run being sent, for good: the requests or matches sent so
    far stay as they are, and the pairs not sent yet are never sent (their
    candidates stay waiting, for a later allocation). Recorded, and whoever
    published the run is told if it was someone else.

    The run's row is locked first: a batch being sent holds it, so the stop
    waits for that batch (its pairs count as sent) and no batch starts after
    it; a batch longer than the lock timeout makes it ``RowsBusy`` (try again).
    """
    with transaction.atomic():
        run = lock_row(AllocationRun.objects.select_related("published_by"), run.pk)
        if run.status != RunStatus.PUBLISHING:
            raise OversightError(
                "This allocation is not being sent: "
                + _NOT_SENDING.get(run.status, "there is nothing to stop.")
            )
        if len(run.published) >= len(run.kept_pairs()):
            raise OversightError(
                "Every pair has been sent or skipped already: there is nothing left "
                "to stop. The allocation is being marked sent, and we will email "
                "what was sent."
            )
        run.status = RunStatus.STOPPED
        run.stopped_at = timezone.now()
        run.error = ""
        run.progress = _sending_progress(run, stage="halted")
        run.progress_at = run.stopped_at
        run.save()
        _audit_sending_ended(
            run,
            by=by,
            stopped=True,
            not_sent=run.progress["total"] - run.progress["done"],
        )
        if run.published_by != by:
            _tell_who_published(run, stopped_by=by)
    return run


#: Why a run in each other state has no sending to stop.
_NOT_SENDING = {
    RunStatus.PUBLISHED: "every pair was sent or skipped already.",
    RunStatus.STOPPED: "its sending was stopped already.",
    RunStatus.PROPOSED: "it awaits review; discard it instead.",
    RunStatus.RUNNING: "it is still being worked out.",
}


def refuse_conflicts(run: AllocationRun, by) -> None:
    """Nobody publishes a match of their own, or of someone they line-manage."""
    conflicts = selectors.run_conflicts(run, by)
    if conflicts:
        raise OversightError(
            "You cannot send this allocation's matches. "
            + " ".join(conflicts)
            + " Take "
            + ("that pair" if len(conflicts) == 1 else "those pairs")
            + " out and send the rest, or ask another support officer of the "
            "region, or the registration team, to send them."
        )


def allocation_run_publish(
    *, run: AllocationRun, by, kept_digest: str | None = None
) -> AllocationRun:
    """Start sending the kept pairs: a request to the mentor, or a match made
    directly (the scheme's allocation mode now, kept for the whole run).

    The pairs are sent by a background task (``tasks.send_allocation_run``), never
    in the web request: the run page shows how far it has got, and ``by`` is
    emailed when every pair is sent or skipped. Publishing twice is refused, and
    so is publishing pairs other than those the officer confirmed: given
    ``kept_digest`` (``AllocationRun.kept_pairs_digest`` as they were shown), a run
    changed since raises ``RunChanged``. Publishing a run whose sending stopped
    (``AllocationRun.sending_stopped``) sends the pairs not sent yet; pairs sent
    or skipped already stay as they were.
    """
    with transaction.atomic():
        run = _locked_run(run)
        if run.sending_stopped():
            return _resume(run, by)
        _require_proposed(run)
        if not run.kept_pairs():
            raise OversightError(
                "There is no pair to send: put a pair back, or discard this allocation."
            )
        refuse_conflicts(run, by)
        if kept_digest is not None and kept_digest != run.kept_pairs_digest():
            raise RunChanged(
                "The pairs of this allocation changed after you were shown them "
                "(someone else changed it meanwhile), so nothing was sent. Check "
                "the pairs below, and send them if they are right."
            )
        run.status = RunStatus.PUBLISHING
        run.mode = SchemeSettings.load().allocation_mode
        run.published = []
        run.published_by = by
        run.error = ""
        run.progress = _sending_progress(run, stage="queued")
        run.progress_at = timezone.now()
        run.save()
        _send_after_commit(run)
    return run


def _resume(run: AllocationRun, by) -> AllocationRun:
    # Only the pairs still to send are this officer's decision: those sent are
    # decided already, and can no longer be taken out.
    conflicts = selectors.run_conflicts(run, by, pairs=run.unsent_pairs())
    if conflicts:
        raise OversightError(
            "You cannot send the rest of this allocation. "
            + " ".join(conflicts)
            + " Ask another support officer of the region, or the registration "
            "team, to send the rest."
        )
    run.error = ""
    run.progress = _sending_progress(run, stage="queued")
    run.progress_at = timezone.now()
    run.save(update_fields=["error", "progress", "progress_at"])
    _send_after_commit(run)
    return run


def _send_after_commit(run: AllocationRun) -> None:
    run_id = run.pk
    transaction.on_commit(lambda: tasks.send_allocation_run.enqueue(run_id=run_id))


def _sending_progress(run: AllocationRun, stage: str = "send") -> dict:
    """Pairs done of the kept pairs, and how many were sent, skipped and failed
    so far."""
    return {
        "stage": stage,
        "done": len(run.published),
        "total": len(run.kept_pairs()),
        **run.outcome_counts(),
    }


#: Pairs sent in one transaction. Their mentors' and candidates' rows stay locked
#: only while these few are sent, so a mentor answering a request meanwhile waits
#: a moment, not for the whole allocation.
SEND_BATCH = 20

#: What the officer reads when sending stopped: the details go to the server's log.
SENDING_STOPPED = (
    "Sending stopped because of an error on our side. The pairs sent so far stay "
    "sent, and none will be sent twice. Send the rest; if it stops again, tell the "
    "registration team."
)


def allocation_run_send(*, run_id: int) -> AllocationRun | None:
    """Send a run's kept pairs not sent yet, a batch per transaction, then mark it
    published, record it and email whoever published it.

    Called by the background task. Each pair is re-checked against the scheme's
    rules under lock; a pair that is no longer allowed is skipped and the reason
    kept. What each pair became is kept in the same transaction as the request or
    match itself, so a run that stops part way (an error, the worker stopped) is
    carried on from where it stopped, and no pair is sent twice.
    """
    try:
        _sending_taken_up(run_id)
        while _send_batch_when_free(run_id):
            pass
    except _RunBusy:
        # Another sender holds the run, batch after batch: it sends the rest, and
        # says how it went.
        logger.info("allocation run %s is being sent by another worker", run_id)
        return AllocationRun.objects.filter(pk=run_id).first()
    except Exception:
        logger.exception("sending allocation run %s stopped", run_id)
        return _sending_stopped(run_id)
    return _sending_finish(run_id)


#: How often a batch whose rows someone else holds is tried again, and how long
#: to leave them first: a mentor answering a request holds them for a moment.
BUSY_TRIES = 3
BUSY_PAUSE = 1.0


class _RunBusy(Exception):
    """Another sender holds the run: it is sending it (a task delivered twice, or
    sending carried on while the first worker was only slow)."""


def _send_batch_when_free(run_id: int) -> bool:
    for _ in range(BUSY_TRIES - 1):
        try:
            return _send_batch(run_id)
        except (RowsBusy, _RunBusy):
            time.sleep(BUSY_PAUSE)
    return _send_batch(run_id)


def _run_to_send(run_id: int) -> AllocationRun:
    """The run, locked without waiting: ``_RunBusy`` if another sender holds it
    (it holds it while it sends a batch; waiting would only send the same pairs
    after it), ``DoesNotExist`` if it is gone."""
    run = lock_row_unless_held(AllocationRun, run_id)
    if run is None:
        raise _RunBusy
    return run


@transaction.atomic
def _sending_taken_up(run_id: int) -> None:
    """Start the clock that tells a stalled sending (``sending_stopped``): the
    worker has taken the sending up now, however long it waited in the queue.
    A run another sender holds is left to it (it moves the clock itself)."""
    try:
        run = lock_row_unless_held(AllocationRun, run_id)
    except AllocationRun.DoesNotExist:
        return
    if run is None or run.status != RunStatus.PUBLISHING:
        return
    run.progress = _sending_progress(run)
    run.progress_at = timezone.now()
    run.save(update_fields=["progress", "progress_at"])


@transaction.atomic
def _send_batch(run_id: int) -> bool:
    """Send the next few pairs; False when there are none left to send."""
    run = _run_to_send(run_id)
    if run.status != RunStatus.PUBLISHING:
        return False
    batch = run.unsent_pairs()[:SEND_BATCH]
    if not batch:
        return False
    # Mentor profiles, then enrolments: the order the mentoring services lock in.
    mentors = lock_rows(
        MentorProfile.objects.select_related("member"),
        {p["mentor_id"] for p in batch},
    )
    enrolments = lock_rows(
        Enrolment.objects.select_related("member", "qualification"),
        {p["candidate_id"] for p in batch},
    )
    people = _SendingTo(mentors, enrolments)
    run.published += [
        _publish_pair_or_fail(pair, mode=run.mode, people=people, run_id=run.pk)
        for pair in batch
    ]
    run.progress = _sending_progress(run)
    run.progress_at = timezone.now()
    run.save(update_fields=["published", "progress", "progress_at"])
    return True


class _SendingTo:
    """What every pair of a batch reads, each read once for the whole batch: the
    mentors and enrolments (locked), the mentors' free places, the candidates
    waiting on an allocation's request, and those whose mentoring is completed."""

    def __init__(self, mentors: list[MentorProfile], enrolments: list[Enrolment]):
        self.mentors = {m.pk: m for m in mentors}
        self.enrolments = {e.pk: e for e in enrolments}
        # Each pair sent takes one of its mentor's places: a request holds it
        # until answered, so no mentor is sent more requests than they have places.
        self.free = selectors.mentor_free_places(self.mentors)
        self.asked = selectors.awaiting_allocation_answer(self.enrolments)
        self.completed = set(
            MentoringRelationship.objects.completed_standing()
            .filter(enrolment__in=list(self.enrolments))
            .values_list("enrolment_id", flat=True)
        )


def _run_to_finish(run_id: int) -> AllocationRun | None:
    """The run, locked, with whoever published it; None if it is gone."""
    found = lock_rows(AllocationRun.objects.select_related("published_by"), [run_id])
    return found[0] if found else None


def _sending_stopped(run_id: int) -> AllocationRun | None:
    with transaction.atomic():
        run = _run_to_finish(run_id)
        if run is None or run.status != RunStatus.PUBLISHING:
            return run
        run.error = SENDING_STOPPED
        run.progress = _sending_progress(run, stage="stopped")
        run.save(update_fields=["error", "progress"])
        _tell_who_published(run)
    return run


#: What the officer reads when the sending's worker stopped without a word.
SENDING_STALLED = (
    "Sending stopped: nothing moved for more than "
    f"{int(SENDING_STALLED_AFTER.total_seconds() // 60)} minutes. The pairs sent so "
    "far stay sent, and none will be sent twice. Send the rest; if it stops again, "
    "tell the registration team."
)


def allocation_runs_stop_stalled_sending(
    *, now: datetime.datetime | None = None
) -> int:
    """Mark stopped every run being sent whose progress has not moved for
    ``SENDING_STALLED_AFTER`` (its worker died), and tell whoever published it,
    once: the page already offers to send the rest, the email says so too.

    Each run is locked and re-read first, so one that moved or finished meanwhile
    keeps going. Returns how many were marked stopped.
    """
    now = now or timezone.now()
    stalled = AllocationRun.objects.filter(
        status=RunStatus.PUBLISHING, progress_at__lte=now - SENDING_STALLED_AFTER
    ).values_list("pk", flat=True)
    stopped = 0
    for run_id in list(stalled):
        with transaction.atomic():
            run = _run_to_finish(run_id)
            if (
                run is None
                or not run.sending_stopped(now)
                or run.progress.get("stage") == "stopped"
            ):
                continue
            run.error = SENDING_STALLED
            run.progress = _sending_progress(run, stage="stopped")
            run.save(update_fields=["error", "progress"])
            _tell_who_published(run)
            stopped += 1
    return stopped


@transaction.atomic
def _sending_finish(run_id: int) -> AllocationRun | None:
    run = _run_to_finish(run_id)
    if run is None or run.status != RunStatus.PUBLISHING:
        return run
    run.status = RunStatus.PUBLISHED
    run.error = ""  # a stop on the way was carried on from
    run.published_at = timezone.now()
    run.progress = _sending_progress(run, stage="done")
    run.progress_at = run.published_at
    run.save()
    _audit_sending_ended(run, by=run.published_by)
    _tell_who_published(run)
    return run


def _audit_sending_ended(run: AllocationRun, *, by, **details) -> None:
    """The audit log's entry for a run whose sending ended (finished, or stopped by
    ``by``): what was sent, skipped, failed and taken out on review."""
    counts = run.outcome_counts()
    audit.record(
        actor=by,
        action=AuditAction.ALLOCATION_PUBLISHED,
        target=run,
        details={
            "mode": run.mode,
            "published": counts["sent"],
            "skipped": counts["skipped"],
            "failed": counts["failed"],
            "removed": len(run.removed),
            **details,
        },
    )


def _tell_who_published(run: AllocationRun, *, stopped_by=None) -> None:
    """Email whoever published the run what was sent, skipped and failed, and
    why; or that sending stopped (an error, or ``stopped_by`` an officer)."""
    by = run.published_by
    if by is not None and by.email:
        emails.send(
            "allocation_published",
            to=by.email,
            context={
                "run": run,
                "user": by,
                "stopped": run.status == RunStatus.PUBLISHING,
                "halted": run.status == RunStatus.STOPPED,
                "stopped_by": stopped_by,
                "progress": run.progress,
                "not_sent": len(run.kept_pairs()) - len(run.published),
                "skip_reasons": skip_reasons(run.published),
            },
        )


def skip_reasons(outcomes: list[dict]) -> list[tuple[str, int]]:
    """Why pairs were skipped, each reason with how many, most first. Runs sent
    before named the mentor in front of ``NO_PLACE_LEFT``: those count as it."""
    counted: dict[str, int] = {}
    for outcome in outcomes:
        if outcome["outcome"] != "skipped":
            continue
        reason = outcome["reason"]
        if reason.endswith(_NO_PLACE_TAIL):
            reason = NO_PLACE_LEFT
        counted[reason] = counted.get(reason, 0) + 1
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


#: Why a pair is skipped when its mentor's places have all been given. It names
#: nobody: the run keeps it, and an erased mentor must leave no copy of their
#: name behind (the run's page shows who the mentor is beside it).
NO_PLACE_LEFT = (
    "The mentor has no free place left: their places are taken by the candidates "
    "they mentor and the requests sent to them by this allocation or an earlier one."
)

#: Runs sent before kept the mentor's name in front of this.
_NO_PLACE_TAIL = NO_PLACE_LEFT.removeprefix("The mentor")


#: What the officer reads for a pair that failed: the details go to the log.
PAIR_FAILED = (
    "Not sent because of an error on our side: nothing was sent to either of "
    "them, and the candidate is still waiting for a mentor (a later allocation, "
    "or their own request, can match them). If it happens again, tell the "
    "registration team."
)


def _stops_the_batch(error: Exception) -> bool:
    """An error of the database itself (it went away, or rows stayed locked):
    nothing in the pair is at fault, so the batch is rolled back and sent again,
    rather than the pair marked failed."""
    return is_lock_timeout(error) or isinstance(
        error, (OperationalError, InterfaceError)
    )


def _publish_pair_or_fail(
    pair: dict, *, mode: str, people: _SendingTo, run_id: int
) -> dict:
    """Send one pair in a savepoint of its own. A pair that raises anything
    other than a refusal by the rules is rolled back alone and marked failed,
    with words for the officer: sending carries on with the other pairs, and a
    pair whose data always fails does not stop every "send the rest" at it."""
    try:
        with transaction.atomic():
            return _publish_pair(pair, mode=mode, people=people)
    except Exception as error:
        if _stops_the_batch(error):
            raise
        logger.exception(
            "allocation run %s: pair of candidate %s failed",
            run_id,
            pair.get("candidate_id"),
        )
    return {
        "candidate_id": pair["candidate_id"],
        "mentor_id": pair["mentor_id"],
        "outcome": "failed",
        "reason": PAIR_FAILED,
    }


def _publish_pair(pair: dict, *, mode: str, people: _SendingTo) -> dict:
    outcome = {"candidate_id": pair["candidate_id"], "mentor_id": pair["mentor_id"]}
    enrolment = people.enrolments.get(pair["candidate_id"])
    mentor = people.mentors.get(pair["mentor_id"])
    if enrolment is None or mentor is None:
        return outcome | {
            "outcome": "skipped",
            "reason": "The candidate or the mentor is no longer on record.",
        }
    if not enrolment.member.is_current:
        return outcome | {
            "outcome": "skipped",
            "reason": "The candidate's membership is no longer current.",
        }
    if enrolment.pk in people.completed:
        return outcome | {
            "outcome": "skipped",
            "reason": "The candidate's mentoring has been completed since.",
        }
    if enrolment.pk in people.asked:
        return outcome | {
            "outcome": "skipped",
            "reason": "The candidate is waiting for a mentor's answer to a request "
            "another allocation sent them since.",
        }
    if people.free.get(mentor.pk, 0) <= 0:
        return outcome | {
            "outcome": "skipped",
            "reason": NO_PLACE_LEFT,
        }
    # Each service is a transaction of its own (a savepoint within the batch's),
    # which a refusal rolls back: the batch's other pairs stand.
    try:
        if mode == AllocationMode.DIRECT:
            relationship = mentoring_services.relationship_start(
                enrolment=enrolment,
                mentor=mentor,
                how=mentoring_services.ALLOCATED,
            )
            sent = {"outcome": "matched", "relationship_id": relationship.pk}
        else:
            request = _request_from_allocation(enrolment, mentor)
            sent = {"outcome": "requested", "request_id": request.pk}
    except (mentoring_services.MentoringError, OversightError) as refusal:
        return outcome | {"outcome": "skipped", "reason": str(refusal)}
    people.free[mentor.pk] -= 1
    return outcome | sent


def _request_from_allocation(
    enrolment: Enrolment, mentor: MentorProfile
) -> MentoringRequest:
    message = (
        "The scheme's Candidate Support Officers (or the registration team) suggested "
        "this match in a bulk allocation of mentors to candidates who were waiting "
        "for one."
    )
    request = mentoring_services.request_create(
        enrolment=enrolment, mentor=mentor, message=message, from_allocation=True
    )
    emails.send(
        "allocation_request_sent",
        to=enrolment.member.email,
        context={
            "candidate": enrolment.member,
            "mentor": mentor.member,
            "request": request,
            "enrolment": enrolment,
        },
    )
    return request


# -- scheme administration (staff) ---------------------------------------------------


def _plain(value):
    """A value as the audit log's JSON keeps it."""
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _apply(instance: Model, fields: dict) -> dict:
    """Set ``fields`` on ``instance``; return what changed as {name: [old, new]}."""
    changes = {}
    for name, value in fields.items():
        try:
            old = getattr(instance, name)
        except ObjectDoesNotExist:  # a new row's empty relation
            old = None
        if old != value:
            changes[name] = [_plain(old), _plain(value)]
            setattr(instance, name, value)
    return changes


def _save_and_audit(instance: Model, fields: dict, *, by, action: str) -> Model:
    adding = instance.pk is None
    if not adding:
        # Compare with the row as stored, not with an instance a form has changed.
        instance = lock_row(type(instance), instance.pk)
    changes = _apply(instance, fields)
    if not changes and not adding:
        return instance
    instance.full_clean()
    instance.save()
    audit.record(
        actor=by,
        action=action,
        target=instance,
        details={"created": adding, "changes": changes},
    )
    return instance


@transaction.atomic
def region_save(*, by, region: Region | None = None, **fields) -> Region:
    """Add a region, or rename one."""
    return _save_and_audit(
        region or Region(), fields, by=by, action=AuditAction.REFERENCE_DATA_CHANGED
    )


@transaction.atomic
def region_merge(*, source: Region, target: Region, by) -> dict[str, int]:
    """Merge ``source`` into ``target``, keeping history.

    Members, organisations, officer appointments and training events move to the
    target, as do mentors' choices of region; the source stays on record, inactive,
    pointing at the target, so older records and allocation runs still read true.
    """
    if source.pk == target.pk:
        raise OversightError("Choose two different regions.")
    # Both in key order, so two merges of the same pair wait rather than deadlock.
    locked = {r.pk: r for r in lock_rows(Region, [source.pk, target.pk])}
    source, target = locked[source.pk], locked[target.pk]
    if not source.is_active:
        raise OversightError(f"{source} has already been merged or closed.")
    if not target.is_active:
        raise OversightError(f"{target} is not active; merge into an active region.")
    moved = {
        "members": Member.objects.filter(region=source).update(region=target),
        "organisations": Organisation.objects.filter(region=source).update(
            region=target
        ),
        "appointments": OfficerAppointment.objects.filter(region=source).update(
            region=target
        ),
        "events": TrainingEvent.objects.filter(region=source).update(region=target),
        "mentor_region_choices": _move_mentor_regions(source, target),
    }
    Region.objects.filter(merged_into=source).update(merged_into=target)
    directory.note_change()  # mentors' regions, written around the models
    figures.region_moved(source=source, target=target)  # the dashboard's rows too
    source.is_active = False
    source.merged_into = target
    source.save(update_fields=["is_active", "merged_into"])
    audit.record(
        actor=by,
        action=AuditAction.REGION_MERGED,
        target=source,
        details={"into": str(target), "into_id": target.pk, "moved": moved},
    )
    return moved


def _move_mentor_regions(source: Region, target: Region) -> int:
    through = MentorProfile.regions.through
    choosing = set(
        through.objects.filter(region=source).values_list("mentorprofile_id", flat=True)
    )
    having = set(
        through.objects.filter(
            region=target, mentorprofile_id__in=choosing
        ).values_list("mentorprofile_id", flat=True)
    )
    through.objects.filter(region=source).delete()
    through.objects.bulk_create(
        [through(mentorprofile_id=pk, region=target) for pk in choosing - having]
    )
    return len(choosing)


@transaction.atomic
def organisation_type_save(
    *, by, organisation_type: OrganisationType | None = None, **fields
) -> OrganisationType:
    return _save_and_audit(
        organisation_type or OrganisationType(),
        fields,
        by=by,
        action=AuditAction.REFERENCE_DATA_CHANGED,
    )


@transaction.atomic
def qualification_save(
    *, by, qualification: Qualification | None = None, **fields
) -> Qualification:
    saved = _save_and_audit(
        qualification or Qualification(),
        fields,
        by=by,
        action=AuditAction.REFERENCE_DATA_CHANGED,
    )
    if "uses_mentors" in fields:  # its candidates wait for a mentor, or no longer
        figures.enrolments_changed(
            enrolment_ids=Enrolment.objects.filter(qualification=saved).values_list(
                "pk", flat=True
            )
        )
    if qualification is not None:
        # Requests the new rules no longer allow are closed, each person told;
        # mentoring already under way carries on.
        mentoring_services.requests_no_longer_allowed_close(qualification_id=saved.pk)
    return saved


@transaction.atomic
def regulations_create(*, by, **fields) -> RegulationsVersion:
    """Publish a regulations version and tell the people it concerns.

    Mentors, listed or on the way to listing, are told what to do (be briefed,
    within the grace period); each candidate who can still choose is told their
    choice: stay under the version they enrolled on, or move to the new one. A
    version published for a later day is offered from that day, when
    ``regulations_choice_open`` tells them again.
    """
    regulations_create_check(effective_from=fields["effective_from"])
    today = timezone.localdate()
    if fields["effective_from"] <= today:
        fields = {**fields, "choice_opened_on": today}  # this email offers it
    version = _save_and_audit(
        RegulationsVersion(), fields, by=by, action=AuditAction.REFERENCE_DATA_CHANGED
    )
    _announce_regulations(version)
    return version


def regulations_create_check(*, effective_from: datetime.date) -> None:
    """Refuse a version that cannot be published (before anyone is asked to)."""
    if effective_from < timezone.localdate():
        raise OversightError(
            "A new version takes effect today or later: the date cannot be in the past."
        )
    if RegulationsVersion.objects.filter(effective_from=effective_from).exists():
        raise OversightError("A regulations version already takes effect on that date.")


def _regulations_mentors():
    return MentorProfile.objects.filter(status__in=KEEPING_UP_STATUSES)


def _choosing_enrolments(effective_from: datetime.date):
    """The enrolments that may move to a version in force from ``effective_from``:
    only a current member may move (the move is refused to anyone else), so only
    current members are told they may."""
    return Enrolment.objects.filter(
        status__in=REGULATIONS_CHOICE_STATUSES,
        regulations__effective_from__lt=effective_from,
        member__membership_status=MembershipStatus.CURRENT,
    )


def regulations_recipients(*, effective_from: datetime.date) -> dict[str, int]:
    """How many people publishing a version for ``effective_from`` would email."""
    mentors = set(_regulations_mentors().values_list("member_id", flat=True))
    candidates = set(
        _choosing_enrolments(effective_from).values_list("member_id", flat=True)
    )
    return {
        "mentors": len(mentors),
        "candidates": len(candidates),
        "people": len(mentors | candidates),
    }


def _announce_regulations(version: RegulationsVersion) -> None:
    settings = SchemeSettings.load()
    context = {
        "regulations": version,
        "grace_until": version.effective_from
        + datetime.timedelta(days=settings.briefing_grace_days),
    }
    mentors = _regulations_mentors().select_related("member")
    # One message each, so nobody sees another person's address.
    for profile in mentors:
        emails.send(
            "regulations_published_mentor",
            to=profile.member.email,
            context={
                **context,
                "member": profile.member,
                "listed": profile.status == MentorStatus.LISTED,
            },
        )
    _tell_candidates(version, today=timezone.localdate())


def _tell_candidates(version: RegulationsVersion, *, today: datetime.date) -> int:
    """Email each candidate who may move to ``version`` once, naming their
    enrolments; say from when if it is not in force yet. How many were told."""
    opens = version.effective_from
    choice_opens = opens if opens > today else None
    enrolments = (
        _choosing_enrolments(opens)
        .select_related("member", "qualification", "regulations")
        .order_by("member_id", "pk")
    )
    told = 0
    for _, theirs in groupby(enrolments, key=attrgetter("member_id")):
        theirs = list(theirs)
        member = theirs[0].member
        emails.send(
            "regulations_published_candidate",
            to=member.email,
            context={
                "regulations": version,
                "member": member,
                "enrolments": theirs,
                "choice_opens": choice_opens,
            },
        )
        told += 1
    return told


def regulations_choice_open(*, today: datetime.date) -> int:
    """On the day a version published in advance takes effect, tell the candidates
    who may now move to it. Once per version, however often it runs; a version
    overtaken by a later one already in force is not offered. How many were told."""
    in_force = RegulationsVersion.in_force_on(today)
    due = RegulationsVersion.objects.filter(
        effective_from__lte=today, choice_opened_on__isnull=True
    )
    return sum(
        _regulations_choice_open(version, today=today, in_force=in_force)
        for version in due
    )


@transaction.atomic
def _regulations_choice_open(
    version: RegulationsVersion, *, today: datetime.date, in_force
) -> int:
    claimed = RegulationsVersion.objects.filter(
        pk=version.pk, choice_opened_on__isnull=True
    ).update(choice_opened_on=today)
    if not claimed or version != in_force:
        return 0
    return _tell_candidates(version, today=today)


@transaction.atomic
def appointment_create(*, by, **fields) -> OfficerAppointment:
    member = fields["member"]
    if not member.is_current:
        raise OversightError(
            "Only a member whose membership is current can hold an appointment."
        )
    if not fields["region"].is_active:
        raise OversightError("Appoint support officers to an active region.")
    return _save_and_audit(
        OfficerAppointment(), fields, by=by, action=AuditAction.APPOINTMENT_CHANGED
    )


@transaction.atomic
def appointment_end(
    *, appointment: OfficerAppointment, ends_on: datetime.date, by
) -> OfficerAppointment:
    appointment = OfficerAppointment.objects.get(pk=appointment.pk)
    appointment_end_check(appointment=appointment, ends_on=ends_on)
    return _save_and_audit(
        appointment,
        {"ends_on": ends_on},
        by=by,
        action=AuditAction.APPOINTMENT_CHANGED,
    )


def appointment_end_check(
    *, appointment: OfficerAppointment, ends_on: datetime.date
) -> None:
    """Refuse an end of term the appointment cannot take (before it is asked to)."""
    if ends_on < appointment.starts_on:
        raise OversightError(
            f"The term cannot end before it starts ({appointment.starts_on:%d %B %Y})."
        )
    if appointment.ends_on is not None and appointment.ends_on < ends_on:
        raise OversightError(
            f"This term already ends on {appointment.ends_on:%d %B %Y}; end it "
            "earlier, or add a new appointment."
        )


@transaction.atomic
def scheme_settings_update(*, by, **fields) -> SchemeSettings:
    """Change the scheme's switches; the next request reads the new values."""
    return _save_and_audit(
        SchemeSettings.load(), fields, by=by, action=AuditAction.SETTINGS_CHANGED
    )
