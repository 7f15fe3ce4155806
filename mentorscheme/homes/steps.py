"""Each person's next steps, for their home page: one section per role they hold.

A step says what is waiting and links to the one page where it is done. Each section
reads a fixed number of queries whatever the person's history, so the home stays fast.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from mentorscheme.contact.models import Feedback, FeedbackStatus
from mentorscheme.members import officers
from mentorscheme.members.access import Roles
from mentorscheme.members.models import Region
from mentorscheme.mentoring import selectors as mentoring_selectors
from mentorscheme.mentoring.models import (
    MENTORED_STATUSES,
    OPEN_REQUEST_STATUSES,
    Agreement,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.mentors.models import (
    DRAFTING_STATUSES,
    EvidenceStatus,
    MentorProfile,
    MentorStatus,
)
from mentorscheme.oversight import selectors as oversight
from mentorscheme.oversight.access import allocation_runs_visible
from mentorscheme.oversight.models import AllocationRun, RunStatus
from mentorscheme.scheme.access import candidate_open_enrolments
from mentorscheme.scheme.models import SchemeSettings
from mentorscheme.training.models import (
    HELD_STATUSES,
    BriefingAcknowledgement,
    EventKind,
    TrainingEvent,
)


@dataclass(frozen=True)
class Step:
    text: str
    url: str
    link_text: str
    #: Someone is waiting on this person (shown first, marked).
    waiting: bool = False


@dataclass
class Section:
    key: str
    heading: str
    summary: str = ""
    steps: list[Step] = field(default_factory=list)
    #: Pages this person uses in this role, beyond the steps.
    links: list[tuple[str, str]] = field(default_factory=list)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def sections_for(roles: Roles, *, now: datetime.datetime | None = None):
    now = now or timezone.now()
    sections = []
    if roles.is_candidate:
        sections += candidate_sections(roles, now)
    profile = _profile(roles)
    if profile is not None and profile.status == MentorStatus.LISTED:
        sections.append(mentor_section(profile, now))
    elif profile is not None and profile.status not in (
        MentorStatus.RETIRED,
        MentorStatus.LAPSED,
    ):
        sections.append(applicant_section(profile, now))
    if roles.is_officer:
        sections.append(officer_section(roles, now))
    if roles.is_staff:
        sections.append(staff_section(now))
    if roles.member is not None and roles.member.is_current:
        member_section = member_options(roles, profile)
        if member_section.steps:
            sections.append(member_section)
    return sections


def _profile(roles: Roles) -> MentorProfile | None:
    if roles.member is None or not roles.member.is_current:
        return None
    return MentorProfile.objects.filter(member=roles.member).first()


# -- candidate ----------------------------------------------------------------------


def candidate_sections(roles: Roles, now) -> list[Section]:
    """A section for each open enrolment: what waits on one (a mentor's question,
    an agreement to confirm) shows whichever it is."""
    enrolments = list(candidate_open_enrolments(roles))
    if len(enrolments) <= 1:
        return [candidate_section(roles, now, enrolments[0] if enrolments else None)]
    return [
        candidate_section(roles, now, enrolment, several=True)
        for enrolment in enrolments
    ]


def candidate_section(roles: Roles, now, enrolment=None, several=False) -> Section:
    """The candidate's steps for one enrolment; with ``several``, one of their
    enrolments, whose links keep to it."""
    this = f"?enrolment={enrolment.pk}" if several else ""
    section = Section(
        f"candidate-{enrolment.pk}" if several else "candidate",
        f"Your qualification: {enrolment.qualification}"
        if several
        else "Your qualification",
        links=[("Your requests and mentor", reverse("mentoring:home") + this)],
    )
    if enrolment is None:
        return section
    enrolment.member = roles.member
    section.summary = f"Working towards {enrolment.qualification}."
    mentored = list(
        MentoringRelationship.objects.filter(
            enrolment=enrolment, status__in=MENTORED_STATUSES
        ).select_related("mentor__member")
    )
    relationship = next((r for r in mentored if r.is_active), None)
    if relationship is not None:
        section.steps += _relationship_steps(relationship, as_candidate=True)
        return section
    if mentored:
        section.steps.append(_completed_step(mentored[0], enrolment))
        return section
    if not enrolment.qualification.uses_mentors:
        return section
    if mentoring_selectors.portfolio_submitted(enrolment):
        # Mentoring supports preparing the portfolio: while the assessors have it,
        # there is no mentor to find.
        section.steps.append(
            Step(
                mentoring_selectors.after_mentoring(enrolment),
                reverse("mentoring:home") + this,
                "See your enrolment",
            )
        )
        return section
    requests = list(
        MentoringRequest.objects.filter(
            enrolment=enrolment,
            status__in=OPEN_REQUEST_STATUSES,
        ).select_related("mentor__member")
    )
    for r in requests:
        if r.status == RequestStatus.MORE_INFO:
            section.steps.append(
                Step(
                    f"{r.mentor.member.full_name} asked you for more information.",
                    reverse("mentoring:request", args=[r.pk]),
                    "Reply to your request",
                    waiting=True,
                )
            )
    pending = [r for r in requests if r.status == RequestStatus.PENDING]
    if pending:
        section.steps.append(
            Step(
                f"{_plural(len(pending), 'request')} waiting for a mentor’s answer. "
                "We email you when they answer.",
                reverse("mentoring:home") + this,
                "See your requests",
            )
        )
    limit = SchemeSettings.load().open_request_limit
    if len(requests) < limit:
        section.steps.append(
            Step(
                "Find a mentor who may mentor you, and ask them."
                if not requests
                else f"You can ask {_plural(limit - len(requests), 'more mentor')} "
                "while you wait.",
                reverse("mentoring:directory") + this,
                "Find a mentor",
            )
        )
    return section


def _completed_step(relationship, enrolment) -> Step:
    return Step(
        f"Your mentoring with {relationship.mentor.member.full_name} was completed "
        f"on {relationship.ended_on:%-d %B %Y}. "
        f"{mentoring_selectors.after_mentoring(enrolment)}".strip(),
        reverse("mentoring:relationship", args=[relationship.pk]),
        "See your completed mentoring",
    )


def _completion_to_confirm(relationship, *, as_candidate: bool) -> Step | None:
    """The other person confirmed that the mentoring is complete, and this one has
    not: the submission waits on them."""
    mine, theirs = (
        (relationship.candidate_completion_at, relationship.mentor_completion_at)
        if as_candidate
        else (relationship.mentor_completion_at, relationship.candidate_completion_at)
    )
    if mine is not None or theirs is None:
        return None
    other = (
        relationship.mentor.member if as_candidate else relationship.enrolment.member
    )
    return Step(
        f"{other.first_name} has confirmed that "
        + ("your mentoring" if as_candidate else "mentoring")
        + " is complete; it is complete once you confirm too.",
        reverse("mentoring:complete", args=[relationship.pk]),
        "Confirm that mentoring is complete",
        waiting=True,
    )


def _relationship_steps(relationship, *, as_candidate: bool) -> list[Step]:
    completion = _completion_to_confirm(relationship, as_candidate=as_candidate)
    if completion is not None:
        return [completion]
    other = (
        relationship.mentor.member if as_candidate else relationship.enrolment.member
    )
    agreement = Agreement.objects.filter(relationship=relationship).first()
    if agreement is None:
        return [
            Step(
                f"Agree how you and {other.first_name} will work together.",
                reverse("mentoring:agreement", args=[relationship.pk]),
                "Write your mentoring agreement",
            )
        ]
    mine = (
        agreement.candidate_confirmed_at
        if as_candidate
        else agreement.mentor_confirmed_at
    )
    if mine is None:
        return [
            Step(
                f"Version {agreement.version} of your mentoring agreement with "
                f"{other.first_name} needs your confirmation.",
                reverse("mentoring:relationship", args=[relationship.pk]),
                "Confirm your agreement",
                waiting=True,
            )
        ]
    last = (
        relationship.meetings.filter(removed_at__isnull=True)
        .order_by("-held_on")
        .first()
    )
    when = (
        f"Your last meeting was on {last.held_on:%-d %B %Y}."
        if last
        else "No meetings logged yet."
    )
    return [
        Step(
            f"Meeting {other.first_name}? {when}",
            reverse("mentoring:meeting_new", args=[relationship.pk]),
            "Log a meeting",
        )
    ]


# -- mentor -------------------------------------------------------------------------


def mentor_section(profile: MentorProfile, now) -> Section:
    section = Section(
        "mentor",
        "Your mentoring",
        links=[
            ("Your requests and candidates", reverse("mentors:home")),
            ("Your profile and places", reverse("mentors:edit")),
        ],
    )
    pending = list(
        MentoringRequest.objects.filter(
            mentor=profile, status=RequestStatus.PENDING
        ).select_related("enrolment__member")
    )
    if len(pending) == 1:
        section.steps.append(
            Step(
                f"{pending[0].enrolment.member.full_name} asked you to be their mentor.",
                reverse("mentoring:request", args=[pending[0].pk]),
                "Answer the request",
                waiting=True,
            )
        )
    elif pending:
        section.steps.append(
            Step(
                f"{len(pending)} requests wait for your answer.",
                reverse("mentors:home") + "#requests",
                "Answer your requests",
                waiting=True,
            )
        )
    relationships = MentoringRelationship.objects.filter(
        mentor=profile, status=RelationshipStatus.ACTIVE
    ).select_related("enrolment__member")
    newer = Agreement.objects.filter(
        relationship=OuterRef("relationship"), version__gt=OuterRef("version")
    )
    unconfirmed = (
        Agreement.objects.filter(
            ~Exists(newer),
            relationship__in=relationships,
            mentor_confirmed_at__isnull=True,
        )
        .select_related("relationship__enrolment__member")
        .order_by("pk")
    )
    for agreement in unconfirmed:
        relationship = agreement.relationship
        section.steps.append(
            Step(
                f"Your agreement with {relationship.enrolment.member.first_name} "
                "needs your confirmation.",
                reverse("mentoring:relationship", args=[relationship.pk]),
                "Confirm the agreement",
                waiting=True,
            )
        )
    for relationship in relationships:
        completion = _completion_to_confirm(relationship, as_candidate=False)
        if completion is not None:
            section.steps.append(completion)
    active = len(relationships)
    if not profile.accepting:
        section.steps.append(
            Step(
                "You are paused: no new requests reach you.",
                reverse("mentors:home"),
                "Resume accepting candidates",
            )
        )
    regulations = mentor_selectors.current_regulations(timezone.localdate(now))
    if (
        regulations is not None
        and not BriefingAcknowledgement.objects.filter(
            member=profile.member, regulations=regulations
        ).exists()
    ):
        section.steps.append(
            Step(
                f"Catch up with the {regulations}: mentors who are up to date are "
                "suggested first.",
                reverse("mentors:home") + "#briefings",
                "Watch the briefing",
            )
        )
    free = max(profile.capacity - active, 0)
    section.summary = (
        f"Listed. {_plural(active, 'candidate')} of {profile.capacity}; "
        f"{_plural(free, 'free place')}."
    )
    return section


# -- applicant ------------------------------------------------------------------------


def applicant_section(profile: MentorProfile, now) -> Section:
    section = Section(
        "applicant",
        "Becoming a mentor",
        summary=f"Your application: {profile.get_status_display().lower()}.",
        links=[("Your mentor application", reverse("mentors:home"))],
    )
    status = profile.status
    if status in DRAFTING_STATUSES:
        section.steps.append(
            Step(
                "Your Mentor Support Officer asked you for more information."
                if status == MentorStatus.MORE_INFO
                else "You registered your interest. Next, apply online.",
                reverse("mentors:apply"),
                "Complete your application",
                waiting=status == MentorStatus.MORE_INFO,
            )
        )
        return section
    if status == MentorStatus.APPLIED:
        section.steps.append(
            Step(
                "Your application is with your region’s Mentor Support Officer. "
                "Meanwhile you can book mentor training.",
                reverse("training:index") + "?kind=mentor_training",
                "Book mentor training",
            )
        )
        return section
    if status == MentorStatus.DECLINED:
        return section
    bookings = {
        b.event.kind: b
        for b in profile.member.bookings.filter(
            status__in=HELD_STATUSES,
            event__starts_at__gte=now,
        ).select_related("event")
    }
    if (
        profile.trained_on is None
        and profile.external_training_status != EvidenceStatus.PENDING
    ):
        section.steps.append(
            _gate_step(
                bookings.get(EventKind.MENTOR_TRAINING),
                "Mentor training",
                "mentor_training",
                "Book mentor training",
            )
        )
    if profile.workshop_attended_on is None:
        section.steps.append(
            _gate_step(
                bookings.get(EventKind.WORKSHOP),
                "A Professional Registration workshop",
                "workshop",
                "Book a workshop",
            )
        )
    return section


def _gate_step(booking, what: str, kind: str, book: str) -> Step:
    if booking is not None:
        return Step(
            f"You are booked on {booking.event.title}, "
            f"{timezone.localtime(booking.event.starts_at):%-d %B %Y}.",
            booking.event.get_absolute_url(),
            "See the event",
        )
    return Step(
        f"{what} is still to do before you can be listed.",
        reverse("training:index") + f"?kind={kind}",
        book,
    )


# -- support officer and staff ----------------------------------------------------------


def _allocation_steps(runs, now) -> list[Step]:
    """What waits on the allocation runs this person may act on (``runs``): one to
    review, a sending that stopped part way, pairs the last one failed to send."""
    steps = []
    runs = runs.defer("proposal", "inputs")  # a large run's proposal is not read here
    for run in runs.filter(status=RunStatus.PUBLISHING).order_by("-pk"):
        if run.sending_stopped(now):
            steps.append(
                Step(
                    "Sending an allocation stopped part way: the pairs not sent yet "
                    "wait, and their candidates with them, until you send the rest.",
                    reverse("oversight:allocation", args=[run.pk]),
                    "Send the rest",
                    waiting=True,
                )
            )
    run = runs.filter(status=RunStatus.PROPOSED).order_by("-pk").first()
    if run is not None:
        steps.append(
            Step(
                "An allocation is ready for your review; nothing is sent until you "
                "send its matches.",
                reverse("oversight:allocation", args=[run.pk]),
                "Review the allocation",
            )
        )
    # Until another allocation is started, which can match their candidates.
    last = (
        runs.exclude(status__in=(RunStatus.DISCARDED, RunStatus.FAILED))
        .order_by("-created_at", "-pk")
        .first()
    )
    failed = (
        last.outcome_counts()["failed"]
        if last is not None and last.status == RunStatus.PUBLISHED
        else 0
    )
    if failed:
        steps.append(
            Step(
                f"{_plural(failed, 'pair')} of the last allocation "
                f"{'was' if failed == 1 else 'were'} not sent because of an error on "
                f"our side; {'its candidate is' if failed == 1 else 'their candidates are'}"
                " still waiting for a mentor.",
                reverse("oversight:allocation", args=[last.pk])
                + "?shown=not-sent#outcomes",
                "See the pairs not sent",
                waiting=True,
            )
        )
    return steps


def _oversight_steps(mentor_region_ids, candidate_region_ids, runs, now) -> list:
    """What waits in the regions, each side's for whoever looks after it: the
    mentors' side (applications, registers, events) in ``mentor_region_ids``, the
    candidates' (help, allocations) in ``candidate_region_ids``; None: every
    region, for staff; empty: not this person's side."""
    steps = []
    mentors_side = mentor_region_ids is None or bool(mentor_region_ids)
    candidates_side = candidate_region_ids is None or bool(candidate_region_ids)
    applications = (
        oversight.applications_to_review(mentor_region_ids) if mentors_side else 0
    )
    if applications:
        steps.append(
            Step(
                f"{_plural(applications, 'mentor application')} or training evidence "
                "to review.",
                reverse("mentors:review_list"),
                "Review applications",
                waiting=True,
            )
        )
    if candidates_side:
        flags = oversight.open_help_flags(candidate_region_ids).count()
        if flags:
            steps.append(
                Step(
                    f"{_plural(flags, 'candidate')} asked for help or waited too long "
                    "for a mentor.",
                    reverse("oversight:dashboard") + "#help",
                    "Help candidates",
                    waiting=True,
                )
            )
        steps += _allocation_steps(runs, now)
    if mentors_side:
        steps += _event_steps(mentor_region_ids, now)
    return steps


def _event_steps(region_ids, now) -> list[Step]:
    steps = []
    # The same events as the dashboard's registers to take: those over.
    past = list(
        oversight.registers_to_take(region_ids, now)
        .order_by("-ends_at", "-pk")
        .values_list("pk", flat=True)
    )
    if past:
        steps.append(
            Step(
                f"Attendance is not yet recorded for {_plural(len(past), 'past event')}.",
                reverse("training:manage", args=[past[0]]),
                "Record attendance",
            )
        )
    upcoming = oversight.in_regions(
        TrainingEvent.objects.filter(
            is_cancelled=False,
            starts_at__gte=now,
            starts_at__lt=now + datetime.timedelta(days=56),
        ),
        "region_id",
        region_ids,
    ).count()
    steps.append(
        Step(
            f"{_plural(upcoming, 'training event')} in the next 8 weeks."
            if upcoming
            else "No training events in the next 8 weeks.",
            reverse("training:manage_list") if upcoming else reverse("training:create"),
            "Manage events" if upcoming else "Add a training event",
        )
    )
    return steps


def officer_section(roles: Roles, now) -> Section:
    mentors_side, candidates_side = (
        roles.mentor_side_region_ids,
        roles.candidate_side_region_ids,
    )
    names = dict(
        Region.objects.filter(pk__in=roles.officer_region_ids).values_list("pk", "name")
    )
    offices = [
        f"{title} for {', '.join(sorted(names[pk] for pk in ids if pk in names))}"
        for title, ids in (
            ("Support officer", mentors_side & candidates_side),
            ("Mentor Support Officer", mentors_side - candidates_side),
            ("Candidate Support Officer", candidates_side - mentors_side),
        )
        if ids
    ]
    links = [("Regional dashboard", reverse("oversight:dashboard"))]
    if candidates_side:
        links.append(("Allocations", reverse("oversight:allocations")))
    links.append(("Reports", reverse("oversight:reports")))
    return Section(
        "officer",
        "Your region" if len(names) == 1 else "Your regions",
        summary="; ".join(offices) + ".",
        steps=_oversight_steps(
            mentors_side, candidates_side, allocation_runs_visible(roles), now
        ),
        links=links,
    )


def staff_section(now) -> Section:
    section = Section(
        "staff",
        "The registration team",
        summary="Every region.",
        links=[
            ("National dashboard", reverse("oversight:dashboard")),
            ("Scheme administration", reverse("oversight:scheme")),
            ("Reports", reverse("oversight:reports")),
        ],
    )
    new = Feedback.objects.filter(status=FeedbackStatus.NEW).count()
    if new:
        section.steps.append(
            Step(
                f"{_plural(new, 'new message')} from visitors and members.",
                reverse("contact:triage") + "?status=new",
                "Answer feedback",
                waiting=True,
            )
        )
    today = timezone.localdate(now)
    uncovered = officers.uncovered_regions(today)
    if uncovered:
        names = ", ".join(
            f"{row['region'].name} (no {' or '.join(row['missing'])})"
            for row in uncovered
        )
        section.steps.append(
            Step(
                f"Regions without a support officer for each side: {names}. The "
                "team acts there until one is appointed.",
                reverse("oversight:appointments"),
                "Appoint a support officer",
            )
        )
    section.steps += _oversight_steps(None, None, AllocationRun.objects.all(), now)
    return section


# -- a member with no role yet ----------------------------------------------------------


def member_options(roles: Roles, profile) -> Section:
    section = Section("member", "What you can do")
    if not roles.is_candidate:
        section.steps.append(
            Step(
                "Work towards Certification, Chartership or Fellowship, with a mentor.",
                reverse("mentoring:enrol"),
                "Enrol on a qualification",
            )
        )
    if (
        profile is None or profile.status == MentorStatus.RETIRED
    ) and mentor_selectors.level_held(roles.member) is not None:
        section.steps.append(
            Step(
                "Members who hold a level of Professional Registration can mentor "
                "candidates.",
                reverse("mentors:home"),
                "Find out about becoming a mentor",
            )
        )
    return section
