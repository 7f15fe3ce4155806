"""Writes for the candidate's journey: enrolment, requests, relationships, records.

Every rule of the scheme is asked of ``scheme.eligibility`` — on request, again on
acceptance — with the rows involved locked in a fixed order (mentor profile, then
enrolment), so a mentor's last place goes to exactly one candidate.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from mentorscheme.audit import services as audit
from mentorscheme.locking import lock_first, lock_row, lock_rows
from mentorscheme.members import officers
from mentorscheme.members.models import (
    LineManagerDeclaration,
    Member,
    MembershipStatus,
    RegistrationAward,
)
from mentorscheme.mentoring import selectors
from mentorscheme.mentoring.models import (
    OPEN_REQUEST_STATUSES,
    Agreement,
    DeclineReason,
    EndedBy,
    HelpFlag,
    Meeting,
    MeetingRevision,
    MentoringRelationship,
    MentoringRequest,
    NotesAccess,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors import changes as mentor_changes
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.mentors import services as mentor_services
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.notifications import emails
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import (
    OPEN_ENROLMENT_STATUSES,
    PREPARING_STATUSES,
    REGULATIONS_CHOICE_STATUSES,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    Qualification,
    RegulationsVersion,
    SchemeSettings,
)


class MentoringError(Exception):
    """The action was refused; the text says why, in plain words."""


def _lock_mentor(mentor_id: int) -> MentorProfile:
    return lock_row(MentorProfile.objects.select_related("member"), mentor_id)


def _lock_enrolment(enrolment_id: int) -> Enrolment:
    return lock_row(
        Enrolment.objects.select_related("member", "qualification"), enrolment_id
    )


def _counted(*, mentor_ids=(), enrolment_ids=()) -> None:
    """The dashboard counts these mentors and enrolments anew (``mentors.changes``),
    once the service has made its changes."""
    mentor_changes.counts_changed(mentor_ids=mentor_ids, enrolment_ids=enrolment_ids)


class RuleRefusal(MentoringError):
    """Refused by the scheme's rules, in words for whoever acted; ``codes`` say which
    rules (the API gives them)."""

    def __init__(self, failures: list, reader: str):
        failures = eligibility.for_reader(failures, reader)
        self.codes = [f.code for f in failures]
        self.reasons = [f.reason for f in failures]
        super().__init__(" ".join(self.reasons))


def _refuse_unless_allowed(
    enrolment: Enrolment, mentor: MentorProfile, reader: str = eligibility.CANDIDATE
) -> None:
    failures = selectors.rule_failures(enrolment, mentor)
    if failures:
        raise RuleRefusal(failures, reader)


#: Mentoring supports preparing the portfolio: while it is with the assessors there
#: is no mentor to find (a mentor the candidate has stays). The scheme's rule.
SUBMITTED_NO_MENTOR = eligibility.RULES["portfolio_submitted"]


def _officer_emails(member: Member) -> list[str]:
    """The candidates' side of the member's region (staff where it has nobody)."""
    return officers.recipients(
        member.region_id, officers.CANDIDATES, about=member
    ).emails


# -- enrolment ----------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    member: Member,
    qualification: Qualification,
    meeting_modes=(),
    today=None,
    line_manager: dict | None = None,
) -> Enrolment:
    """Enrol under the regulations in force; ``line_manager`` is the declaration
    (``line_manager_declare``'s arguments), made in the same transaction."""
    today = today or timezone.localdate()
    # The member first: two enrolments at once (a double click on "Enrol", the API
    # called twice) queue here, so the second is refused as already enrolled rather
    # than breaking the one-open-enrolment constraint.
    member = lock_row(Member, member.pk)
    if not member.is_current:
        raise MentoringError("Only members whose membership is current can enrol.")
    if not qualification.is_active:
        raise MentoringError("This qualification is not open for enrolment.")
    if qualification.level_id is None and member.current_level() is None:
        raise MentoringError(
            f"{qualification} keeps a level of registration current, and you do not "
            "hold one at present. Enrol on a qualification that leads to a level "
            "instead."
        )
    _refuse_a_level_held(member, qualification)
    regulations = RegulationsVersion.in_force_on(today)
    if regulations is None:
        raise MentoringError("No regulations are in force today; contact the team.")
    if (
        Enrolment.objects.filter(member=member, qualification=qualification)
        .filter(status__in=OPEN_ENROLMENT_STATUSES)
        .exists()
    ):
        raise MentoringError(f"You are already enrolled on {qualification}.")
    enrolment = Enrolment.objects.create(
        member=member,
        qualification=qualification,
        regulations=regulations,
        enrolled_on=today,
        meeting_modes=list(meeting_modes),
    )
    if line_manager is not None:
        line_manager_declare(member=member, **line_manager)
    _counted(enrolment_ids=[enrolment.pk])
    emails.send("enrolled", to=member.email, context={"enrolment": enrolment})
    return enrolment


def _refuse_a_level_held(member: Member, qualification: Qualification) -> None:
    """A member who holds a level (on the register) keeps it current through
    Revalidation, not by working towards it again."""
    if qualification.level_id is None:
        return
    award = member.awards.filter(level_id=qualification.level_id).first()
    if award is None or not award.is_on_register:
        return
    keep_current = ", ".join(
        str(q) for q in Qualification.objects.filter(is_active=True, level=None)
    )
    raise MentoringError(
        f"You already hold {qualification.level}, so you cannot enrol on "
        f"{qualification}."
        + (f" To keep it current, enrol on {keep_current}." if keep_current else "")
    )


@transaction.atomic
def enrolment_move_regulations(
    *, enrolment: Enrolment, regulations: RegulationsVersion, by=None
) -> Enrolment:
    """The candidate's choice when new regulations are published: move to them.

    The move is kept in the enrolment's history (who, when, from which version to
    which), and a mentor the candidate has now is told, since what they advise on
    follows the candidate's version.
    """
    enrolment = lock_row(
        Enrolment.objects.select_related("member", "qualification", "regulations"),
        enrolment.pk,
    )
    if enrolment.status not in OPEN_ENROLMENT_STATUSES:
        raise MentoringError("Only an open enrolment can move to new regulations.")
    if enrolment.status not in REGULATIONS_CHOICE_STATUSES:
        raise MentoringError(
            "Your portfolio is submitted: it is assessed under the "
            f"{enrolment.regulations}, the regulations it was written for."
        )
    if regulations.effective_from <= enrolment.regulations.effective_from:
        raise MentoringError("You can only move to a newer version of the regulations.")
    today = timezone.localdate()
    if regulations.effective_from > today:
        raise MentoringError(
            f"The {regulations} are not in force yet: you can move to them from "
            f"{regulations.effective_from:%-d %B %Y}."
        )
    if regulations != RegulationsVersion.in_force_on(today):
        raise MentoringError(
            f"You can only move to the regulations in force today, not the "
            f"{regulations}."
        )
    before = enrolment.regulations
    enrolment.regulations = regulations
    enrolment.save(update_fields=["regulations"])
    _record_change(
        enrolment,
        from_status=enrolment.status,
        by=by,
        from_regulations=before,
        to_regulations=regulations,
    )
    relationship = selectors.active_relationship(enrolment)
    if relationship is not None:
        emails.send(
            "enrolment_moved_regulations",
            to=relationship.mentor.member.email,
            context={
                "relationship": relationship,
                "enrolment": enrolment,
                "before": before,
            },
        )
    return enrolment


# -- the enrolment lifecycle --------------------------------------------------------

#: Which status may follow which, as registration staff or the API record them.
ENROLMENT_TRANSITIONS: dict[str, set[str]] = {
    EnrolmentStatus.ENROLLED: {EnrolmentStatus.SUBMITTED, EnrolmentStatus.AWARDED},
    EnrolmentStatus.SUBMITTED: {
        EnrolmentStatus.AWARDED,
        EnrolmentStatus.UNSUCCESSFUL,
        EnrolmentStatus.FURTHER_INFO,
    },
    EnrolmentStatus.FURTHER_INFO: {
        EnrolmentStatus.SUBMITTED,
        EnrolmentStatus.AWARDED,
        EnrolmentStatus.UNSUCCESSFUL,
    },
}


def _record_change(enrolment, *, from_status, by=None, note="", source="site", **extra):
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        from_status=from_status,
        to_status=enrolment.status,
        note=note,
        by=by,
        source=source,
        **extra,
    )


def _close_mentoring(
    enrolment: Enrolment, *, awarded: bool, because: str
) -> MentoringRelationship | None:
    """An enrolment closed: its open requests are withdrawn and its mentoring ends.
    Returns the mentoring it completed or ended (None: there was none active)."""
    for other in selectors.open_requests(enrolment):
        _close(other, RequestStatus.WITHDRAWN)
        emails.send(
            "request_withdrawn",
            to=other.mentor.member.email,
            context={
                "request": other,
                "candidate": enrolment.member,
                "because": because,
            },
        )
    _settle_flags(
        HelpFlag.objects.filter(enrolment=enrolment),
        "The enrolment closed: " + because + ".",
    )
    relationship = selectors.active_relationship(enrolment)
    if relationship is None:
        _counted(enrolment_ids=[enrolment.pk])
        return None
    relationship = _locked_relationship(relationship.pk)
    relationship.ended_on = timezone.localdate()
    if awarded:
        relationship.status = RelationshipStatus.COMPLETED
    else:
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_by = EndedBy.SCHEME
        relationship.end_reason = because[:1].upper() + because[1:] + "."
    relationship.save()
    _counted(mentor_ids=[relationship.mentor_id], enrolment_ids=[enrolment.pk])
    emails.send(
        "mentoring_thanks" if awarded else "mentoring_ended_enrolment_closed",
        to=relationship.mentor.member.email,
        context={
            "relationship": relationship,
            "by": enrolment.member,
            "enrolment": enrolment,
        },
    )
    return relationship


def _thank_for_completed_mentoring(
    enrolment: Enrolment,
) -> MentoringRelationship | None:
    """An award after the mentoring was completed (both confirmed, then the
    portfolio went in): its mentor hears of the award and is thanked. Returns the
    mentoring (None: there was none completed)."""
    relationship = selectors.completed_relationship(enrolment)
    if relationship is not None:
        emails.send(
            "mentoring_thanks",
            to=relationship.mentor.member.email,
            context={
                "relationship": relationship,
                "enrolment": enrolment,
                "completed_before": True,
            },
        )
    return relationship


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, member: Member, reason: str = ""):
    """The candidate withdraws: the enrolment closes and so does its mentoring."""
    enrolment = _lock_enrolment(enrolment.pk)
    if enrolment.member_id != member.pk:
        raise MentoringError("This is not your enrolment.")
    if not enrolment.is_open:
        raise MentoringError(
            f"This enrolment is already {enrolment.get_status_display().lower()}."
        )
    before = enrolment.status
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status"])
    _record_change(enrolment, from_status=before, by=member.user, note=reason.strip())
    _close_mentoring(
        enrolment,
        awarded=False,
        because=f"the candidate withdrew from {enrolment.qualification}",
    )
    emails.send("enrolment_status", to=member.email, context={"enrolment": enrolment, "note": ""})  # fmt: skip
    return enrolment


def _end_the_search(enrolment: Enrolment, *, tell_candidate: bool = False) -> int:
    """The portfolio is submitted, so there is no mentor to find: its open requests
    close, each mentor told, and the flags asking for help to find one are settled.
    The candidate reads it in the email about the step, or, with ``tell_candidate``
    (no such email), in one of its own. A mentor the candidate has stays, and so
    does a flag about that pair. Returns how many requests closed."""
    requests = lock_rows(selectors.open_requests(enrolment))
    asked = tell_candidate and (
        HelpFlag.objects.filter(
            enrolment=enrolment, why=HelpFlag.Why.ASKED, resolved_at__isnull=True
        ).exists()
    )
    for request in requests:
        _close_telling_both(
            request,
            reason="The portfolio was submitted, and mentoring supports preparing "
            "it, so there is no mentor to find now. If the assessors ask for further "
            "information, you can find a mentor then.",
            because="their portfolio is submitted",
            email=None,
        )
    _settle_flags(
        HelpFlag.objects.filter(enrolment=enrolment, why__in=SEARCH_FLAGS),
        "The portfolio was submitted: there is no mentor to find.",
    )
    if tell_candidate and (requests or asked):
        emails.send(
            "search_ended_submitted",
            to=enrolment.member.email,
            context={
                "enrolment": enrolment,
                "mentors": [r.mentor.member for r in requests],
                "asked": asked,
            },
        )
    return len(requests)


def searches_end_for_submitted() -> int:
    """End the search for a mentor of every enrolment already past submission that
    still has an open request or a flag asking for help to find one (recorded
    before submitting ended them, or written around the services): as when the
    portfolio is submitted. A no-op when there are none. Returns how many requests
    closed."""
    submitted = (
        Enrolment.objects.filter(status=EnrolmentStatus.SUBMITTED)
        .filter(
            Exists(
                MentoringRequest.objects.filter(
                    enrolment=OuterRef("pk"), status__in=OPEN_REQUEST_STATUSES
                )
            )
            | Exists(
                HelpFlag.objects.filter(
                    enrolment=OuterRef("pk"),
                    why__in=SEARCH_FLAGS,
                    resolved_at__isnull=True,
                )
            )
        )
        .values_list("pk", flat=True)
    )
    closed = 0
    for pk in list(submitted):
        with transaction.atomic():
            enrolment = _lock_enrolment(pk)
            if selectors.portfolio_submitted(enrolment):
                closed += _end_the_search(enrolment, tell_candidate=True)
    return closed


def refuse_own_enrolment(enrolment: Enrolment, by) -> None:
    """Refuse ``by`` deciding this enrolment: their own, or that of someone they
    line-manage (nothing to refuse when the membership database records it)."""
    reason = officers.conflict_reason(by, enrolment.member)
    if reason:
        raise MentoringError(
            f"{reason} Another member of the registration team records it."
        )


@transaction.atomic
def enrolment_set_status(
    *, enrolment: Enrolment, status: str, by=None, note: str = "", source: str = "site"
) -> Enrolment:
    """Registration staff (or the membership database) record a step: submitted, the
    outcome, or further information requested. An award ends the enrolment and its
    mentoring, with thanks to the mentor; the candidate is told each time. Nobody
    records a step of their own enrolment, or of someone they line-manage."""
    enrolment = _lock_enrolment(enrolment.pk)
    refuse_own_enrolment(enrolment, by)
    if status == enrolment.status:
        return enrolment
    allowed = ENROLMENT_TRANSITIONS.get(enrolment.status, set())
    if status not in allowed:
        labels = dict(EnrolmentStatus.choices)
        raise MentoringError(
            f"An enrolment that is {enrolment.get_status_display().lower()} cannot "
            f"become {labels.get(status, status).lower()}."
        )
    before = enrolment.status
    enrolment.status = status
    enrolment.save(update_fields=["status"])
    _record_change(
        enrolment, from_status=before, by=by, note=note.strip(), source=source
    )
    closed, thanked, requests_closed, told = None, None, 0, None
    if status == EnrolmentStatus.SUBMITTED:
        requests_closed = _end_the_search(enrolment)
    if enrolment.is_open:
        _counted(enrolment_ids=[enrolment.pk])
        told = _tell_mentor_of_step(enrolment)
    else:
        awarded = status == EnrolmentStatus.AWARDED
        closed = _close_mentoring(
            enrolment,
            awarded=awarded,
            because=f"{enrolment.member.first_name} was awarded {enrolment.qualification}"
            if awarded
            else f"the assessment of {enrolment.qualification} has ended",
        )
        if awarded and closed is None:
            thanked = _thank_for_completed_mentoring(enrolment)
    emails.send(
        "enrolment_status",
        to=enrolment.member.email,
        context={
            "enrolment": enrolment,
            "note": note.strip(),
            "mentoring": closed,
            "thanked": thanked,
            "requests_closed": requests_closed,
            "mentor_told": told,
            # Asked for further information, the portfolio is being prepared again.
            "may_find_mentor": status == EnrolmentStatus.FURTHER_INFO
            and not selectors.candidate_rule_failures(enrolment),
        },
    )
    return enrolment


def _tell_mentor_of_step(enrolment: Enrolment) -> MentoringRelationship | None:
    """The mentor hears the portfolio went in, or that further information is
    asked for (which they help prepare); the registration team's note stays the
    candidate's. Asked for further information after the mentoring was completed,
    its mentor hears too: they know the portfolio. Returns the mentoring told
    (None: nobody told)."""
    relationship = selectors.active_relationship(enrolment)
    completed = (
        relationship is None and enrolment.status == EnrolmentStatus.FURTHER_INFO
    )
    if completed:
        relationship = selectors.completed_relationship(enrolment)
    if relationship is not None:
        emails.send(
            "enrolment_status_mentor",
            to=relationship.mentor.member.email,
            context={
                "relationship": relationship,
                "enrolment": enrolment,
                "completed": completed,
                "may_ask_again": completed
                and not selectors.rule_failures(enrolment, relationship.mentor),
            },
        )
    return relationship


def awards_close_enrolments(*, member_ids=None) -> int:
    """An award of the level an open enrolment works toward ends that enrolment.

    Awards come from the import, the API or the admin; this finds those recorded
    on or after the enrolment's date. Idempotent.
    """
    open_ = Enrolment.objects.filter(
        status__in=OPEN_ENROLMENT_STATUSES, qualification__level__isnull=False
    )
    if member_ids is not None:
        open_ = open_.filter(member_id__in=member_ids)
    awarded = open_.filter(
        Exists(
            RegistrationAward.objects.filter(
                member=OuterRef("member_id"),
                level=OuterRef("qualification__level"),
                awarded_on__gte=OuterRef("enrolled_on"),
            )
        )
    )
    count = 0
    for enrolment in awarded:
        with transaction.atomic():
            locked = _lock_enrolment(enrolment.pk)
            if not locked.is_open:
                continue
            before = locked.status
            locked.status = EnrolmentStatus.AWARDED
            locked.save(update_fields=["status"])
            _record_change(locked, from_status=before, note="Award recorded on the register.", source="register")  # fmt: skip
            closed = _close_mentoring(
                locked,
                awarded=True,
                because=f"{locked.member.first_name} was awarded {locked.qualification}",
            )
            thanked = None if closed else _thank_for_completed_mentoring(locked)
            emails.send("enrolment_status", to=locked.member.email, context={"enrolment": locked, "note": "", "mentoring": closed, "thanked": thanked})  # fmt: skip
            count += 1
    return count


def newer_regulations(enrolment: Enrolment, today=None):
    """The regulations in force today, if newer than the enrolment's; else None."""
    current = RegulationsVersion.in_force_on(today or timezone.localdate())
    if current and current.effective_from > enrolment.regulations.effective_from:
        return current
    return None


# -- line managers ------------------------------------------------------------------


def find_member(text: str) -> Member | None:
    """A current member by membership number, or by full name when only one has it."""
    text = " ".join(text.split())
    if not text:
        return None
    by_number = Member.objects.filter(membership_number__iexact=text).first()
    if by_number is not None:
        return by_number
    first, _, last = text.rpartition(" ")
    named = list(
        Member.objects.filter(first_name__iexact=first, last_name__iexact=last)[:2]
    )
    return named[0] if len(named) == 1 else None


@transaction.atomic
def line_manager_declare(
    *, member: Member, declaration: str, manager: Member | None = None, name: str = ""
) -> Member:
    """The candidate says who their line manager is; the rules see it at once."""
    if declaration not in LineManagerDeclaration.values:
        raise MentoringError("Say who your line manager is, or that you have none.")
    if declaration == LineManagerDeclaration.MEMBER and manager is None:
        raise MentoringError(
            "We could not find that member. Give their membership number, or their "
            "name exactly as on the register."
        )
    if manager is not None and manager.pk == member.pk:
        raise MentoringError("You cannot be your own line manager.")
    if declaration == LineManagerDeclaration.NOT_MEMBER and not name.strip():
        raise MentoringError("Give your line manager's name.")
    member = lock_row(Member, member.pk)
    member.line_manager_declaration = declaration
    member.declared_line_manager = (
        manager if declaration == LineManagerDeclaration.MEMBER else None
    )
    member.declared_line_manager_name = (
        name.strip() if declaration == LineManagerDeclaration.NOT_MEMBER else ""
    )
    member.line_manager_declared_at = timezone.now()
    member.save()
    line_manager_links_apply(member_ids=[member.pk])
    return member


def _managed_by_mentor(prefix: str) -> Q:
    """Rows whose candidate is line-managed by the mentor (register or declaration)."""
    return Q(
        **{
            f"{prefix}mentor__member_id": F(
                f"{prefix}enrolment__member__line_manager_id"
            )
        }
    ) | Q(  # fmt: skip
        **{
            f"{prefix}mentor__member_id": F(
                f"{prefix}enrolment__member__declared_line_manager_id"
            )
        }  # fmt: skip
    )


def _line_manager_source(candidate: Member, manager_member_id: int) -> str:
    if candidate.line_manager_id == manager_member_id:
        return "on the membership register"
    return "in what you told us"


def line_manager_links_apply(*, member_ids=None) -> dict[str, int]:
    """A line-manager link newly recorded (declaration, import, API, admin) takes effect.

    Open requests from a candidate to their line manager are closed with a reason the
    candidate reads; an active relationship with their line manager is flagged to
    the region's officers, who decide whether to end it. Idempotent: a run finds
    nothing left to do the second time.
    """
    counts = {"closed": 0, "flagged": 0}
    requests = MentoringRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES).filter(
        _managed_by_mentor("")
    )
    relationships = MentoringRelationship.objects.filter(
        status=RelationshipStatus.ACTIVE
    ).filter(_managed_by_mentor(""))
    corrected = HelpFlag.objects.filter(
        why=HelpFlag.Why.LINE_MANAGER, relationship__status=RelationshipStatus.ACTIVE
    ).exclude(_managed_by_mentor("relationship__"))
    if member_ids is not None:
        requests = requests.filter(enrolment__member_id__in=member_ids)
        relationships = relationships.filter(enrolment__member_id__in=member_ids)
        corrected = corrected.filter(enrolment__member_id__in=member_ids)
    # A link that is no longer recorded leaves nothing to decide, nor does a
    # mentoring that ended by any path (an erasure included).
    counts["corrected"] = _settle_flags(
        corrected, "The line manager record was corrected."
    )
    _settle_flags(
        HelpFlag.objects.filter(why=HelpFlag.Why.LINE_MANAGER).exclude(
            relationship__status=RelationshipStatus.ACTIVE
        ),
        "The mentoring ended.",
    )
    for request_id in requests.values_list("pk", flat=True):
        with transaction.atomic():
            request = _locked_request(request_id)
            if not request.is_open:
                continue
            candidate, mentor = request.enrolment.member, request.mentor.member
            _close_telling_both(
                request,
                reason=f"{mentor.full_name} is recorded as your line manager "
                f"{_line_manager_source(candidate, mentor.pk)}, and a line manager "
                "cannot mentor someone they manage. Please choose another mentor. If "
                "the record is wrong, correct your line manager on your mentoring page "
                "or contact the registration team.",
                because="you are recorded as their line manager",
            )
            counts["closed"] += 1
    for relationship in relationships.select_related(
        "enrolment__member", "mentor__member", "enrolment__qualification"
    ):
        with transaction.atomic():
            already = HelpFlag.objects.filter(
                relationship=relationship,
                why=HelpFlag.Why.LINE_MANAGER,
                resolved_at__isnull=True,
            ).exists()
            if already:
                continue
            candidate = relationship.enrolment.member
            mentor = relationship.mentor.member
            flag = HelpFlag.objects.create(
                enrolment=relationship.enrolment,
                why=HelpFlag.Why.LINE_MANAGER,
                relationship=relationship,
                # No names in the words: the page shows the pair's from the records.
                message=(
                    "The mentor is recorded as the candidate's line manager "
                    f"{_line_manager_source(candidate, mentor.pk).replace('what you told us', 'what the candidate declared')}."  # noqa: E501
                ),
            )
            deciders = officers.recipients(
                candidate.region_id, officers.CANDIDATES, about=candidate
            )
            if deciders.emails:
                emails.send(
                    "line_manager_flagged",
                    to=deciders.emails,
                    context={"flag": flag, "relationship": relationship},
                )
            _tell_pair_of_line_manager(relationship, deciders)
            counts["flagged"] += 1
    return counts


def _tell_pair_of_line_manager(
    relationship: MentoringRelationship, deciders: officers.Recipients
) -> None:
    """The mentor and the candidate each read what the record says, why it matters,
    and who decides: the mentoring carries on until then."""
    candidate = relationship.enrolment.member
    context = {
        "relationship": relationship,
        "on_register": candidate.line_manager_id == relationship.mentor.member_id,
        "staff_decide": deciders.staff_instead,
    }
    for reader in (relationship.mentor.member, candidate):
        emails.send(
            "line_manager_flagged_pair",
            to=reader.email,
            context=context | {"reader": reader, "is_mentor": reader != candidate},
        )


def register_changed(*, member_ids=None) -> dict[str, int]:
    """What the scheme does after the register changed (import, API, admin, periodic).

    Newly recorded line-manager links take effect; an award of the level an open
    enrolment works toward ends it; the open requests of a candidate whose
    membership is no longer current close; a mentoring whose candidate lapsed is
    held for the grace period, and one held carries on once both are current.
    The mentors among ``member_ids`` (one change sent by the API) are delisted
    or relisted at once, so that their pair hears of a lapse or a renewal then,
    not at the next periodic run (which checks every mentor first itself).
    Idempotent.
    """
    if member_ids is not None:
        mentor_services.mentor_lapse_check(member_ids=member_ids)
    counts = line_manager_links_apply(member_ids=member_ids)
    counts["beyond_level"] = requests_beyond_the_mentors_level_close(
        member_ids=member_ids
    )
    counts["awarded"] = awards_close_enrolments(member_ids=member_ids)
    counts["not_current"] = requests_of_candidates_not_current_close(
        member_ids=member_ids
    )
    lapses = lapsed_mentoring_apply(member_ids=member_ids)
    counts["lapse_held"] = lapses["held"]
    counts["lapse_carried_on"] = lapses["carried_on"]
    return counts


def _refuse_own_case(relationship: MentoringRelationship, officer) -> None:
    """Nobody decides on a mentoring they are part of, or that of someone they
    line-manage."""
    for member in (relationship.mentor.member, relationship.enrolment.member):
        reason = officers.conflict_reason(officer, member)
        if reason:
            raise MentoringError(
                f"{reason} Another support officer of the region, or the "
                "registration team, decides it."
            )


@transaction.atomic
def relationship_end_by_officer(
    *, relationship: MentoringRelationship, officer, reason: str
) -> MentoringRelationship:
    """An officer ends a mentoring the rules no longer allow, telling both why; the
    candidate reads their next step (none while the assessors have the portfolio)."""
    relationship = _locked_relationship(relationship.pk)
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has already ended.")
    if len(reason.strip()) < 10:
        raise MentoringError("Give a reason of a few words; both of them will read it.")
    _refuse_own_case(relationship, officer)
    relationship.status = RelationshipStatus.ENDED_EARLY
    relationship.ended_on = timezone.localdate()
    relationship.ended_by = EndedBy.SCHEME
    relationship.end_reason = reason.strip()
    relationship.save()
    _mentoring_ended(relationship)
    _counted_pair(relationship)
    audit.record(
        actor=officer,
        action=audit.AuditAction.MENTORING_ENDED_BY_OFFICER,
        target=relationship,
        details={"reason": relationship.end_reason},
    )
    context = {
        "relationship": relationship,
        "reason": relationship.end_reason,
        "portfolio_submitted": selectors.portfolio_submitted(relationship.enrolment),
        "candidate_lapsed": not relationship.enrolment.member.is_current,
    }
    emails.send(
        "relationship_ended_by_scheme",
        to=relationship.enrolment.member.email,
        context=context,
    )
    emails.send(
        "relationship_ended_by_officer_mentor",
        to=relationship.mentor.member.email,
        context=context,
    )
    return relationship


# -- requests -----------------------------------------------------------------------


@transaction.atomic
def request_create(
    *, enrolment: Enrolment, mentor: MentorProfile, message: str, from_allocation=False
) -> MentoringRequest:
    enrolment = _lock_enrolment(enrolment.pk)
    message = message.strip()
    if not message and not from_allocation:
        raise MentoringError("Write a short message to the mentor about yourself.")
    # An allocation's request is the officer's doing: the refusal is theirs to read.
    if not enrolment.is_open:
        raise MentoringError(
            "The candidate's enrolment is closed."
            if from_allocation
            else "Your enrolment is closed, so you cannot ask for a mentor."
        )
    if not enrolment.member.is_current:
        raise MentoringError(
            "Only members whose membership is current can ask for a mentor. Once "
            "your membership is renewed, you can ask again."
        )
    open_requests = selectors.open_requests(enrolment)
    if any(r.mentor_id == mentor.pk for r in open_requests):
        raise MentoringError(
            "The candidate has already asked this mentor, who has yet to answer."
            if from_allocation
            else "You have already asked this mentor; wait for their answer."
        )
    # An allocation's request is not held to the candidate's limit (nor reads it).
    if not from_allocation:
        limit = SchemeSettings.load().open_request_limit
        if len(open_requests) >= limit:
            raise MentoringError(
                f"You have {len(open_requests)} open requests, and the most allowed "
                f"at once is {limit}. Withdraw one, or wait for an answer, before "
                "asking another mentor."
            )
    reader = eligibility.OFFICER if from_allocation else eligibility.CANDIDATE
    _refuse_unless_allowed(enrolment, mentor, reader)
    request = MentoringRequest.objects.create(
        enrolment=enrolment,
        mentor=mentor,
        message=message,
        from_allocation=from_allocation,
    )
    emails.send(
        # An allocation's request was the officers' suggestion, not the candidate's.
        "request_from_allocation" if from_allocation else "request_received",
        to=mentor.member.email,
        context={
            "request": request,
            "candidate": enrolment.member,
            "mentor": mentor.member,
        },
    )
    return request


def _locked_request(request_id: int) -> MentoringRequest:
    return lock_row(
        MentoringRequest.objects.select_related("enrolment__member", "mentor__member"),
        request_id,
    )


def _mentors_request(request_id: int, mentor: MentorProfile) -> MentoringRequest:
    """The request, locked, provided it was sent to this mentor."""
    request = _locked_request(request_id)
    if request.mentor_id != mentor.pk:
        raise MentoringError("This request was sent to another mentor.")
    return request


def _touch(mentor: MentorProfile) -> None:
    """The mentor answered: officers see when a mentor was last active."""
    MentorProfile.objects.filter(pk=mentor.pk).update(last_active_at=timezone.now())


def _no_longer_open(request: MentoringRequest) -> str:
    return f"This request is no longer open: it was {request.get_status_display().lower()}."


def _require_open(request: MentoringRequest) -> None:
    if not request.is_open:
        raise MentoringError(_no_longer_open(request))


def _close(request: MentoringRequest, status: str) -> None:
    request.status = status
    request.closed_at = timezone.now()
    if status in (RequestStatus.ACCEPTED, RequestStatus.DECLINED):
        request.responded_at = request.closed_at
    request.save()


def request_accept(
    *,
    request: MentoringRequest,
    mentor: MentorProfile,
    confirms_not_line_manager: bool,
) -> MentoringRelationship:
    """The mentor accepts: mentoring starts, as ``relationship_start`` starts it.

    Only current members are mentored: a request from a candidate whose membership
    is no longer current is closed (in a transaction of its own, so the closing
    stands) and the acceptance refused.
    """
    if not confirms_not_line_manager:
        raise MentoringError(
            "Confirm that you do not line-manage this candidate: a line manager "
            "cannot mentor someone they manage."
        )
    if request.mentor_id != mentor.pk:
        raise MentoringError("This request was sent to another mentor.")
    if refusal := _closed_as_no_longer_allowed(request.pk):
        raise MentoringError(
            f"You cannot accept this request. {refusal} The request is closed and "
            "the candidate has been told why."
        )
    if _closed_as_candidate_not_current(request.pk):
        candidate = request.enrolment.member
        raise MentoringError(
            f"{candidate.full_name}'s membership is no longer current, and only "
            "current members are mentored, so you cannot accept. The request is "
            f"closed and {candidate.first_name} has been told why."
        )
    return relationship_start(
        enrolment=request.enrolment, mentor=mentor, request=request, how=ACCEPTED
    )


@dataclass(frozen=True)
class StartedBy:
    """How mentoring came to start: what each person is told."""

    #: Why the candidate's other open requests were withdrawn, for those mentors.
    because: str
    candidate_email: str
    mentor_email: str
    #: Whether the mentor acted (officers see when a mentor was last active).
    mentor_acted: bool
    #: Who reads a refusal: the mentor accepting, or the officer matching.
    reader: str


ACCEPTED = StartedBy(
    because="they have found a mentor",
    candidate_email="request_accepted",
    mentor_email="request_accepted_mentor",
    mentor_acted=True,
    reader=eligibility.MENTOR,
)
ALLOCATED = StartedBy(
    because="they have been matched with a mentor by the scheme",
    candidate_email="allocation_matched_candidate",
    mentor_email="allocation_matched_mentor",
    mentor_acted=False,
    reader=eligibility.OFFICER,
)


@transaction.atomic
def relationship_start(
    *,
    enrolment: Enrolment,
    mentor: MentorProfile,
    how: StartedBy,
    request: MentoringRequest | None = None,
) -> MentoringRelationship:
    """Start mentoring: the one way a candidate and a mentor become a pair, whether
    the mentor accepted a request or an allocation matched them directly.

    Locks the mentor profile, then the enrolment, then the candidate's open requests
    (the order every service locks them in), so a mentor's last place goes to
    exactly one candidate. Re-checks every rule of the scheme under those locks. The
    candidate's open request to this mentor (``request``, when the mentor is
    accepting it) is accepted and the others are withdrawn, their mentors told why.
    Both people are emailed once the transaction commits.
    """
    mentor = _lock_mentor(mentor.pk)
    enrolment = _lock_enrolment(enrolment.pk)
    open_requests = lock_rows(
        MentoringRequest.objects.filter(
            enrolment=enrolment, status__in=OPEN_REQUEST_STATUSES
        ).select_related("mentor__member")
    )
    accepted = next((r for r in open_requests if r.mentor_id == mentor.pk), None)
    if request is not None and accepted is None:
        request.refresh_from_db(fields=["status"])
        raise MentoringError(_no_longer_open(request))
    if not enrolment.is_open:
        raise MentoringError("The candidate's enrolment is closed.")
    if not enrolment.member.is_current:
        raise MentoringError(
            "The candidate's membership is no longer current, and only current "
            "members are mentored."
        )
    _refuse_unless_allowed(enrolment, mentor, how.reader)
    for other in open_requests:
        if other is accepted:
            _close(other, RequestStatus.ACCEPTED)
            continue
        _close(other, RequestStatus.WITHDRAWN)
        emails.send(
            "request_withdrawn",
            to=other.mentor.member.email,
            context={
                "request": other,
                "candidate": enrolment.member,
                "because": how.because,
            },
        )
    relationship = MentoringRelationship.objects.create(
        enrolment=enrolment, mentor=mentor, request=accepted
    )
    _settle_flags(
        HelpFlag.objects.filter(enrolment=enrolment, why__in=SEARCH_FLAGS),
        "Matched with a mentor.",
    )
    _counted(mentor_ids=[mentor.pk], enrolment_ids=[enrolment.pk])
    if how.mentor_acted:
        _touch(mentor)
    context = {
        "request": accepted,
        "relationship": relationship,
        "mentor": mentor.member,
        "candidate": enrolment.member,
        "enrolment": enrolment,
    }
    emails.send(how.candidate_email, to=enrolment.member.email, context=context)
    emails.send(how.mentor_email, to=mentor.member.email, context=context)
    return relationship


@transaction.atomic
def request_decline(
    *, request: MentoringRequest, mentor: MentorProfile, reason: str, message: str = ""
) -> MentoringRequest:
    # The mentor first, as relationship_start locks it: _touch updates its row.
    mentor = _lock_mentor(mentor.pk)
    request = _mentors_request(request.pk, mentor)
    _require_open(request)
    if reason not in DeclineReason.values:
        raise MentoringError("Choose a reason for declining.")
    request.decline_reason = reason
    request.response = message.strip()
    _close(request, RequestStatus.DECLINED)
    _touch(mentor)
    emails.send(
        "request_declined",
        to=request.enrolment.member.email,
        context={"request": request, "mentor": request.mentor.member},
    )
    return request


@transaction.atomic
def request_ask_more(
    *, request: MentoringRequest, mentor: MentorProfile, message: str
) -> MentoringRequest:
    # The mentor first, as relationship_start locks it: _touch updates its row.
    mentor = _lock_mentor(mentor.pk)
    request = _mentors_request(request.pk, mentor)
    if request.status != RequestStatus.PENDING:
        raise MentoringError(
            "You can ask for more information only on a waiting request."
        )
    if not message.strip():
        raise MentoringError("Say what you would like to know.")
    request.status = RequestStatus.MORE_INFO
    request.response = message.strip()
    request.responded_at = timezone.now()
    # The candidate's clock for reminders starts from the question.
    request.reminded_at = request.expiry_promised = None
    request.save()
    _touch(mentor)
    emails.send(
        "request_more_info",
        to=request.enrolment.member.email,
        context={"request": request, "mentor": request.mentor.member},
    )
    return request


@transaction.atomic
def request_reply(
    *, request: MentoringRequest, candidate: Member, reply: str
) -> MentoringRequest:
    request = _locked_request(request.pk)
    if request.enrolment.member_id != candidate.pk:
        raise MentoringError("This is not your request.")
    if request.status != RequestStatus.MORE_INFO:
        raise MentoringError("The mentor has not asked you for more information.")
    if not reply.strip():
        raise MentoringError("Write your reply to the mentor.")
    request.candidate_reply = reply.strip()
    request.status = RequestStatus.PENDING
    # The mentor's clock for reminders and expiry starts again from the reply; the
    # date the request was sent stays as it was.
    request.waiting_since = timezone.now()
    request.reminded_at = request.expiry_promised = None
    request.save()
    emails.send(
        "request_replied",
        to=request.mentor.member.email,
        context={"request": request, "candidate": candidate},
    )
    return request


@transaction.atomic
def request_withdraw(
    *, request: MentoringRequest, candidate: Member
) -> MentoringRequest:
    request = _locked_request(request.pk)
    if request.enrolment.member_id != candidate.pk:
        raise MentoringError("This is not your request.")
    _require_open(request)
    _close(request, RequestStatus.WITHDRAWN)
    emails.send(
        "request_withdrawn",
        to=request.mentor.member.email,
        context={
            "request": request,
            "candidate": candidate,
            "because": "the candidate withdrew it",
        },
    )
    return request


NOT_CURRENT_REASON = (
    "Your membership is no longer current, and only current members are mentored. "
    "Your enrolment stays open: once your membership is renewed, you can ask a "
    "mentor again."
)


def _close_telling_both(
    request: MentoringRequest,
    *,
    reason: str,
    because: str,
    email: str | None = "request_closed",
) -> None:
    """Close a locked open request the scheme's rules no longer allow: the
    candidate reads ``reason`` (in the ``email`` message; with None, on the
    request's page and in an email of the caller's), the mentor that it was
    withdrawn ``because``."""
    candidate, mentor = request.enrolment.member, request.mentor.member
    request.closed_reason = reason
    _close(request, RequestStatus.CLOSED)
    context = {"request": request, "candidate": candidate, "mentor": mentor}
    if email:
        emails.send(email, to=candidate.email, context=context)
    emails.send(
        "request_withdrawn", to=mentor.email, context={**context, "because": because}
    )


def _close_as_candidate_not_current(request: MentoringRequest) -> None:
    """Close a locked open request whose candidate is no longer a current member,
    telling both people why."""
    _close_telling_both(
        request,
        reason=NOT_CURRENT_REASON,
        because="their membership is no longer current",
        email="request_closed_not_current",
    )


@transaction.atomic
def _closed_as_candidate_not_current(request_id: int) -> bool:
    """Close the request if it is open and its candidate is no longer a current
    member; whether it did."""
    request = _locked_request(request_id)
    if not request.is_open or request.enrolment.member.is_current:
        return False
    _close_as_candidate_not_current(request)
    return True


#: What the officers read on a search flag a lapse settled.
NOT_CURRENT_FLAG_RESOLUTION = (
    "The candidate's membership lapsed, so they are not looking for a mentor now."
)


def requests_of_candidates_not_current_close(*, member_ids=None) -> int:
    """Close the open requests of candidates whose membership is no longer current
    (lapsed, or ended), as the requests to a mentor who lapsed are closed, and
    settle their flags asking for help to find a mentor: the officers' list of
    candidates to help then agrees with the waiting figures, which leave them out.
    Each request is locked and read again first. Idempotent."""
    requests = MentoringRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES
    ).exclude(enrolment__member__membership_status=MembershipStatus.CURRENT)
    flags = HelpFlag.objects.filter(why__in=SEARCH_FLAGS).exclude(
        enrolment__member__membership_status=MembershipStatus.CURRENT
    )
    if member_ids is not None:
        requests = requests.filter(enrolment__member_id__in=member_ids)
        flags = flags.filter(enrolment__member_id__in=member_ids)
    _settle_flags(flags, NOT_CURRENT_FLAG_RESOLUTION)
    return sum(
        _closed_as_candidate_not_current(request_id)
        for request_id in requests.values_list("pk", flat=True)
    )


def _expire_each(requests, *, status: str, email: str) -> int:
    """Expire each request still in ``status`` under its lock; tell both people.

    ``email`` names a pair of messages, ``<email>_candidate`` and ``<email>_mentor``.
    A request another run closed meanwhile is left alone.
    """
    expired = 0
    for request_id in requests.values_list("pk", flat=True):
        with transaction.atomic():
            request = _locked_request(request_id)
            if request.status != status:
                continue
            _close(request, RequestStatus.EXPIRED)
            candidate, mentor = request.enrolment.member, request.mentor.member
            context = {"request": request, "candidate": candidate, "mentor": mentor}
            emails.send(f"{email}_candidate", to=candidate.email, context=context)
            emails.send(f"{email}_mentor", to=mentor.email, context=context)
            expired += 1
    return expired


def _claim_reminder(
    request_id: int, *, now: datetime.datetime, clock: str, days: int, **still
) -> MentoringRequest | None:
    """Claim a request's one reminder with a conditional update, so two schedulers
    never both send it; None when another run claimed it or it no longer qualifies.
    The expiry the reminder gives (``days`` after the ``clock`` field) is kept with
    it: a later change to the settings never expires the request before that."""
    claimed = MentoringRequest.objects.filter(
        pk=request_id, reminded_at__isnull=True, **still
    ).update(
        reminded_at=now,
        expiry_promised=F(clock) + datetime.timedelta(days=days),
    )
    if not claimed:
        return None
    return MentoringRequest.objects.select_related(
        "enrolment__member", "mentor__member"
    ).get(pk=request_id)


def _promise_kept(now: datetime.datetime) -> Q:
    """Requests whose reminder gave no date, or a date now reached."""
    return Q(expiry_promised__isnull=True) | Q(expiry_promised__lte=now)


def requests_remind_and_expire(
    *, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Remind mentors of unanswered requests, then expire them. Idempotent."""
    return _remind_then_expire(
        status=RequestStatus.PENDING,
        clock="waiting_since",
        now=now or timezone.now(),
        reminder="request_reminder",
        reminded="mentor",
        expiry="request_expired",
        # Only a mentor who can accept is reminded (a lapsed or paused one's
        # requests are closed by the periodic run instead).
        mentor__status=MentorStatus.LISTED,
        mentor__accepting=True,
    )


def unanswered_questions_remind_and_expire(
    *, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Requests where the mentor asked for more: remind the candidate, then expire.

    The clock runs from the mentor's question, on the same settings as unanswered
    requests, so no open request holds one of the candidate's places for ever.
    Idempotent: each reminder and each expiry is claimed by a conditional update.
    """
    return _remind_then_expire(
        status=RequestStatus.MORE_INFO,
        clock="responded_at",
        now=now or timezone.now(),
        reminder="question_reminder",
        reminded="candidate",
        expiry="question_expired",
    )


def _remind_then_expire(
    *,
    status: str,
    clock: str,
    now: datetime.datetime,
    reminder: str,
    reminded: str,
    expiry: str,
    **may_be_reminded,
) -> dict[str, int]:
    """Requests in ``status`` whose ``clock`` field is older than the settings say:
    expire each (the ``expiry`` emails), then send the ``reminder`` email once to
    the ``reminded`` person ("mentor" or "candidate") of each that has waited long
    enough and matches ``may_be_reminded``: the two windows never overlap, and
    a request waits for the date its reminder gave before it expires."""
    scheme_settings = SchemeSettings.load()
    days = scheme_settings.expire_after_days
    remind_before = now - datetime.timedelta(days=scheme_settings.reminder_after_days)
    expire_before = now - datetime.timedelta(days=days)
    waiting = MentoringRequest.objects.filter(status=status)
    counts = {"reminded": 0, "expired": 0}
    counts["expired"] = _expire_each(
        waiting.filter(_promise_kept(now), **{f"{clock}__lte": expire_before}),
        status=status,
        email=expiry,
    )
    to_remind = waiting.filter(
        reminded_at__isnull=True,
        **{f"{clock}__lte": remind_before, f"{clock}__gt": expire_before},
        **may_be_reminded,
    )
    for request_id in to_remind.values_list("pk", flat=True):
        with transaction.atomic():
            request = _claim_reminder(
                request_id,
                now=now,
                clock=clock,
                days=days,
                status=status,
                **may_be_reminded,
            )
            if request is None:
                continue
            people = {
                "candidate": request.enrolment.member,
                "mentor": request.mentor.member,
            }
            emails.send(
                reminder,
                to=people[reminded].email,
                context={
                    "request": request,
                    **people,
                    "expires_on": request.expiry_promised,
                },
            )
            counts["reminded"] += 1
    return counts


# -- relationships ------------------------------------------------------------------------


def _side(relationship: MentoringRelationship, member: Member) -> str:
    if relationship.enrolment.member_id == member.pk:
        return EndedBy.CANDIDATE
    if relationship.mentor.member_id == member.pk:
        return EndedBy.MENTOR
    raise MentoringError("You are not part of this mentoring relationship.")


def _other_email(relationship: MentoringRelationship, side: str) -> str:
    if side == EndedBy.CANDIDATE:
        return relationship.mentor.member.email
    return relationship.enrolment.member.email


def _counted_pair(relationship: MentoringRelationship) -> None:
    _counted(
        mentor_ids=[relationship.mentor_id], enrolment_ids=[relationship.enrolment_id]
    )


def _locked_relationship(relationship_id: int) -> MentoringRelationship:
    return lock_row(
        MentoringRelationship.objects.select_related(
            "enrolment__member", "mentor__member"
        ),
        relationship_id,
    )


@transaction.atomic
def relationship_end(
    *, relationship: MentoringRelationship, member: Member, reason: str
) -> MentoringRelationship:
    relationship = _locked_relationship(relationship.pk)
    side = _side(relationship, member)
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has already ended.")
    if not reason.strip():
        raise MentoringError("Give a reason; the other person will read it.")
    relationship.status = RelationshipStatus.ENDED_EARLY
    relationship.ended_on = timezone.localdate()
    relationship.ended_by = side
    relationship.end_reason = reason.strip()
    relationship.save()
    _mentoring_ended(relationship)
    _counted_pair(relationship)
    context = {"relationship": relationship, "by": member}
    if side == EndedBy.MENTOR:
        # The candidate reads what comes next, as when the scheme ends it.
        context |= {
            "to_candidate": True,
            "portfolio_submitted": selectors.portfolio_submitted(
                relationship.enrolment
            ),
            "candidate_lapsed": not relationship.enrolment.member.is_current,
        }
    else:
        context["to_mentor"] = True
    emails.send(
        "relationship_ended", to=_other_email(relationship, side), context=context
    )
    return relationship


@transaction.atomic
def relationship_end_for_departed_candidate(
    *, relationship: MentoringRelationship, reason: str
) -> MentoringRelationship:
    """The candidate has left the scheme (their personal data erased): the scheme
    ends their mentoring with ``reason``, which the mentor reads, and the mentor's
    place is free. The email names nobody: it is sent once the name is gone."""
    relationship = _locked_relationship(relationship.pk)
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has already ended.")
    relationship.status = RelationshipStatus.ENDED_EARLY
    relationship.ended_on = timezone.localdate()
    relationship.ended_by = EndedBy.SCHEME
    relationship.end_reason = reason
    relationship.save()
    _mentoring_ended(relationship)
    _counted_pair(relationship)
    emails.send(
        "relationship_ended",
        to=relationship.mentor.member.email,
        context={
            "relationship": relationship,
            "by": relationship.enrolment.member,
            "to_mentor": True,
        },
    )
    return relationship


def completion_needs(relationship: MentoringRelationship) -> dict:
    """What confirming completion asks for, for the page and the service alike."""
    letter = relationship.enrolment.qualification.mentor_writes_letter
    meetings = relationship.meetings.filter(removed_at__isnull=True).exists()
    return {
        "letter": letter,
        "has_letter": bool(relationship.letter_of_support.strip()),
        "has_meeting": meetings,
        # Certification and Chartership: a logged meeting, or a written reason; a
        # reason the first to confirm gave stands behind the second's confirmation.
        "reason_needed": not letter
        and not meetings
        and not relationship.completion_reason,
    }


@transaction.atomic
def relationship_confirm_completion(
    *, relationship: MentoringRelationship, member: Member, reason: str = ""
) -> MentoringRelationship:
    """One side confirms that mentoring is complete; once both have, it is.

    For a qualification where the mentor writes a letter of support (Fellowship),
    the mentor writes it first; otherwise at least one logged meeting, or a written
    reason why there is none, stands behind the confirmation.
    """
    relationship = _locked_relationship(relationship.pk)
    side = _side(relationship, member)
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has already ended.")
    needs = completion_needs(relationship)
    if needs["letter"] and not needs["has_letter"]:
        raise MentoringError(
            "The mentor writes the letter of support before either of you confirms "
            "completion."
        )
    if needs["reason_needed"] and not reason.strip():
        raise MentoringError(
            "No meeting is logged. Log your meetings, or say why mentoring is complete "
            "without one."
        )
    if reason.strip():
        # Words the other person gave are kept: a second reason is added to them.
        relationship.completion_reason = "\n\n".join(
            filter(None, [relationship.completion_reason, reason.strip()])
        )
    now = timezone.now()
    field = (
        "candidate_completion_at"
        if side == EndedBy.CANDIDATE
        else "mentor_completion_at"
    )
    if getattr(relationship, field) is not None:
        raise MentoringError(
            "You have already confirmed; the other person has been asked."
        )
    setattr(relationship, field, now)
    both = relationship.candidate_completion_at and relationship.mentor_completion_at
    if both:
        relationship.status = RelationshipStatus.COMPLETED
        relationship.ended_on = timezone.localdate()
        relationship.completion_confirmed_at = now
    relationship.save()
    if both:
        _mentoring_ended(relationship)
        _counted_pair(relationship)
    people = [relationship.enrolment.member.email, relationship.mentor.member.email]
    if both:
        emails.send("relationship_completed", to=people, context={"relationship": relationship})  # fmt: skip
    else:
        emails.send(
            "completion_to_confirm",
            to=_other_email(relationship, side),
            context={"relationship": relationship, "by": member},
        )
    return relationship


@transaction.atomic
def letter_of_support_save(
    *, relationship: MentoringRelationship, member: Member, letter: str
) -> MentoringRelationship:
    relationship = _locked_relationship(relationship.pk)
    if _side(relationship, member) != EndedBy.MENTOR:
        raise MentoringError("Only the mentor writes the letter of support.")
    if not relationship.enrolment.qualification.mentor_writes_letter:
        raise MentoringError(
            "This qualification asks for a confirmation, not a letter."
        )
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has ended.")
    if len(letter.split()) < 20:
        raise MentoringError("Write the letter in full: at least a few sentences.")
    letter = letter.strip()
    if letter == relationship.letter_of_support:
        return relationship  # the same letter sent again: nothing is new
    # A revision is told too: the candidate may have downloaded the letter before.
    revised = bool(relationship.letter_of_support)
    # The candidate confirmed completion with the earlier letter in view: they read
    # the new one and confirm again, so mentoring never completes on a letter they
    # have not seen.
    confirmation_cleared = relationship.candidate_completion_at is not None
    relationship.candidate_completion_at = None
    relationship.letter_of_support = letter
    relationship.letter_written_at = timezone.now()
    relationship.save(
        update_fields=[
            "letter_of_support",
            "letter_written_at",
            "candidate_completion_at",
        ]
    )
    emails.send(
        "letter_of_support_written",
        to=relationship.enrolment.member.email,
        context={
            "relationship": relationship,
            "revised": revised,
            "confirmation_cleared": confirmation_cleared,
        },
    )
    return relationship


@transaction.atomic
def relationship_reopen(
    *, relationship: MentoringRelationship, officer, reason: str
) -> MentoringRelationship:
    """An officer reopens a completion within the set period (a mistake, a change).

    Reopening takes the mentor's place again, so it locks the mentor, then the
    enrolment (the order ``relationship_start`` locks them in), then the
    relationship, and re-checks under those locks that the mentor may still take
    this candidate on and the candidate has no other mentor.
    """
    # A relationship's mentor and enrolment never change: its ids are safe to read.
    _lock_mentor(relationship.mentor_id)
    _lock_enrolment(relationship.enrolment_id)
    relationship = _locked_relationship(relationship.pk)
    relationship_reopen_check(relationship=relationship, officer=officer, reason=reason)
    audit.record(
        actor=officer,
        action=audit.AuditAction.MENTORING_REOPENED,
        target=relationship,
        details={"reason": reason.strip(), "completed_on": str(relationship.ended_on)},
    )
    relationship.status = RelationshipStatus.ACTIVE
    relationship.ended_on = None
    relationship.completion_confirmed_at = None
    relationship.candidate_completion_at = relationship.mentor_completion_at = None
    relationship.reopened_at = timezone.now()
    relationship.save()
    _counted_pair(relationship)
    emails.send(
        "relationship_reopened",
        to=[relationship.enrolment.member.email, relationship.mentor.member.email],
        context={"relationship": relationship, "reason": reason.strip()},
    )
    return relationship


def relationship_reopen_check(
    *, relationship: MentoringRelationship, officer, reason: str
) -> None:
    """Refuse a reopening that cannot be done (before the officer confirms it).

    Takes no locks: the confirmation page asks it up front, and
    ``relationship_reopen`` asks it again under its locks.
    """
    if relationship.status != RelationshipStatus.COMPLETED:
        raise MentoringError("Only a completed mentoring can be reopened.")
    days = SchemeSettings.load().reopen_within_days
    if (timezone.localdate() - relationship.ended_on).days > days:
        raise MentoringError(
            f"This mentoring was completed more than {days} days ago and can no "
            "longer be reopened."
        )
    if not relationship.enrolment.is_open:
        raise MentoringError(
            "The enrolment has closed, so its mentoring cannot reopen."
        )
    candidate = relationship.enrolment.member
    if not candidate.is_current:
        raise MentoringError(
            f"{candidate.full_name}'s membership is no longer current, and only "
            "current members are mentored, so the mentoring cannot reopen."
        )
    if selectors.active_relationship(relationship.enrolment):
        raise MentoringError("The candidate already has another mentor.")
    _refuse_unless_mentor_may_return(relationship)
    if len(reason.strip()) < 10:
        raise MentoringError("Give a reason of a few words; both of them will read it.")
    _refuse_own_case(relationship, officer)


def _refuse_unless_mentor_may_return(relationship: MentoringRelationship) -> None:
    """The scheme's rules, as for starting mentoring: the mentor must still be
    listed, accepting, with a free place, and so on. The rules that the candidate
    already has a mentor, or completed mentoring (this one), are left to the caller,
    which says so in its own words; and a portfolio submitted meanwhile does not
    stop a mistaken completion being undone (a mentor the candidate has stays)."""
    failures = [
        failure
        for failure in selectors.rule_failures(
            relationship.enrolment, relationship.mentor
        )
        if failure.code
        not in ("already_mentored", "mentoring_complete", "portfolio_submitted")
    ]
    if failures:
        raise MentoringError(
            f"{relationship.mentor.member.full_name} cannot take this candidate on "
            "again now, so the mentoring cannot reopen: "
            + " ".join(
                f.reason for f in eligibility.for_reader(failures, eligibility.OFFICER)
            )
        )


@transaction.atomic
def agreement_save(
    *,
    relationship: MentoringRelationship,
    member: Member,
    goals: str,
    frequency: str,
    meeting_modes,
    confidentiality: str,
) -> Agreement:
    """A new version of the agreement, confirmed by its writer; the other side is
    asked to confirm it. The newest version saved again unchanged (a double click,
    the form sent again) stays as it is: it is returned, confirmed by the writer if
    they had not, and nobody is asked anything."""
    relationship = _locked_relationship(relationship.pk)
    side = _side(relationship, member)
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has ended.")
    last = relationship.agreements.first()
    now = timezone.now()
    content = {
        "goals": goals.strip(),
        "frequency": frequency.strip(),
        "meeting_modes": list(meeting_modes),
        "confidentiality": confidentiality.strip(),
    }
    if last is not None and _same_agreement(last, content):
        field = (
            "candidate_confirmed_at"
            if side == EndedBy.CANDIDATE
            else "mentor_confirmed_at"
        )
        if getattr(last, field) is None:
            setattr(last, field, now)
            last.save(update_fields=[field])
        return last
    agreement = Agreement.objects.create(
        relationship=relationship,
        version=(last.version + 1) if last else 1,
        **content,
        created_by=member.user,
        candidate_confirmed_at=now if side == EndedBy.CANDIDATE else None,
        mentor_confirmed_at=now if side == EndedBy.MENTOR else None,
    )
    emails.send(
        "agreement_to_confirm",
        to=_other_email(relationship, side),
        context={"relationship": relationship, "agreement": agreement, "by": member},
    )
    return agreement


def _same_agreement(agreement: Agreement, content: dict) -> bool:
    return all(
        sorted(getattr(agreement, name)) == sorted(value)
        if name == "meeting_modes"
        else getattr(agreement, name) == value
        for name, value in content.items()
    )


@transaction.atomic
def agreement_confirm(*, agreement: Agreement, member: Member) -> Agreement:
    agreement = lock_row(Agreement, agreement.pk)
    relationship = _locked_relationship(agreement.relationship_id)
    side = _side(relationship, member)
    if not relationship.is_active:
        raise MentoringError("This mentoring relationship has ended.")
    if relationship.agreements.first().pk != agreement.pk:
        raise MentoringError(
            "A newer version of the agreement exists; confirm that one."
        )
    field = (
        "candidate_confirmed_at" if side == EndedBy.CANDIDATE else "mentor_confirmed_at"
    )
    if getattr(agreement, field) is None:
        setattr(agreement, field, timezone.now())
        agreement.save(update_fields=[field])
    return agreement


#: The same meeting logged again within this long is taken to be sent twice.
MEETING_RESENT_WITHIN = datetime.timedelta(minutes=10)


@transaction.atomic
def meeting_log(
    *,
    relationship: MentoringRelationship,
    member: Member,
    held_on: datetime.date,
    mode: str,
    duration_minutes: int,
    notes: str = "",
    action_points: str = "",
) -> Meeting:
    """Add a meeting to the pair's log. The same meeting logged again by the same
    person within a few minutes (a double click, the form sent again) is the one
    already logged: it is returned and nothing is added."""
    relationship = _locked_relationship(relationship.pk)
    _side(relationship, member)
    _check_meeting_date(relationship, held_on)
    fields = {
        "relationship": relationship,
        "held_on": held_on,
        "mode": mode,
        "duration_minutes": duration_minutes,
        "notes": notes.strip(),
        "action_points": action_points.strip(),
        "created_by": member.user,
    }
    # The relationship's row is locked, so a second post waits here and then sees
    # the first's meeting.
    logged = (
        Meeting.objects.filter(
            **fields,
            removed_at=None,
            created_at__gte=timezone.now() - MEETING_RESENT_WITHIN,
        )
        .order_by("-created_at")
        .first()
    )
    if logged is not None:
        return logged
    meeting = Meeting.objects.create(**fields)
    if relationship.is_active:
        # A meeting logged late, once the mentoring has ended, says nothing of
        # whether the mentor is active now.
        MentorProfile.objects.filter(pk=relationship.mentor_id).update(
            last_active_at=timezone.now()
        )
    return meeting


def earliest_meeting_date(relationship: MentoringRelationship) -> datetime.date:
    """A first informal conversation may come before acceptance: from the request."""
    request = relationship.request
    if request is not None:
        return min(timezone.localdate(request.created_at), relationship.started_on)
    return relationship.started_on


def _check_meeting_date(relationship, held_on: datetime.date) -> None:
    """A meeting has happened, and within the mentoring: from the request (see
    ``earliest_meeting_date``) to the day it ended. One held before the end may
    still be logged once it has ended."""
    if held_on > timezone.localdate():
        raise MentoringError(
            "Log a meeting once it has happened: the date is in the future."
        )
    if relationship.ended_on is not None and held_on > relationship.ended_on:
        ended = (
            "was completed"
            if relationship.status == RelationshipStatus.COMPLETED
            else "ended"
        )
        raise MentoringError(
            f"This mentoring {ended} on {relationship.ended_on:%-d %B %Y}, so a "
            "meeting after that day cannot be logged. A meeting held on or before "
            "that day can still be added to the log."
        )
    earliest = earliest_meeting_date(relationship)
    if held_on < earliest:
        raise MentoringError(
            f"The meeting date is before {earliest:%-d %B %Y}, when "
            + (
                "the request was sent."
                if relationship.request_id
                else "this mentoring started."
            )
        )


def _locked_meeting(meeting: Meeting, member: Member) -> Meeting:
    meeting = lock_row(Meeting.objects.select_related("relationship"), meeting.pk)
    if not meeting.may_change(member.user):
        raise MentoringError(
            "Only the person who logged a meeting may change it, within 14 days."
        )
    return meeting


def _keep(meeting: Meeting, action: str, member: Member) -> None:
    MeetingRevision.objects.create(
        meeting=meeting,
        action=action,
        held_on=meeting.held_on,
        mode=meeting.mode,
        duration_minutes=meeting.duration_minutes,
        notes=meeting.notes,
        action_points=meeting.action_points,
        by=member.user,
    )


@transaction.atomic
def meeting_correct(
    *,
    meeting: Meeting,
    member: Member,
    held_on: datetime.date,
    mode: str,
    duration_minutes: int,
    notes: str = "",
    action_points: str = "",
) -> Meeting:
    """Its author corrects a meeting within 14 days; the earlier version is kept."""
    meeting = _locked_meeting(meeting, member)
    _check_meeting_date(meeting.relationship, held_on)
    _keep(meeting, MeetingRevision.Action.CORRECTED, member)
    meeting.held_on, meeting.mode = held_on, mode
    meeting.duration_minutes = duration_minutes
    meeting.notes, meeting.action_points = notes.strip(), action_points.strip()
    meeting.save()
    return meeting


def meeting_remove_refusal(meeting: Meeting) -> str:
    """Why this meeting may not leave the log ("" when it may): a completion of
    Certification or Chartership confirmed with it as the only meeting, and no
    written reason, would be left with nothing behind it."""
    relationship = meeting.relationship
    if (
        relationship.status != RelationshipStatus.COMPLETED
        or relationship.completion_reason
        or relationship.enrolment.qualification.mentor_writes_letter
        or relationship.meetings.filter(removed_at__isnull=True)
        .exclude(pk=meeting.pk)
        .exists()
    ):
        return ""
    return (
        "This is the only meeting behind the completed mentoring, so it stays in "
        "the log. If its details are wrong, correct them; if it should not be there "
        "at all, ask a support officer to reopen the mentoring first."
    )


@transaction.atomic
def meeting_remove(*, meeting: Meeting, member: Member) -> Meeting:
    """Its author removes a meeting within 14 days; it stays in the history."""
    meeting = _locked_meeting(meeting, member)
    refusal = meeting_remove_refusal(meeting)
    if refusal:
        raise MentoringError(refusal)
    _keep(meeting, MeetingRevision.Action.REMOVED, member)
    meeting.removed_at = timezone.now()
    meeting.save(update_fields=["removed_at"])
    return meeting


@transaction.atomic
def notes_access_open(
    *, relationship: MentoringRelationship, officer, reason: str
) -> NotesAccess:
    if len(reason.strip()) < 10:
        raise MentoringError(
            "Give a reason of at least a few words; the pair will see it."
        )
    access = NotesAccess.objects.create(
        relationship=relationship, officer=officer, reason=reason.strip()
    )
    audit.record(actor=officer, action=audit.AuditAction.PRIVATE_NOTES_OPENED, target=relationship, details={"reason": access.reason})  # fmt: skip
    relationship = MentoringRelationship.objects.select_related(
        "enrolment__member", "mentor__member"
    ).get(pk=relationship.pk)
    # Each their own message: one to both would show each the other's address,
    # which the pair may no longer see.
    for member in (relationship.enrolment.member, relationship.mentor.member):
        emails.send(
            "notes_opened",
            to=member.email,
            context={"relationship": relationship, "access": access},
        )
    return access


# -- help ----------------------------------------------------------------------------


#: Flags about finding a mentor: a match answers them.
SEARCH_FLAGS = (HelpFlag.Why.ASKED, HelpFlag.Why.WAITING, HelpFlag.Why.MENTOR_LEFT)


def _settle_flags(flags, resolution: str) -> int:
    """Close open flags the scheme itself has answered (a match, an ending)."""
    return flags.filter(resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=resolution[:200]
    )


def _mentoring_ended(relationship: MentoringRelationship) -> None:
    """A mentoring ended, however it ended: a flag about that pair (the mentor is
    recorded as the line manager) has nothing left to decide."""
    _settle_flags(
        HelpFlag.objects.filter(relationship=relationship), "The mentoring ended."
    )


@transaction.atomic
def help_request(*, enrolment: Enrolment, message: str) -> HelpFlag:
    """The candidate asks for help finding a mentor. Asking again while the first
    request is open adds the new words to it, and the officers are told again."""
    message = message.strip()
    # The enrolment first: two pleas at once (a double click) queue here, so the
    # second finds the first's flag rather than breaking its uniqueness.
    enrolment = _lock_enrolment(enrolment.pk)
    if not enrolment.is_open:
        raise MentoringError("This enrolment is closed, so there is no mentor to find.")
    failures = selectors.candidate_rule_failures(enrolment)
    no_mentor = [
        f
        for f in failures
        if f.code in ("qualification_without_mentors", "portfolio_submitted")
    ]
    if no_mentor:
        raise RuleRefusal(no_mentor, eligibility.CANDIDATE)
    if {f.code for f in failures} & {"already_mentored", "mentoring_complete"}:
        raise MentoringError(
            "You have a mentor for this enrolment (or your mentoring is complete), "
            "so there is no mentor to find. For anything else, contact the team."
        )
    flag = lock_first(
        HelpFlag.objects.filter(
            enrolment=enrolment, why=HelpFlag.Why.ASKED, resolved_at__isnull=True
        )
    )
    if flag is None:
        flag = HelpFlag.objects.create(
            enrolment=enrolment, why=HelpFlag.Why.ASKED, message=message
        )
    elif message:
        today = timezone.localdate()
        flag.message = f"{flag.message}\n\nAdded {today:%-d %B %Y}: {message}".strip()
        flag.save(update_fields=["message"])
    officers = _officer_emails(enrolment.member)
    if officers:
        emails.send(
            "help_requested",
            to=officers,
            context={
                "flag": flag,
                "enrolment": enrolment,
                "candidate": enrolment.member,
                "message": message,
            },
        )
    return flag


def help_flags_hand_on(*, today: datetime.date, leaving: Member | None = None) -> int:
    """Once a Candidate Support Officer's term has ended (or their membership
    lapsed), send the region's candidates still waiting for help (open flags) to
    whoever acts for its candidates' side now: another officer in office, else the
    registration team. Sent once per term; returns the number of messages sent."""
    return officers.terms_ended_hand_on(
        officers.CANDIDATES,
        today=today,
        claimed="help_handed_on",
        cases=_open_help_flags,
        about=lambda flag: flag.enrolment.member,
        template="help_flags_handed_on",
        leaving=leaving,
    )


def _open_help_flags(appointment):
    return (
        HelpFlag.objects.filter(
            resolved_at__isnull=True,
            enrolment__member__region_id=appointment.region_id,
        )
        .select_related("enrolment__member", "enrolment__qualification")
        .order_by("created_at", "pk")
    )


def flag_waiting_candidates(*, today: datetime.date | None = None) -> int:
    """Flag candidates with no mentor after the waiting period (from enrolment, or
    from the end of their last mentoring). Idempotent. A flag
    an officer marked as helped is not raised again until another waiting period
    has passed. A candidate whose mentoring is complete is not waiting: a flag
    raised on one before is closed."""
    _settle_flags(
        HelpFlag.objects.filter(
            why=HelpFlag.Why.WAITING,
            enrolment__in=MentoringRelationship.objects.completed_standing().values(
                "enrolment"
            ),
        ),
        "Mentoring is complete.",
    )
    today = today or timezone.localdate()
    days = SchemeSettings.load().unmatched_flag_after_days
    since = today - datetime.timedelta(days=days)
    helped_lately = HelpFlag.objects.filter(
        enrolment=OuterRef("pk"),
        why=HelpFlag.Why.WAITING,
        resolved_at__date__gt=since,
    )
    # A candidate whose mentoring ended waits from the day it ended, as the
    # dashboard counts it.
    mentored_lately = MentoringRelationship.objects.filter(
        enrolment=OuterRef("pk"), ended_on__gt=since
    )
    # And one whose portfolio came back for further information from that day:
    # while the assessors had it, there was no mentor to find.
    asked_again_lately = EnrolmentChange.objects.filter(
        enrolment=OuterRef("pk"),
        to_status=EnrolmentStatus.FURTHER_INFO,
        at__date__gt=since,
    )
    waiting = Enrolment.objects.filter(
        ~selectors.mentored(),
        ~Exists(helped_lately),
        ~Exists(mentored_lately),
        ~Exists(asked_again_lately),
        status__in=PREPARING_STATUSES,
        enrolled_on__lte=since,
        qualification__uses_mentors=True,
        member__membership_status=MembershipStatus.CURRENT,
    )
    flagged = 0
    for enrolment in waiting:
        _, created = HelpFlag.objects.get_or_create(
            enrolment=enrolment, why=HelpFlag.Why.WAITING, resolved_at=None
        )
        flagged += created
    return flagged


@transaction.atomic
def help_flag_resolve(*, flag: HelpFlag, by) -> HelpFlag:
    """An officer of the candidates' side marks a flag as helped (recorded in the
    audit log). Nobody closes a flag about themselves or someone they line-manage;
    a flag that the mentor is the line manager closes only when that mentoring ends
    or the record is corrected, never by a click."""
    flag = lock_row(
        HelpFlag.objects.select_related(
            "enrolment__member", "relationship__mentor__member"
        ),
        flag.pk,
    )
    if flag.resolved_at is not None:
        raise MentoringError("This candidate has already been marked as helped.")
    if flag.why == HelpFlag.Why.LINE_MANAGER:
        raise MentoringError(
            "A line manager cannot mentor someone they manage: end this mentoring on "
            "its page, or correct the line manager record if it is wrong. This "
            "closes by itself then."
        )
    if flag.why == HelpFlag.Why.LAPSED:
        raise MentoringError(
            "This closes by itself: when the membership is renewed, or when the "
            "scheme ends the mentoring at the end of the grace period. To end it "
            "sooner, end the mentoring on its page."
        )
    people = [flag.enrolment.member]
    if flag.relationship is not None:
        people.append(flag.relationship.mentor.member)
    for member in people:
        reason = officers.conflict_reason(by, member)
        if reason:
            raise MentoringError(
                f"{reason} Another support officer of the region, or the "
                "registration team, helps here."
            )
    flag.resolved_at = timezone.now()
    flag.resolved_by = by
    flag.resolution = "Marked as helped by a support officer."
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit.record(
        actor=by,
        action=audit.AuditAction.HELP_FLAG_RESOLVED,
        target=flag,
        details={"why": flag.why},
    )
    return flag


# -- when a mentor can no longer take anyone on (see mentors.changes) ---------------


@transaction.atomic
def requests_close_for_unavailable_mentor(
    *, profile: MentorProfile, reason: str
) -> int:
    """Withdraw requests still waiting on a mentor who can no longer take anyone on.

    Each request is locked and re-read first, so one the candidate withdrew or the
    mentor answered at the same moment keeps what they did.
    """
    closed = 0
    for request in lock_rows(
        MentoringRequest.objects.filter(
            mentor=profile, status__in=OPEN_REQUEST_STATUSES
        ).select_related("enrolment__member")
    ):
        if not request.is_open:
            continue
        _close_telling_candidate(
            request, profile=profile, reason=reason, status=RequestStatus.WITHDRAWN
        )
        closed += 1
    return closed


def _close_telling_candidate(
    request: MentoringRequest, *, profile: MentorProfile, reason: str, status: str
) -> None:
    """Close a locked open request for a reason of the mentor's, which the
    candidate reads on its page and in an email."""
    request.closed_reason = reason
    _close(request, status)
    emails.send(
        "request_closed_mentor_unavailable",
        to=request.enrolment.member.email,
        context={"request": request, "mentor": profile, "reason": reason},
    )


def requests_no_longer_supported_close(*, profile: MentorProfile) -> int:
    """Close the open requests for qualifications the mentor no longer supports,
    each candidate told why. Runs under the mentor's row lock, in the transaction
    that changed the mentor's choice (``mentor_profile_update``)."""
    closed = 0
    for request in lock_rows(
        MentoringRequest.objects.filter(
            mentor=profile, status__in=OPEN_REQUEST_STATUSES
        ).select_related("enrolment__member", "enrolment__qualification")
    ):
        failures = selectors.rule_failures(request.enrolment, profile)
        if "qualification_not_supported" not in {f.code for f in failures}:
            continue
        reason = (
            f"{profile.member.full_name} no longer supports candidates for "
            f"{request.enrolment.qualification}, so your request has been closed. It "
            "no longer counts towards your limit: you can ask another mentor now."
        )
        _close_telling_candidate(
            request, profile=profile, reason=reason, status=RequestStatus.CLOSED
        )
        closed += 1
    return closed


@transaction.atomic
def relationships_end_for_departed_mentor(
    *, profile: MentorProfile, reason: str, ended_by: str = EndedBy.SCHEME
) -> None:
    """End the mentor's current relationships, and give each candidate a next step:
    an email, and a help flag on which the officer sees suggested new mentors. A
    candidate whose portfolio is with the assessors has no mentor to find, nor has
    one whose membership lapsed (they may ask a mentor once renewed): their email
    says so, and no flag is raised. A flag holding the mentoring for a lapse is
    settled: the mentoring ended.

    Each relationship is locked and re-read first, so a completion both people
    confirmed at the same moment stands rather than being overwritten.
    """
    ended = []
    for relationship in lock_rows(
        MentoringRelationship.objects.filter(
            mentor=profile, status=RelationshipStatus.ACTIVE
        ).select_related("enrolment__member")
    ):
        if not relationship.is_active:
            continue
        ended.append(relationship.enrolment_id)
        relationship.status = RelationshipStatus.ENDED_EARLY
        relationship.ended_on = timezone.localdate()
        relationship.ended_by = ended_by
        relationship.end_reason = reason
        relationship.save()
        _mentoring_ended(relationship)
        submitted = selectors.portfolio_submitted(relationship.enrolment)
        candidate_lapsed = not relationship.enrolment.member.is_current
        if not (submitted or candidate_lapsed):
            flag, raised = HelpFlag.objects.get_or_create(
                enrolment=relationship.enrolment,
                why=HelpFlag.Why.MENTOR_LEFT,
                resolved_at=None,
                # No name in the words: the flag outlives what it says about people.
                defaults={"message": reason},
            )
            if raised:  # the candidates' side is told, as of a plea for help
                emails.send(
                    "mentor_left_flagged",
                    to=_officer_emails(relationship.enrolment.member),
                    context={"flag": flag, "relationship": relationship},
                )
        emails.send(
            "relationship_ended_by_scheme",
            to=relationship.enrolment.member.email,
            context={
                "relationship": relationship,
                "reason": reason,
                "portfolio_submitted": submitted,
                "candidate_lapsed": candidate_lapsed,
            },
        )
    _counted(mentor_ids=[profile.pk], enrolment_ids=ended)


def requests_to_unavailable_mentors_close() -> int:
    """Close every open request to a mentor who cannot accept it (not listed, or
    paused), with a reason for the candidate. Catches requests any earlier change
    of the mentor's left open; a no-op when there are none."""
    unavailable = (
        MentoringRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
        .exclude(mentor__status=MentorStatus.LISTED, mentor__accepting=True)
        .values_list("mentor_id", flat=True)
        .distinct()
    )
    closed = 0
    for profile_id in list(unavailable):
        with transaction.atomic():
            locked = _lock_mentor(profile_id)
            if locked.status == MentorStatus.LISTED and locked.accepting:
                continue  # resumed in the meantime
            closed += requests_close_for_unavailable_mentor(
                profile=locked, reason=mentor_services.request_closed_reason(locked)
            )
    return closed


# -- when the scheme's reference data changes under an open request ---------------

#: Rules a change to a qualification can break for a pair already in touch: the
#: request can then never be accepted, whatever either person does.
RULES_OF_THE_QUALIFICATION = {
    "level_too_low": "the mentor's level of registration is no longer high enough "
    "for the qualification",
    "qualification_not_supported": "the mentor does not support candidates for "
    "the qualification",
    "qualification_without_mentors": "the qualification no longer uses mentors",
}


@transaction.atomic
def _closed_as_no_longer_allowed(request_id: int) -> str:
    """Close the request, telling both people, if it is open and a change to the
    qualification means the mentor may no longer take the candidate on; why, in
    words for the mentor, or "" when it still may."""
    request = _locked_request(request_id)
    if not request.is_open:
        return ""
    broken = [
        RULES_OF_THE_QUALIFICATION[failure.code]
        for failure in selectors.rule_failures(request.enrolment, request.mentor)
        if failure.code in RULES_OF_THE_QUALIFICATION
    ]
    if not broken:
        return ""
    because = f"under the scheme's rules now, {' and '.join(broken)}"
    why = f"U{because[1:]}."
    _close_telling_both(
        request,
        reason=f"{why} Please choose another mentor: the directory shows only those "
        "who may mentor you.",
        because=because,
    )
    return why


def requests_beyond_the_mentors_level_close(*, member_ids=None) -> int:
    """Close the open requests whose mentor the register no longer shows at a level
    high enough for the candidate's qualification (an award removed or corrected),
    telling both people: the mentor could never accept them. Each is locked and
    read again first. Idempotent."""
    requests = MentoringRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES
    ).select_related(
        "enrolment__qualification__level",
        "enrolment__qualification__min_mentor_level",
    )
    if member_ids is not None:
        requests = requests.filter(mentor__member_id__in=member_ids)
    requests = list(requests)
    if not requests:
        return 0
    ranks = {
        record.id: record.level_rank
        for record in mentor_selectors.mentor_records(
            MentorProfile.objects.filter(pk__in={r.mentor_id for r in requests})
        )
    }
    return sum(
        bool(_closed_as_no_longer_allowed(request.pk))
        for request in requests
        if eligibility.level_too_low(
            mentor_rank=ranks.get(request.mentor_id, 0),
            uses_mentors=request.enrolment.qualification.uses_mentors,
            min_mentor_rank=request.enrolment.qualification.min_mentor_rank,
        )
    )


def requests_no_longer_allowed_close(*, qualification_id: int) -> int:
    """Close the open requests of the qualification's candidates that a change to
    it (a higher lowest level for mentors, say) no longer allows; each is locked
    and read again first. Idempotent."""
    requests = MentoringRequest.objects.filter(
        status__in=OPEN_REQUEST_STATUSES, enrolment__qualification_id=qualification_id
    )
    return sum(
        bool(_closed_as_no_longer_allowed(request_id))
        for request_id in requests.values_list("pk", flat=True)
    )


# -- when a membership lapses during a mentoring ------------------------------------
#
# Memberships mostly lapse through a renewal recorded late, and are restored within
# weeks, so a lapse does not end a mentoring at once: the pair and the region's
# candidates' side are told, and a flag on the pair holds it for the grace period
# (settings.LAPSE_GRACE_DAYS). Renewed within it, the mentoring carries on; still
# lapsed after it, the scheme ends it. A lapsed mentor is delisted at once, and
# requests to or from a lapsed person close at once, as before.

LAPSE_RENEWED = "The membership was renewed in time: the mentoring carries on."
LAPSE_NOT_RENEWED = (
    "The membership was not renewed in time: the scheme ended the mentoring."
)
MENTOR_LAPSE_END_REASON = (
    "Your mentor's registration or membership lapsed and was not renewed within "
    "{days} days, so the scheme has ended the mentoring."
)
CANDIDATE_LAPSE_END_REASON = (
    "The candidate's membership lapsed and was not renewed within {days} days, so "
    "the scheme has ended the mentoring."
)


def _grace_days() -> int:
    return settings.LAPSE_GRACE_DAYS


def _lapsed_before(today: datetime.date) -> datetime.datetime:
    """A lapse recorded before this moment has had its whole grace period by
    ``today``."""
    day = today - datetime.timedelta(days=_grace_days() - 1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _who_lapsed(relationship: MentoringRelationship) -> tuple[bool, bool]:
    """(the mentor lapsed, the candidate lapsed)."""
    return (
        relationship.mentor.status == MentorStatus.LAPSED,
        not relationship.enrolment.member.is_current,
    )


def _lapsed_words(mentor_lapsed: bool, candidate_lapsed: bool) -> str:
    # No names in the words: the flag outlives what it says about people.
    return " ".join(
        words
        for lapsed, words in (
            (mentor_lapsed, "The mentor's registration or membership lapsed."),
            (candidate_lapsed, "The candidate's membership lapsed."),
        )
        if lapsed
    )


def _tell_pair(message: str, relationship, **context) -> None:
    """One message to each of the pair, written for its reader."""
    mentor_lapsed, candidate_lapsed = _who_lapsed(relationship)
    candidate, mentor = relationship.enrolment.member, relationship.mentor.member
    for reader, other, is_mentor in ((candidate, mentor, False), (mentor, candidate, True)):  # fmt: skip
        emails.send(
            message,
            to=reader.email,
            context={
                "relationship": relationship,
                "reader": reader,
                "other": other,
                "reader_is_mentor": is_mentor,
                "reader_lapsed": mentor_lapsed if is_mentor else candidate_lapsed,
                "other_lapsed": candidate_lapsed if is_mentor else mentor_lapsed,
                "candidate_lapsed": candidate_lapsed,
                **context,
            },
        )


def _flag_lapsed(relationship: MentoringRelationship) -> bool:
    """Hold an active (locked) mentoring one of whose people lapsed for the grace
    period: a flag on the pair for the region's candidates' side, recording when
    each person lapsed, and both people and the officers told. A person who lapses
    while it is held for the other's lapse is added to the flag, from their own
    lapse, and everyone is told again; one renewed while the other is still lapsed
    is taken off it. True when someone's lapse was newly recorded."""
    mentor_lapsed, candidate_lapsed = _who_lapsed(relationship)
    if not relationship.is_active or not (mentor_lapsed or candidate_lapsed):
        return False
    flag = lock_first(
        HelpFlag.objects.filter(
            enrolment=relationship.enrolment_id,
            why=HelpFlag.Why.LAPSED,
            resolved_at__isnull=True,
        )
    ) or HelpFlag(
        enrolment=relationship.enrolment,
        why=HelpFlag.Why.LAPSED,
        relationship=relationship,
    )
    newly = (mentor_lapsed and flag.mentor_lapsed_at is None) or (
        candidate_lapsed and flag.candidate_lapsed_at is None
    )
    renewed = (flag.mentor_lapsed_at is not None and not mentor_lapsed) or (
        flag.candidate_lapsed_at is not None and not candidate_lapsed
    )
    now = timezone.now()
    flag.mentor_lapsed_at = (flag.mentor_lapsed_at or now) if mentor_lapsed else None
    flag.candidate_lapsed_at = (
        (flag.candidate_lapsed_at or now) if candidate_lapsed else None
    )
    message = _lapsed_words(mentor_lapsed, candidate_lapsed)
    if not newly and flag.message == message:
        return False
    flag.message = message
    flag.save()
    if not (newly or renewed):
        return False
    until = flag.lapse_ends_on
    # One renewed while the other is still lapsed: both read that the mentoring
    # is still held, and until when, now the other's lapse alone decides it.
    _tell_pair(
        "mentoring_lapsed",
        relationship,
        until=until,
        portfolio_submitted=selectors.portfolio_submitted(relationship.enrolment),
        renewed=renewed and not newly,
    )
    if not newly:
        return False
    emails.send(
        "mentoring_lapse_flagged",
        to=_officer_emails(relationship.enrolment.member),
        context={
            "flag": flag,
            "relationship": relationship,
            "until": until,
            "mentor_lapsed": mentor_lapsed,
            "candidate_lapsed": candidate_lapsed,
        },
    )
    return True


def _lapsed_relationships():
    return MentoringRelationship.objects.filter(
        Q(mentor__status=MentorStatus.LAPSED)
        | ~Q(enrolment__member__membership_status=MembershipStatus.CURRENT),
        status=RelationshipStatus.ACTIVE,
    )


def relationships_hold_for_lapsed_mentor(*, profile: MentorProfile) -> int:
    """The mentor (locked) lapsed: each of their mentorings carries on for the grace
    period, its pair and the officers told (see ``mentors.changes``). How many."""
    return sum(
        _flag_lapsed(relationship)
        for relationship in lock_rows(
            _lapsed_relationships()
            .filter(mentor=profile)
            .select_related("enrolment__member", "mentor__member")
        )
    )


def _lapse_over(flag_id: int) -> bool:
    """Settle a lapse flag whose pair are both current again, telling both; claimed
    by a conditional UPDATE, so overlapping runs tell them once."""
    with transaction.atomic():
        claimed = HelpFlag.objects.filter(pk=flag_id, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=LAPSE_RENEWED
        )
        if not claimed:
            return False
        flag = HelpFlag.objects.select_related(
            "relationship__enrolment__member",
            "relationship__enrolment__qualification",
            "relationship__mentor__member",
        ).get(pk=flag_id)
        _tell_pair(
            "mentoring_lapse_over",
            flag.relationship,
            mentor_renewed=flag.mentor_lapsed_at is not None,
            candidate_renewed=flag.candidate_lapsed_at is not None,
        )
    return True


def _renewed_flags():
    return HelpFlag.objects.filter(
        why=HelpFlag.Why.LAPSED,
        resolved_at__isnull=True,
        relationship__status=RelationshipStatus.ACTIVE,
        enrolment__member__membership_status=MembershipStatus.CURRENT,
    ).exclude(relationship__mentor__status=MentorStatus.LAPSED)


def lapsed_mentor_restored(*, profile: MentorProfile) -> int:
    """The mentor is listed again: their mentorings held for the lapse carry on
    (those whose candidate is current too). How many."""
    for relationship in lock_rows(
        _lapsed_relationships()
        .filter(mentor=profile)
        .select_related("enrolment__member", "mentor__member")
    ):
        _flag_lapsed(relationship)  # the candidate is still lapsed: theirs alone
    flags = _renewed_flags().filter(relationship__mentor=profile)
    return sum(_lapse_over(pk) for pk in flags.values_list("pk", flat=True))


def lapsed_mentoring_apply(*, member_ids=None) -> dict[str, int]:
    """Hold each active mentoring one of whose people lapsed (or record on the
    flag of one held already who lapsed or renewed since), and let carry on each
    one held whose people are both current again. Idempotent: the second run
    finds nothing to do."""
    lapsed = _lapsed_relationships()
    renewed = _renewed_flags()
    if member_ids is not None:
        lapsed = lapsed.filter(
            Q(enrolment__member_id__in=member_ids) | Q(mentor__member_id__in=member_ids)
        )
        renewed = renewed.filter(
            Q(enrolment__member_id__in=member_ids)
            | Q(relationship__mentor__member_id__in=member_ids)
        )
    held = HelpFlag.objects.filter(
        enrolment=OuterRef("enrolment"),
        why=HelpFlag.Why.LAPSED,
        resolved_at__isnull=True,
    )
    mentor_lapsed = Q(mentor__status=MentorStatus.LAPSED)
    mentor_recorded = Exists(held.filter(mentor_lapsed_at__isnull=False))
    candidate_lapsed = ~Q(enrolment__member__membership_status=MembershipStatus.CURRENT)
    candidate_recorded = Exists(held.filter(candidate_lapsed_at__isnull=False))
    not_as_recorded = (
        (mentor_lapsed & ~mentor_recorded)
        | (~mentor_lapsed & mentor_recorded)
        | (candidate_lapsed & ~candidate_recorded)
        | (~candidate_lapsed & candidate_recorded)
    )
    counts = {"held": 0, "carried_on": 0}
    for pk in list(lapsed.filter(not_as_recorded).values_list("pk", flat=True)):
        with transaction.atomic():
            counts["held"] += _flag_lapsed(_locked_relationship(pk))
    for pk in list(renewed.values_list("pk", flat=True)):
        counts["carried_on"] += _lapse_over(pk)
    return counts


def lapsed_mentoring_end(*, today: datetime.date | None = None) -> int:
    """End each mentoring still lapsed after the grace period, with the reason:
    a lapsed mentor's as when a mentor leaves (each candidate given a next step),
    a lapsed candidate's with the mentor told their place is free. Each is decided
    again under its locks, so overlapping runs end it once. How many ended."""
    today = today or timezone.localdate()
    before = _lapsed_before(today)
    ended = 0
    mentors = (
        MentorProfile.objects.filter(
            status=MentorStatus.LAPSED, relationships__status=RelationshipStatus.ACTIVE
        )
        .annotate(
            lapsed_at=Max(
                "history__at", filter=Q(history__to_status=MentorStatus.LAPSED)
            )
        )
        .filter(lapsed_at__lt=before)
        .values_list("pk", flat=True)
        .distinct()
    )
    for pk in list(mentors):
        ended += _end_for_lapsed_mentor(pk, before)
    candidates = (
        MentoringRelationship.objects.filter(
            status=RelationshipStatus.ACTIVE,
            flags__why=HelpFlag.Why.LAPSED,
            flags__resolved_at__isnull=True,
            flags__candidate_lapsed_at__lt=before,
        )
        .exclude(enrolment__member__membership_status=MembershipStatus.CURRENT)
        .values_list("pk", flat=True)
    )
    for pk in list(candidates):
        ended += _end_for_lapsed_candidate(pk, before)
    return ended


@transaction.atomic
def _end_for_lapsed_mentor(profile_id: int, before: datetime.datetime) -> int:
    profile = _lock_mentor(profile_id)
    lapsed_at = (
        profile.history.filter(to_status=MentorStatus.LAPSED)
        .values_list("at", flat=True)
        .last()
    )
    if (
        profile.status != MentorStatus.LAPSED
        or lapsed_at is None
        or lapsed_at >= before
    ):
        return 0  # renewed, or lapsed again, in the meantime
    active = list(
        MentoringRelationship.objects.filter(
            mentor=profile, status=RelationshipStatus.ACTIVE
        ).values_list("pk", flat=True)
    )
    _settle_flags(
        HelpFlag.objects.filter(relationship__in=active, why=HelpFlag.Why.LAPSED),
        LAPSE_NOT_RENEWED,
    )
    relationships_end_for_departed_mentor(
        profile=profile,
        reason=MENTOR_LAPSE_END_REASON.format(days=_grace_days()),
    )
    ended = list(
        MentoringRelationship.objects.filter(
            pk__in=active, status=RelationshipStatus.ENDED_EARLY
        ).select_related(
            "enrolment__member", "enrolment__qualification", "mentor__member"
        )
    )
    for relationship in ended:
        emails.send(
            "mentoring_ended_lapsed",
            to=profile.member.email,
            context={
                "relationship": relationship,
                "reader": profile.member,
                "other": relationship.enrolment.member,
                "reader_is_mentor": True,
                "reader_lapsed": True,
                "mentor_lapse_ended": True,
                "grace_days": _grace_days(),
                "portfolio_submitted": selectors.portfolio_submitted(
                    relationship.enrolment
                ),
                # Lapsed too, they are not looking for a mentor now.
                "candidate_lapsed": not relationship.enrolment.member.is_current,
            },
        )
    return len(ended)


@transaction.atomic
def _end_for_lapsed_candidate(relationship_id: int, before: datetime.datetime) -> int:
    mentor_id = (
        MentoringRelationship.objects.filter(pk=relationship_id)
        .values_list("mentor_id", flat=True)
        .first()
    )
    if mentor_id is None:
        return 0
    _lock_mentor(mentor_id)  # the mentor first, as everywhere: their place frees
    relationship = _locked_relationship(relationship_id)
    lapsed_since = (
        HelpFlag.objects.filter(
            relationship=relationship,
            why=HelpFlag.Why.LAPSED,
            resolved_at__isnull=True,
        )
        .values_list("candidate_lapsed_at", flat=True)
        .first()
    )
    if (
        not relationship.is_active
        or relationship.enrolment.member.is_current
        or lapsed_since is None
        or lapsed_since >= before
    ):
        return 0
    relationship.status = RelationshipStatus.ENDED_EARLY
    relationship.ended_on = timezone.localdate()
    relationship.ended_by = EndedBy.SCHEME
    relationship.end_reason = CANDIDATE_LAPSE_END_REASON.format(days=_grace_days())
    relationship.save()
    _settle_flags(HelpFlag.objects.filter(relationship=relationship), LAPSE_NOT_RENEWED)
    _counted_pair(relationship)
    _tell_pair("mentoring_ended_lapsed", relationship, grace_days=_grace_days())
    return 1
