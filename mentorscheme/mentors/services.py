"""Writes for becoming and being a mentor: one transaction each.

The lifecycle is a state machine with guarded transitions and a recorded history:
interested → applied → (more information ↔ applied) → approved | declined; once
approved, training and the workshop may come in either order, and the mentor is
listed by themselves as soon as every gate of the scheme's rules holds.
"""

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from mentorscheme.audit import services as audit
from mentorscheme.locking import RowsBusy, lock_first, lock_row
from mentorscheme.members import officers
from mentorscheme.members.models import Member, MembershipStatus
from mentorscheme.mentors import changes, directory, selectors
from mentorscheme.mentors.models import (
    EVIDENCE_SENT,
    KEEPING_UP_STATUSES,
    MOST_PLACES,
    EvidenceStatus,
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
    TrainingEvidence,
    TrainingRoute,
)
from mentorscheme.mentors.selectors import (
    active_mentee_count,
    level_held,
    listing_failures,
    mentor_training_places,
    your_listing_steps,
)
from mentorscheme.notifications import emails
from mentorscheme.scheme.models import SchemeSettings
from mentorscheme.training import currency
from mentorscheme.training import services as training
from mentorscheme.training.models import (
    HELD_STATUSES,
    AcknowledgementHow,
    Booking,
    BookingStatus,
    BriefingAcknowledgement,
    EventKind,
)

logger = logging.getLogger(__name__)

S = MentorStatus
TRANSITIONS: dict[str, set[str]] = {
    S.INTERESTED: {S.APPLIED, S.RETIRED},
    S.APPLIED: {S.APPROVED, S.DECLINED, S.MORE_INFO, S.RETIRED},
    S.MORE_INFO: {S.APPLIED, S.RETIRED},
    S.DECLINED: {S.INTERESTED},
    S.APPROVED: {S.TRAINED, S.WORKSHOP_ATTENDED, S.LISTED, S.RETIRED},
    # A corrected register can take a gate away again (back to an earlier state).
    S.TRAINED: {S.LISTED, S.APPROVED, S.WORKSHOP_ATTENDED, S.RETIRED},
    S.WORKSHOP_ATTENDED: {S.LISTED, S.APPROVED, S.TRAINED, S.RETIRED},
    S.LISTED: {S.LAPSED, S.RETIRED, S.APPROVED, S.TRAINED, S.WORKSHOP_ATTENDED},
    # Renewed, but a gate was taken away while lapsed: back to collecting gates.
    S.LAPSED: {S.LISTED, S.RETIRED, S.APPROVED, S.TRAINED, S.WORKSHOP_ATTENDED},
    S.RETIRED: {S.INTERESTED},
}
# States after approval and before listing, in which gates are being collected.
APPROVED_STATES = {S.APPROVED, S.TRAINED, S.WORKSHOP_ATTENDED}


class MentorError(Exception):
    """The action was refused; the text says why, in plain words."""


def _transition(profile: MentorProfile, to: str, *, note: str = "", by=None) -> None:
    if to not in TRANSITIONS.get(profile.status, set()):
        raise MentorError(
            f"A mentor who is “{profile.get_status_display()}” cannot become "
            f"“{MentorStatus(to).label}”."
        )
    MentorStatusChange.objects.create(
        mentor=profile, from_status=profile.status, to_status=to, note=note, by=by
    )
    profile.status = to
    if to == S.LISTED:
        profile.listed_at = timezone.now()
    profile.save()


def _counted(profile: MentorProfile) -> None:
    """The dashboard counts this mentor's status, places and review anew. Called
    last by each service, once every change (and every lock: what waits on the
    mentor too) is made, so the lock on the dashboard's row is the last taken."""
    changes.counts_changed(mentor_ids=[profile.pk])


def _locked(profile: MentorProfile) -> MentorProfile:
    return lock_row(MentorProfile.objects.select_related("member"), profile.pk)


def _officer_emails(member: Member, side: str = officers.MENTORS) -> list[str]:
    """Who hears about a case in the member's region: officers of that side free of
    any conflict of interest about the member, else the registration team."""
    return officers.recipients(member.region_id, side, about=member).emails


def _refuse_if_conflicted(by, profile: MentorProfile) -> None:
    reason = officers.conflict_reason(by, profile.member)
    if reason:
        raise MentorError(
            f"{reason} Another Mentor Support Officer of the region, or the "
            "registration team, will decide it."
        )


def _decider(by, member: Member) -> str:
    """Who decided a case about ``member``, as the member reads it: the region's
    Mentor Support Officer, or the registration team acting where none could."""
    in_office = officers.appointments(member.region_id, officers.MENTORS)
    if by is not None and in_office.filter(member__user_id=by.pk).exists():
        return "your region's Mentor Support Officer"
    return "the registration team"


def _tell(profile: MentorProfile, message: str, **context) -> None:
    emails.send(
        message,
        to=profile.member.email,
        context={"profile": profile, "member": profile.member, **context},
    )


@transaction.atomic
def mentor_register_interest(*, member: Member) -> MentorProfile:
    # The member first: a second registration at once (a double click) waits here,
    # then finds the first's profile rather than breaking one-profile-per-member.
    member = lock_row(Member, member.pk)
    if level_held(member) is None:
        raise MentorError(
            "To mentor you need to hold a level of Professional Registration now, and "
            "your membership must be current. Our records show no current level for you."
        )
    profile = MentorProfile.objects.filter(member=member).first()
    if profile is None:
        profile = MentorProfile.objects.create(member=member)
        profile.regions.set([member.region_id])
        MentorStatusChange.objects.create(mentor=profile, to_status=S.INTERESTED)
        # Training or a workshop attended before registering interest still counts.
        profile.trained_on, profile.workshop_attended_on = _gates_from_records(profile)
        profile.save(update_fields=["trained_on", "workshop_attended_on"])
        _counted(profile)
        return profile
    if profile.status in (S.DECLINED, S.RETIRED):
        _transition(profile, S.INTERESTED, note="Registered interest again")
        _counted(profile)
        return profile
    raise MentorError("You have already registered your interest in mentoring.")


@transaction.atomic
def mentor_application_save(
    *, profile: MentorProfile, submit: bool, qualifications, regions, **fields
) -> MentorProfile:
    """Keep the draft; when ``submit`` is true, send it to the region's officers."""
    profile = _locked(profile)
    if profile.status not in (S.INTERESTED, S.MORE_INFO):
        raise MentorError(
            "Your application has already been sent, so it cannot be changed now."
        )
    trained_on = fields.pop("external_training_date", None)
    document = fields.pop("external_training_document", None)
    for name, value in fields.items():
        setattr(profile, name, value)
    if submit and profile.training_route == TrainingRoute.EXTERNAL:
        if profile.external_training_status not in EVIDENCE_SENT:
            _evidence_create(
                profile,
                description=profile.external_training,
                trained_on=trained_on,
                document=document,
            )
    elif (
        profile.training_route == TrainingRoute.BOOK
        and profile.external_training_status == EvidenceStatus.REJECTED
    ):
        # Booking instead of sending more evidence: the refusal is behind them.
        # Evidence still waiting is still decided (accepted, it counts).
        profile.external_training_status = EvidenceStatus.NONE
    profile.save()
    profile.qualifications.set(qualifications)
    profile.regions.set(regions)
    if submit:
        profile.submitted_at = timezone.now()
        _transition(profile, S.APPLIED, note="Application sent", by=profile.member.user)
        reviewers = officers.recipients(
            profile.member.region_id, officers.MENTORS, about=profile.member
        )
        _tell(
            profile,
            "mentor_application_received",
            staff_instead=reviewers.staff_instead,
        )
        emails.send(
            "mentor_application_to_review",
            to=reviewers.emails,
            context={
                "profile": profile,
                "member": profile.member,
                "staff_instead": reviewers.staff_instead,
            },
        )
    _counted(profile)
    return profile


@transaction.atomic
def mentor_application_review(
    *, profile: MentorProfile, decision: str, reason: str = "", by
) -> MentorProfile:
    """The region's officer approves, declines (with a reason) or asks for more."""
    profile = _locked(profile)
    if profile.status != S.APPLIED:
        raise MentorError("This application is not waiting for review.")
    if decision in (S.DECLINED, S.MORE_INFO) and not reason.strip():
        raise MentorError("Give the applicant a reason: they will read it.")
    if decision not in (S.APPROVED, S.DECLINED, S.MORE_INFO):
        raise MentorError("Choose approve, decline or ask for more information.")
    _refuse_if_conflicted(by, profile)
    _transition(profile, decision, note=reason, by=by)
    audit.record(actor=by, action=audit.AuditAction.MENTOR_APPLICATION_DECIDED, target=profile, details={"decision": decision, "reason": reason})  # fmt: skip
    _tell(
        profile,
        f"mentor_application_{decision}",
        reason=reason,
        decider=_decider(by, profile.member),
    )
    if decision == S.APPROVED:
        _advance(profile, by=by)
    _counted(profile)
    return profile


def _evidence_create(
    profile: MentorProfile, *, description: str, trained_on, document
) -> TrainingEvidence:
    evidence = TrainingEvidence.objects.create(
        profile=profile,
        description=description.strip(),
        trained_on=trained_on or timezone.localdate(),
        document_name=document.name if document else "",
        document_type=document.content_type if document else "",
        document_size=len(document.content) if document else 0,
        document=document.content if document else b"",
    )
    profile.external_training = evidence.description
    profile.external_training_status = EvidenceStatus.PENDING
    return evidence


#: Where evidence may be sent (again, once a refusal came back), and decided.
EVIDENCE_STATES = selectors.EVIDENCE_STATES


@transaction.atomic
def mentor_evidence_submit(
    *, profile: MentorProfile, description: str, trained_on, document
) -> TrainingEvidence:
    """Send (or send again, after a refusal) evidence of training done elsewhere."""
    profile = _locked(profile)
    if profile.status not in EVIDENCE_STATES:
        raise MentorError("Evidence of training can be sent only while applying.")
    if profile.trained_on is not None:
        raise MentorError("Your mentor training is already recorded.")
    if profile.external_training_status == EvidenceStatus.PENDING:
        raise MentorError("Your evidence is already waiting for review.")
    profile.training_route = TrainingRoute.EXTERNAL
    evidence = _evidence_create(
        profile, description=description, trained_on=trained_on, document=document
    )
    profile.last_active_at = timezone.now()
    profile.save()
    _counted(profile)
    MentorStatusChange.objects.create(
        mentor=profile,
        from_status=profile.status,
        to_status=profile.status,
        by=profile.member.user,
        note="Evidence of training done elsewhere sent for review.",
    )
    if profile.status != S.INTERESTED:
        reviewers = officers.recipients(
            profile.member.region_id, officers.MENTORS, about=profile.member
        )
        emails.send(
            "training_evidence_to_review",
            to=reviewers.emails,
            context={
                "profile": profile,
                "member": profile.member,
                "evidence": evidence,
                "staff_instead": reviewers.staff_instead,
            },
        )
    return evidence


@transaction.atomic
def mentor_external_training_review(
    *, profile: MentorProfile, accept: bool, reason: str = "", by
) -> MentorProfile:
    profile = _locked(profile)
    if profile.external_training_status != EvidenceStatus.PENDING:
        raise MentorError("There is no evidence of training waiting for review.")
    if profile.status not in EVIDENCE_STATES:
        raise MentorError(
            f"{profile.member.full_name} is “{profile.get_status_display()}”, so "
            "their evidence of training is not for deciding now. It waits in case "
            "they apply again."
        )
    if not accept and not reason.strip():
        raise MentorError("Give the applicant a reason: they will read it.")
    _refuse_if_conflicted(by, profile)
    decision = EvidenceStatus.ACCEPTED if accept else EvidenceStatus.REJECTED
    profile.external_training_status = decision
    audit.record(actor=by, action=audit.AuditAction.MENTOR_TRAINING_EVIDENCE_DECIDED, target=profile, details={"accepted": accept, "reason": reason})  # fmt: skip
    evidence = profile.evidence.filter(status=EvidenceStatus.PENDING).first()
    if evidence is not None:
        evidence.status, evidence.reason = decision, reason.strip()
        evidence.decided_by, evidence.decided_at = by, timezone.now()
        evidence.save()
    if accept:
        # The day the training was done, as the evidence says (else the decision's).
        done = evidence.trained_on if evidence is not None else timezone.localdate()
        profile.external_trained_on = done
        profile.trained_on = min(d for d in (profile.trained_on, done) if d)
    profile.save()
    MentorStatusChange.objects.create(
        mentor=profile,
        from_status=profile.status,
        to_status=profile.status,
        by=by,
        note=(
            "External training accepted. "
            if accept
            else "External training not accepted: "
        )
        + reason,
    )
    _tell(
        profile,
        "mentor_training_evidence_" + ("accepted" if accept else "rejected"),
        reason=reason,
        decider=_decider(by, profile.member),
    )
    _advance(profile, by=by)
    _counted(profile)
    return profile


@transaction.atomic
def mentor_external_training_withdraw(
    *, profile: MentorProfile, reason: str, by
) -> MentorProfile:
    """Withdraw an acceptance of training done elsewhere given in error, with the
    reason the mentor reads. The gates run again, as after a corrected register:
    without other training, an approved mentor goes back a stage, and a listed one
    is delisted (what waits on them closed) and told why. They may send evidence
    again, or book the scheme's training."""
    profile = _locked(profile)
    if profile.external_training_status != EvidenceStatus.ACCEPTED:
        raise MentorError("No accepted training done elsewhere is on record.")
    if not reason.strip():
        raise MentorError("Give the mentor a reason: they will read it.")
    _refuse_if_conflicted(by, profile)
    reason = reason.strip()
    evidence = profile.evidence.filter(status=EvidenceStatus.ACCEPTED).first()
    if evidence is not None:
        evidence.status, evidence.reason = EvidenceStatus.REJECTED, reason
        evidence.decided_by, evidence.decided_at = by, timezone.now()
        evidence.save()
    profile.external_training_status = EvidenceStatus.REJECTED
    profile.external_trained_on = None
    profile.trained_on, _ = _gates_from_records(profile)
    profile.save()
    audit.record(actor=by, action=audit.AuditAction.MENTOR_TRAINING_EVIDENCE_DECIDED, target=profile, details={"accepted": False, "withdrawn": True, "reason": reason})  # fmt: skip
    because = (
        f"The acceptance of your mentor training done elsewhere was withdrawn: {reason}"
    )
    MentorStatusChange.objects.create(
        mentor=profile,
        from_status=profile.status,
        to_status=profile.status,
        by=by,
        note="Acceptance of training done elsewhere withdrawn: " + reason,
    )
    missing = [f.reason for f in _listing_failures(profile) if f.code == "not_trained"]
    if profile.status == S.LISTED and missing:
        _delist_for_gates(profile, missing, because=because, by=by)
    else:
        if profile.status in APPROVED_STATES:
            state = _gate_state(profile)
            if state != profile.status:
                _transition(profile, state, note=because, by=by)
        _tell(
            profile,
            "mentor_training_evidence_rejected",
            reason=reason,
            decider=_decider(by, profile.member),
        )
    _counted(profile)
    return profile


def attended_on(member: Member, kind: str) -> datetime.date | None:
    """The day of the first event of this kind the member is recorded as attending.

    Attendance counts whenever it happened, before the interest was registered too.
    """
    first = _attended_starts(member.pk, kind).order_by("event__starts_at").first()
    return timezone.localdate(first) if first else None


def _attended_starts(member_id: int, kind: str):
    """When the events of ``kind`` the member is recorded as attending started."""
    return Booking.objects.filter(
        member_id=member_id,
        status=BookingStatus.ATTENDED,
        event__kind=kind,
        event__is_cancelled=False,
        event__starts_at__lte=timezone.now(),
    ).values_list("event__starts_at", flat=True)


def _gates_from_records(profile: MentorProfile) -> tuple:
    """(trained_on, workshop_attended_on) as the register and accepted evidence say."""
    trained = attended_on(profile.member, EventKind.MENTOR_TRAINING)
    external = external_training_date(profile)
    if external and (trained is None or external < trained):
        trained = external
    return trained, attended_on(profile.member, EventKind.WORKSHOP)


def external_training_date(profile: MentorProfile) -> datetime.date | None:
    if profile.external_training_status != EvidenceStatus.ACCEPTED:
        return None
    return profile.external_trained_on


def _gate_state(profile: MentorProfile) -> str:
    """The pre-listing state the gates met so far put an approved mentor in."""
    trained, workshop = profile.trained_on, profile.workshop_attended_on
    if trained and workshop:
        # Listing itself is decided by _advance.
        return profile.status if profile.status in APPROVED_STATES else S.TRAINED
    if trained:
        return S.TRAINED
    return S.WORKSHOP_ATTENDED if workshop else S.APPROVED


GATE_FIELDS = {"mentor_training": "trained_on", "workshop": "workshop_attended_on"}


@transaction.atomic
def mentor_attendance_changed(
    *, member: Member, kind: str, on: datetime.date, attended: bool, by=None
):
    """Re-run the mentor's gates after the register for a ``kind`` event on ``on``.

    Attendance gives the gate (the earliest day counts). "Did not attend" takes away
    a gate that rested on that day, unless other attendance or accepted evidence
    still holds it; a listed mentor who no longer meets every gate is delisted, the
    reason in their history.
    """
    profile = lock_first(
        MentorProfile.objects.select_related("member").filter(member=member)
    )
    if profile is None:
        return None
    name = GATE_FIELDS[kind]
    held = getattr(profile, name)
    if attended and (held is None or on < held):
        setattr(profile, name, on)
    elif not attended:
        # Decided from the register itself, not from ``on``: the event's date may
        # have been corrected since the attendance gave the gate.
        trained, workshop = _gates_from_records(profile)
        setattr(profile, name, trained if name == "trained_on" else workshop)
    if getattr(profile, name) == held:
        return profile
    profile.save(update_fields=[name])
    because = (
        ""
        if attended
        else f"{member.full_name} is now recorded as not attending the "
        f"{'mentor training' if name == 'trained_on' else 'workshop'} of "
        f"{on:%-d %B %Y}."
    )
    if profile.status == S.LISTED:
        missing = [
            f.reason
            for f in _listing_failures(profile)
            if f.code in ("not_trained", "no_workshop")
        ]
        if missing:
            _delist_for_gates(profile, missing, because=because, by=by)
            _counted(profile)
        return profile
    if profile.status == S.LAPSED and because:
        # Decided when they renew; the reason is kept for then.
        MentorStatusChange.objects.create(
            mentor=profile,
            from_status=S.LAPSED,
            to_status=S.LAPSED,
            note=because,
            by=by,
        )
    if profile.status in APPROVED_STATES:
        state = _gate_state(profile)
        if state != profile.status:
            _transition(profile, state, note=because, by=by)
        _advance(profile, by=by)
        _counted(profile)
    return profile


def _keeping_up():
    """Mentors who keep up with the regulations: listed, or approved and on the way
    to listing."""
    return MentorProfile.objects.filter(status__in=KEEPING_UP_STATUSES).select_related(
        "member"
    )


def briefing_tell_mentors(*, briefing) -> None:
    """A briefing is published: every mentor who keeps up with the regulations
    (listed, or approved and on the way to listing) is told, one message each so no
    one sees another mentor's address."""
    for profile in _keeping_up():
        emails.send(
            "briefing_published",
            to=profile.member.email,
            context={"briefing": briefing},
        )


def recording_tell_mentors(*, event) -> None:
    """A briefing's or webinar's recording is out: every mentor who keeps up with
    the regulations (listed, or approved and on the way to listing) is told, one
    message each; for a recording on a version of the regulations, not those
    already briefed on it (who attended, or watched another)."""
    mentors = _keeping_up()
    if event.regulations_id:
        mentors = mentors.exclude(
            member__briefings__regulations_id=event.regulations_id
        )
    for profile in mentors:
        emails.send(
            "recording_added",
            to=profile.member.email,
            context={"event": event, "member": profile.member},
        )


@transaction.atomic
def briefing_watched(*, member: Member, regulations_id: int) -> BriefingAcknowledgement:
    """The mentor says they have watched the briefing on a version of the
    regulations: it counts as being up to date with it."""
    profile = MentorProfile.objects.filter(member=member).first()
    if profile is None or profile.status not in KEEPING_UP_STATUSES:
        raise MentorError(
            "Marking a briefing watched is for mentors, and for applicants once "
            "approved."
        )
    if not currency.has_briefing_to_watch(regulations_id):
        raise MentorError(
            "There is no briefing on these regulations to watch yet. A briefing or "
            "webinar you attend counts by itself."
        )
    return training.briefing_acknowledge(
        member=member, regulations_id=regulations_id, how=AcknowledgementHow.WATCHED
    )


def _listing_failures(profile: MentorProfile):
    return listing_failures(profile)


def _delist_for_gates(profile, missing: list[str], *, because: str, by) -> None:
    reason = " ".join(
        [because or "The attendance record was corrected.", *missing]
    ).strip()
    _transition(
        profile, _gate_state(profile), note=f"Taken off the list: {reason}", by=by
    )
    changes.mentor_unavailable(profile=profile, reason=UNLISTED_REQUEST_REASON)
    _tell(profile, "mentor_delisted_gates", reason=reason)


def _advance(profile: MentorProfile, *, by=None) -> None:
    """Move an approved mentor along as gates are met; list once every gate holds."""
    if profile.status not in APPROVED_STATES:
        return
    if not listing_failures(profile):
        _transition(
            profile,
            S.LISTED,
            note="Registration, mentor training and workshop all in place",
            by=by,
        )
        _tell(profile, "mentor_listed")
    elif profile.trained_on and profile.status == S.APPROVED:
        _transition(profile, S.TRAINED, by=by)
    elif profile.workshop_attended_on and profile.status == S.APPROVED:
        _transition(profile, S.WORKSHOP_ATTENDED, by=by)


@transaction.atomic
def mentor_set_accepting(*, profile: MentorProfile, accepting: bool) -> MentorProfile:
    """Pause or resume taking on candidates. Resuming says the mentor is available
    now, so it counts as confirming it: it answers an open availability question (a
    mentor paused for not answering is not paused again), and a mentor who resumes
    after a long pause is not asked straight after whether they are available."""
    profile = _locked(profile)
    profile.accepting = accepting
    profile.last_active_at = now = timezone.now()
    fields = ["accepting", "last_active_at"]
    if accepting:
        profile.availability_asked_at = None
        profile.availability_confirmed_at = now
        fields += ["availability_asked_at", "availability_confirmed_at"]
    profile.save(update_fields=fields)
    if not accepting:
        # A paused mentor cannot accept: their candidates should not wait on them.
        changes.mentor_unavailable(profile=profile, reason=PAUSED_REQUEST_REASON)
    _counted(profile)
    return profile


@transaction.atomic
def mentor_profile_update(
    *, profile: MentorProfile, qualifications, regions, **fields
) -> MentorProfile:
    profile = _locked(profile)
    capacity = fields.get("capacity", profile.capacity)
    active = active_mentee_count(profile)
    if capacity < active:
        raise MentorError(
            f"You are mentoring {active} candidates now, so your capacity cannot be "
            f"less than {active}. Pause instead to stop new requests."
        )
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.last_active_at = timezone.now()
    profile.save()
    _counted(profile)
    profile.qualifications.set(qualifications)
    profile.regions.set(regions)
    # A request for a qualification the mentor no longer supports could never be
    # accepted: it closes now rather than hold the candidate's place until it expires.
    changes.mentor_choices_changed(profile=profile)
    return profile


@transaction.atomic
def mentor_retire(*, profile: MentorProfile, by=None) -> MentorProfile:
    """The mentor steps down (or staff record it): each candidate gets a next step,
    and their places on mentor training still to come go to the waiting lists."""
    profile = _locked(profile)
    own = by is not None and by.pk == profile.member.user_id
    _transition(
        profile,
        S.RETIRED,
        note="Stepped down"
        if own
        else f"Stepped down, recorded by {by or 'the scheme'}",
        by=by,
    )
    changes.mentor_left(
        profile=profile,
        ended_by="mentor" if own else "scheme",
        reason="Your mentor has stepped down from mentoring.",
    )
    changes.mentor_unavailable(profile=profile, reason=UNLISTED_REQUEST_REASON)
    # Mentor training is of use only to a mentor: the place goes to the waiting list.
    for booking in mentor_training_places(profile.member):
        try:
            training.booking_cancel(booking_id=booking.pk, member=profile.member)
        except training.TrainingError:
            continue  # it started a moment ago: its register stands
    _counted(profile)
    return profile


LAPSED_REQUEST_REASON = (
    "This mentor's registration has lapsed, so they cannot take on new candidates. "
    "Your request has been closed and no longer counts towards your limit: you can "
    "ask another mentor now."
)
PAUSED_REQUEST_REASON = (
    "This mentor has paused and is not taking on new candidates at the moment. Your "
    "request has been closed and no longer counts towards your limit: you can ask "
    "another mentor now."
)
UNLISTED_REQUEST_REASON = (
    "This mentor is no longer listed, so your request has been closed. It no longer "
    "counts towards your limit: you can ask another mentor now."
)


# -- keeping listed mentors current ---------------------------------------------------

NO_ANSWER_DAYS = 30


def _months_ago(now, months: int):
    return now - datetime.timedelta(days=round(months * 365.25 / 12))


def mentor_availability_check(*, now=None) -> dict[str, int]:
    """Ask listed mentors every N months to confirm they are available; pause those
    who have not answered in 30 days. Each row is claimed by a conditional UPDATE, so
    a second (or overlapping) run never asks or pauses anyone twice."""
    now = now or timezone.now()
    settings = SchemeSettings.load()
    due = _months_ago(now, settings.availability_check_months)
    counts = {"asked": 0, "paused": 0, "refresher": 0}
    listed = MentorProfile.objects.filter(status=S.LISTED, accepting=True)
    to_ask = listed.filter(availability_asked_at__isnull=True).filter(
        Q(availability_confirmed_at__lt=due)
        | Q(availability_confirmed_at__isnull=True, listed_at__lt=due)
    )
    for pk in list(to_ask.values_list("pk", flat=True)):
        with transaction.atomic():
            if not to_ask.filter(pk=pk).update(availability_asked_at=now):
                continue
            profile = MentorProfile.objects.select_related("member").get(pk=pk)
            _tell(
                profile,
                "mentor_availability_check",
                days=NO_ANSWER_DAYS,
                months=settings.availability_check_months,
            )
            counts["asked"] += 1
    silent = listed.filter(
        availability_asked_at__lt=now - datetime.timedelta(days=NO_ANSWER_DAYS)
    )
    for pk in list(silent.values_list("pk", flat=True)):
        with transaction.atomic():
            if not silent.filter(pk=pk).update(accepting=False):
                continue
            directory.note_change(pk)  # written around the model
            profile = MentorProfile.objects.select_related("member").get(pk=pk)
            MentorStatusChange.objects.create(
                mentor=profile,
                from_status=profile.status,
                to_status=profile.status,
                note=f"Paused: no answer to the availability check within "
                f"{NO_ANSWER_DAYS} days.",
            )
            _tell(profile, "mentor_paused_no_answer")
            changes.mentor_unavailable(profile=profile, reason=PAUSED_REQUEST_REASON)
            _counted(profile)
            counts["paused"] += 1
    if settings.refresher_training_months:
        counts["refresher"] = _remind_refresher(now, settings.refresher_training_months)
    return counts


def _remind_refresher(now, months: int) -> int:
    """Remind listed mentors whose last mentor training (a refresher session
    counts, not only the first) was more than ``months`` ago, once each interval."""
    due = _months_ago(now, months)
    stale = MentorProfile.objects.filter(
        status=S.LISTED, trained_on__lt=timezone.localdate(due)
    ).filter(Q(refresher_reminded_at__isnull=True) | Q(refresher_reminded_at__lt=due))
    refreshed = Booking.objects.filter(
        member=OuterRef("member_id"),
        status=BookingStatus.ATTENDED,
        event__kind=EventKind.MENTOR_TRAINING,
        event__is_cancelled=False,
        event__starts_at__gte=due,
    )
    stale = stale.exclude(Exists(refreshed))
    reminded = 0
    for pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic():
            if not stale.filter(pk=pk).update(refresher_reminded_at=now):
                continue
            profile = MentorProfile.objects.select_related("member").get(pk=pk)
            _tell(
                profile,
                "mentor_refresher_due",
                months=months,
                last_trained=_last_trained_on(profile),
            )
            reminded += 1
    return reminded


def _last_trained_on(profile: MentorProfile) -> datetime.date:
    """The day of the mentor's latest mentor training: a refresher attended, or the
    training that first opened the gate."""
    latest = (
        _attended_starts(profile.member_id, EventKind.MENTOR_TRAINING)
        .order_by("-event__starts_at")
        .first()
    )
    if latest is None:
        return profile.trained_on
    return max(profile.trained_on, timezone.localdate(latest))


# -- approved mentors who book nothing -------------------------------------------


def steps_to_book(profile: MentorProfile) -> list[str]:
    """The kinds of event (mentor training, workshop) an approved mentor still has
    to attend. Training done elsewhere and sent for review, or accepted, is not
    theirs to book."""
    steps = []
    if profile.trained_on is None and not (
        profile.training_route == TrainingRoute.EXTERNAL
        and profile.external_training_status in EVIDENCE_SENT
    ):
        steps.append(EventKind.MENTOR_TRAINING)
    if profile.workshop_attended_on is None:
        steps.append(EventKind.WORKSHOP)
    return steps


def _kinds_booked(profile: MentorProfile, now) -> set[str]:
    return set(
        Booking.objects.filter(
            member_id=profile.member_id,
            status__in=HELD_STATUSES,
            event__is_cancelled=False,
            event__starts_at__gt=now,
        ).values_list("event__kind", flat=True)
    )


def mentor_steps_remind(*, now=None) -> int:
    """Remind approved mentors who hold no booking for the training or workshop they
    still need, MENTOR_STEPS_REMINDER_DAYS after approval and as long after each
    reminder, at most MENTOR_STEPS_REMINDERS times: what is left, and where the
    events of their region are. Each reminder is claimed by a conditional UPDATE, so
    a second (or overlapping) run never sends it twice. How many were reminded."""
    now = now or timezone.now()
    due = now - datetime.timedelta(days=settings.MENTOR_STEPS_REMINDER_DAYS)
    approved_at = Subquery(
        MentorStatusChange.objects.filter(mentor=OuterRef("pk"), to_status=S.APPROVED)
        .order_by("-at")
        .values("at")[:1]
    )
    stuck = (
        MentorProfile.objects.filter(
            status__in=[S.APPROVED, S.TRAINED, S.WORKSHOP_ATTENDED],
            member__membership_status=MembershipStatus.CURRENT,
            steps_reminders__lt=settings.MENTOR_STEPS_REMINDERS,
        )
        .filter(Q(steps_reminded_at__isnull=True) | Q(steps_reminded_at__lt=due))
        .annotate(approved_at=approved_at)
        .filter(approved_at__lt=due)
    )
    reminded = 0
    for profile in list(stuck.select_related("member__region")):
        steps = steps_to_book(profile)
        if not steps or _kinds_booked(profile, now) & set(steps):
            continue
        with transaction.atomic():
            claimed = MentorProfile.objects.filter(
                pk=profile.pk, steps_reminders=profile.steps_reminders
            ).update(steps_reminded_at=now, steps_reminders=F("steps_reminders") + 1)
            if not claimed:
                continue
            _tell(
                profile,
                "mentor_steps_reminder",
                steps=[EventKind(kind).label for kind in steps],
                region=profile.member.region,
                days=(now - profile.approved_at).days,
            )
            reminded += 1
    return reminded


@transaction.atomic
def mentor_availability_confirm(
    *, profile: MentorProfile, capacity: int
) -> MentorProfile:
    """One click: still available, with this many places. A pause for not answering
    ends with it."""
    profile = _locked(profile)
    if profile.status != S.LISTED:
        raise MentorError("Only a listed mentor confirms their availability.")
    if capacity > MOST_PLACES:
        raise MentorError(f"{MOST_PLACES} places is the most we allow at once.")
    active = active_mentee_count(profile)
    if capacity < max(active, 1):
        raise MentorError(
            f"You are mentoring {active} candidates now, so your places cannot be "
            f"fewer than {max(active, 1)}."
        )
    was_paused_for_silence = profile.availability_asked_at is not None and (
        not profile.accepting
    )
    profile.capacity = capacity
    profile.availability_confirmed_at = profile.last_active_at = timezone.now()
    profile.availability_asked_at = None
    if was_paused_for_silence:
        profile.accepting = True
    profile.save()
    _counted(profile)
    MentorStatusChange.objects.create(
        mentor=profile,
        from_status=profile.status,
        to_status=profile.status,
        by=profile.member.user,
        note=f"Confirmed still available, with {capacity} places.",
    )
    return profile


def mentor_lapse_check(
    *, today: datetime.date | None = None, member_ids=None
) -> dict[str, int]:
    """Delist mentors whose registration or membership lapsed (closing what waits on
    them); relist restored ones. ``member_ids``: only these members' (a change to
    the register sent for them), else every mentor's.

    Safe to run twice, or several times at once: each change is decided again under
    the mentor's row lock, so a run that finds another already made it does nothing.
    """
    today = today or timezone.localdate()
    counts = {"delisted": 0, "relisted": 0, "closed": 0}
    candidates = MentorProfile.objects.filter(
        status__in=[S.LISTED, S.LAPSED]
    ).select_related("member")
    if member_ids is not None:
        candidates = candidates.filter(member_id__in=member_ids)
    for profile in candidates:
        wanted = _lapse_change(profile.status, listing_failures(profile, today=today))
        if wanted is None:
            continue
        try:
            _lapse_apply(profile, wanted, today=today, counts=counts)
        except RowsBusy:
            # Someone is changing this mentor now; the next run decides again.
            logger.warning(
                "Mentor profile %s was busy; lapse check skipped it.", profile.pk
            )
    return counts


@transaction.atomic
def _lapse_apply(
    profile: MentorProfile, wanted: str, *, today: datetime.date, counts: dict
) -> None:
    locked = _locked(profile)
    # Decided again under the lock: another run may have made the change.
    failures = listing_failures(locked, today=today)
    if _lapse_change(locked.status, failures) != wanted:
        return
    if wanted == S.LAPSED:
        _transition(locked, S.LAPSED, note="Registration or membership lapsed")
        # Their mentoring carries on for the grace period: a renewal recorded late
        # should not end it (mentoring tells each pair and the officers).
        mentoring = changes.mentor_lapsed(profile=locked)
        _tell(
            locked,
            "mentor_delisted",
            mentoring=mentoring,
            grace_days=settings.LAPSE_GRACE_DAYS,
        )
        counts["closed"] += changes.mentor_unavailable(
            profile=locked, reason=LAPSED_REQUEST_REASON
        )
        counts["delisted"] += 1
    else:
        # A question of availability asked before the lapse went unanswered while
        # they could not mentor: listed again, they are asked afresh in due course.
        locked.availability_asked_at = None
        if wanted == S.LISTED:
            _transition(locked, S.LISTED, note="Registration restored")
            _tell(locked, "mentor_listed", restored=True)
            counts["relisted"] += 1
        else:
            steps = " ".join(your_listing_steps(failures))
            _transition(
                locked,
                wanted,
                note="Registration restored; not listed again: "
                + " ".join(f.reason for f in failures),
            )
            _tell(
                locked,
                "mentor_delisted_gates",
                reason="your registration is current again, but a step was taken "
                f"away while it had lapsed. Before you are listed again: {steps}",
            )
        changes.mentor_restored(profile=locked)
    _counted(locked)


def _lapse_change(status: str, failures) -> str | None:
    """The state a lapse check moves a mentor to, if any. A lapsed mentor whose
    registration is current again, but who lost a gate while lapsed (an attendance
    corrected, an acceptance of training withdrawn), goes back to collecting gates
    rather than staying "lapsed" for ever."""
    if status == S.LISTED and failures:
        return S.LAPSED
    if status != S.LAPSED:
        return None
    codes = {f.code for f in failures}
    if not codes:
        return S.LISTED
    if "not_registered" in codes:
        return None
    if "not_trained" not in codes:
        return S.TRAINED
    return S.APPROVED if "no_workshop" in codes else S.WORKSHOP_ATTENDED


# -- an officer's term ends ------------------------------------------------------------


def _waiting_for_review(appointment):
    """Applications, and evidence of training done elsewhere, waiting for a decision
    from the Mentor Support Officers of the appointment's region, oldest first."""
    return (
        MentorProfile.objects.filter(member__region_id=appointment.region_id)
        .filter(selectors.waiting_for_review())
        .select_related("member")
        .order_by("submitted_at", "pk")
    )


def mentor_cases_hand_on(*, today: datetime.date, leaving: Member | None = None) -> int:
    """Once a Mentor Support Officer's term has ended (or their membership lapsed),
    send the cases still waiting in the region (applications, training evidence) to
    whoever acts for it now: another officer in office, else the registration team.
    Sent once per term; returns the number of messages sent."""
    return officers.terms_ended_hand_on(
        officers.MENTORS,
        today=today,
        claimed="cases_handed_on",
        cases=_waiting_for_review,
        about=lambda profile: profile.member,
        template="mentor_cases_handed_on",
        leaving=leaving,
    )


def request_closed_reason(profile: MentorProfile) -> str:
    """What a candidate reads when a request to this mentor is closed unanswered."""
    if profile.status == S.LAPSED:
        return LAPSED_REQUEST_REASON
    if profile.status == S.LISTED and not profile.accepting:
        return PAUSED_REQUEST_REASON
    return UNLISTED_REQUEST_REASON
