"""Who may see and do what: the one place to audit it.

Every view and API endpoint asks this module, never the models directly. Roles follow
from the records: a *candidate* has an open enrolment, a *mentor* has a mentor profile,
a *Mentor Support Officer* holds an appointment in office today for one or more regions,
and *staff* is the Django staff flag. Only a current member holds any of the first three.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from mentorscheme.members.models import Member


@dataclass(frozen=True)
class Roles:
    member: Member | None = None
    is_staff: bool = False
    is_candidate: bool = False
    is_mentor: bool = False
    officer_region_ids: frozenset[int] = field(default_factory=frozenset)
    #: Regions where the person looks after the mentors' side (MSO or support officer)
    mentor_side_region_ids: frozenset[int] = field(default_factory=frozenset)
    #: Regions where the person looks after the candidates' side (CSO or support officer)
    candidate_side_region_ids: frozenset[int] = field(default_factory=frozenset)
    #: Whether the account has TOTP set up (None when no member record was read).
    has_totp: bool | None = None

    @property
    def is_officer(self) -> bool:
        return bool(self.officer_region_ids)

    @property
    def is_authenticated(self) -> bool:
        return self.member is not None or self.is_staff


ANONYMOUS = Roles()


def roles_for(user, today: datetime.date | None = None) -> Roles:
    """The user's roles, computed once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_mentorscheme_roles", None)
    if cached is not None and today is None:
        return cached
    roles = _compute_roles(user, today or timezone.localdate())
    user._mentorscheme_roles = roles
    return roles


def _compute_roles(user, today: datetime.date) -> Roles:
    """The member record with what the roles need, in one query."""
    from allauth.mfa.models import Authenticator
    from django.db.models import Exists, OuterRef, Subquery

    from mentorscheme.members.models import OfficerAppointment
    from mentorscheme.mentors.models import MentorProfile, MentorStatus
    from mentorscheme.scheme.models import OPEN_ENROLMENT_STATUSES, Enrolment

    member = (
        Member.objects.filter(user_id=user.pk)
        .annotate(
            roles_mentor_status=Subquery(
                MentorProfile.objects.filter(member=OuterRef("pk")).values("status")[:1]
            ),
            roles_enrolled=Exists(
                Enrolment.objects.filter(
                    member=OuterRef("pk"), status__in=OPEN_ENROLMENT_STATUSES
                )
            ),
            roles_appointed=Exists(
                OfficerAppointment.objects.filter(member=OuterRef("pk"))
            ),
            roles_totp=Exists(
                Authenticator.objects.filter(
                    user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP
                )
            ),
        )
        .first()
    )
    if member is None:
        return Roles(is_staff=user.is_staff)
    has_totp = member.roles_totp
    if not member.is_current:
        return Roles(member=member, is_staff=user.is_staff, has_totp=has_totp)
    from mentorscheme.members.officers import CANDIDATES, MENTORS, SIDE_ROLES

    # Appointments are read only by those who hold one.
    held = [
        (a.region_id, a.role)
        for a in (member.appointments.all() if member.roles_appointed else ())
        if a.is_in_office(today)
    ]
    return Roles(
        member=member,
        is_staff=user.is_staff,
        is_candidate=member.roles_enrolled,
        is_mentor=member.roles_mentor_status not in (None, MentorStatus.RETIRED),
        officer_region_ids=frozenset(region for region, _ in held),
        mentor_side_region_ids=frozenset(
            region for region, role in held if role in SIDE_ROLES[MENTORS]
        ),
        candidate_side_region_ids=frozenset(
            region for region, role in held if role in SIDE_ROLES[CANDIDATES]
        ),
        has_totp=has_totp,
    )


def requires_two_factor(roles: Roles) -> bool:
    return roles.is_staff or roles.is_officer


def can_act_in_region(roles: Roles, region_id: int) -> bool:
    return roles.is_staff or region_id in roles.officer_region_ids


def can_use_directory(roles: Roles) -> bool:
    return roles.is_staff or roles.is_officer or roles.is_candidate


def can_browse_register(roles: Roles) -> bool:
    return roles.is_staff or roles.is_officer


def can_triage_feedback(roles: Roles) -> bool:
    return roles.is_staff


def can_edit_guidance(roles: Roles) -> bool:
    return roles.is_staff


def can_read_outbox(roles: Roles) -> bool:
    return roles.is_staff


def visible_members(roles: Roles):
    """The members this person may look up in the register."""
    if roles.is_staff:
        return Member.objects.all()
    if roles.is_officer:
        return Member.objects.filter(region_id__in=roles.officer_region_ids)
    if roles.member is not None:
        return Member.objects.filter(pk=roles.member.pk)
    return Member.objects.none()


def get_member_or_404(roles: Roles, member_id: int) -> Member:
    try:
        return (
            visible_members(roles)
            .select_related("region", "organisation__organisation_type", "line_manager")
            .get(pk=member_id)
        )
    except Member.DoesNotExist:
        raise Http404("No such member") from None


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def mentors_to_review(roles: Roles):
    """Mentor profiles this person may review: their regions' (staff: all)."""
    from mentorscheme.mentors.models import MentorProfile

    profiles = MentorProfile.objects.select_related("member__region")
    if roles.is_staff:
        return profiles
    return profiles.filter(member__region_id__in=roles.mentor_side_region_ids)


def get_mentor_to_review_or_404(roles: Roles, profile_id: int):
    from mentorscheme.mentors.models import MentorProfile

    try:
        return mentors_to_review(roles).get(pk=profile_id)
    except MentorProfile.DoesNotExist:
        raise Http404("No such mentor") from None


def get_training_evidence_or_404(roles: Roles, evidence_id: int):
    """Evidence of training: for the member who sent it and whoever reviews mentors."""
    from mentorscheme.mentors.models import TrainingEvidence

    item = (
        TrainingEvidence.objects.select_related("profile__member")
        .filter(pk=evidence_id)
        .first()
    )
    if item is None or not (
        is_party(roles, item.profile.member_id)
        or mentors_to_review(roles).filter(pk=item.profile_id).exists()
    ):
        raise Http404("No such evidence")
    return item


def events_to_manage(roles: Roles):
    from mentorscheme.training.models import TrainingEvent

    events = TrainingEvent.objects.select_related("region")
    if roles.is_staff:
        return events
    return events.filter(region_id__in=roles.mentor_side_region_ids)


def may_join_online(roles: Roles, event_ids) -> set[int]:
    """Of these events (pks, or a query of them), those whose joining link this
    person may see: the ones they hold a place on, and the ones they run (officers
    of the region, staff)."""
    from mentorscheme.training.models import PLACE_STATUSES, Booking

    allowed = set(
        events_to_manage(roles).filter(pk__in=event_ids).values_list("pk", flat=True)
    )
    if roles.member is not None:
        allowed |= set(
            Booking.objects.filter(
                member=roles.member, event_id__in=event_ids, status__in=PLACE_STATUSES
            ).values_list("event_id", flat=True)
        )
    return allowed


def get_event_to_manage_or_404(roles: Roles, event_id: int):
    from mentorscheme.training.models import TrainingEvent

    try:
        return events_to_manage(roles).get(pk=event_id)
    except TrainingEvent.DoesNotExist:
        raise Http404("No such event") from None


def can_manage_events(roles: Roles) -> bool:
    """Training, workshops and briefings: the mentors' side (MSO) and staff."""
    return roles.is_staff or bool(roles.mentor_side_region_ids)


def can_review_mentors(roles: Roles) -> bool:
    return roles.is_staff or bool(roles.mentor_side_region_ids)


def can_publish_briefings(roles: Roles) -> bool:
    return roles.is_staff


def get_request_or_404(roles: Roles, request_id: int):
    """A mentoring request, for its candidate, its mentor, or an officer of the region."""
    from mentorscheme.mentoring.models import MentoringRequest

    request = (
        MentoringRequest.objects.select_related(
            "enrolment__member", "enrolment__qualification", "mentor__member"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None or not (
        is_party(roles, request.enrolment.member_id, request.mentor.member_id)
        or can_act_in_region(roles, request.enrolment.member.region_id)
    ):
        raise Http404("No such request")
    return request


def get_relationship_or_404(roles: Roles, relationship_id: int):
    """A relationship, for the pair and for officers of the candidate's region."""
    from mentorscheme.mentoring.models import MentoringRelationship

    relationship = (
        MentoringRelationship.objects.select_related(
            "enrolment__member__region", "enrolment__qualification", "mentor__member"
        )
        .filter(pk=relationship_id)
        .first()
    )
    if relationship is None or not (
        is_party(roles, relationship.enrolment.member_id, relationship.mentor.member_id)
        or can_act_in_region(roles, relationship.enrolment.member.region_id)
    ):
        raise Http404("No such mentoring relationship")
    return relationship


def is_party(roles: Roles, *member_ids: int) -> bool:
    return roles.member is not None and roles.member.pk in member_ids


def can_read_private_notes(roles: Roles, relationship, user) -> bool:
    """The pair always; an officer or staff only after recording a reason."""
    if is_party(roles, relationship.enrolment.member_id, relationship.mentor.member_id):
        return True
    return relationship.notes_accesses.filter(officer=user).exists()


def candidate_open_enrolments(roles: Roles):
    """The candidate's open enrolments: those using mentors first, then newest."""
    from mentorscheme.scheme.models import OPEN_ENROLMENT_STATUSES, Enrolment

    if roles.member is None or not roles.is_candidate:
        return Enrolment.objects.none()
    return (
        Enrolment.objects.filter(
            member=roles.member, status__in=OPEN_ENROLMENT_STATUSES
        )
        .select_related("qualification", "regulations", "member__declared_line_manager")
        .order_by("-qualification__uses_mentors", "-enrolled_on", "-pk")
    )


def candidate_enrolment_or_none(roles: Roles, enrolment_id: int | None = None):
    """One open enrolment of the candidate: the one asked for, if it is theirs,
    else the newest that uses mentors (else the newest)."""
    enrolments = candidate_open_enrolments(roles)
    if enrolment_id is not None:
        chosen = enrolments.filter(pk=enrolment_id).first()
        if chosen is not None:
            return chosen
    return enrolments.first()


# -- oversight (dashboards, allocation runs, reports, administration, audit) ----------


def can_oversee(roles: Roles) -> bool:
    """The officer dashboard, allocation runs and reports: officers and staff."""
    return roles.is_staff or roles.is_officer


def can_administer_scheme(roles: Roles) -> bool:
    return roles.is_staff


def can_read_audit_log(roles: Roles) -> bool:
    return roles.is_staff


def oversight_region_ids(roles: Roles, region_id: int | None = None):
    """The regions a page shows: None means every region (staff, unfiltered).

    A region asked for by id must be one the person may act in, else 404.
    """
    if region_id is not None:
        if not can_act_in_region(roles, region_id):
            raise Http404("No such region")
        return frozenset({region_id})
    if roles.is_staff:
        return None
    return roles.officer_region_ids


def can_allocate(roles: Roles) -> bool:
    """Bulk allocation is the candidates' side: Candidate Support Officers and staff."""
    return roles.is_staff or bool(roles.candidate_side_region_ids)


def allocation_region_ids(roles: Roles, region_id: int | None = None):
    """The regions an allocation run covers: None means every region (staff)."""
    if region_id is not None:
        if not (roles.is_staff or region_id in roles.candidate_side_region_ids):
            raise Http404("No such region")
        return frozenset({region_id})
    return None if roles.is_staff else roles.candidate_side_region_ids


def allocation_runs_visible(roles: Roles):
    """Runs this person may see: staff all; a Candidate Support Officer those within
    their regions."""
    from mentorscheme.members.models import Region
    from mentorscheme.oversight.models import AllocationRun

    runs = AllocationRun.objects.select_related("created_by", "published_by")
    if roles.is_staff:
        return runs
    if not roles.candidate_side_region_ids:
        return runs.none()
    elsewhere = Region.objects.exclude(pk__in=roles.candidate_side_region_ids)
    return (
        runs.filter(all_regions=False, regions__isnull=False)
        .exclude(regions__in=elsewhere)
        .distinct()
    )


def get_allocation_run_or_404(roles: Roles, run_id: int):
    from mentorscheme.oversight.models import AllocationRun

    try:
        return allocation_runs_visible(roles).get(pk=run_id)
    except AllocationRun.DoesNotExist:
        raise Http404("No such allocation run") from None


def get_help_flag_or_404(roles: Roles, flag_id: int):
    """An open or resolved help flag, for the candidates' side of the region."""
    from mentorscheme.mentoring.models import HelpFlag

    flags = HelpFlag.objects.select_related("enrolment__member")
    flag = flags.filter(pk=flag_id).first()
    if flag is None or not (
        roles.is_staff
        or flag.enrolment.member.region_id in roles.candidate_side_region_ids
    ):
        raise Http404("No such help flag")
    return flag


# -- the API and data protection -------------------------------------------------------


def can_manage_api_tokens(roles: Roles) -> bool:
    return roles.is_staff


def can_erase_members(roles: Roles) -> bool:
    """Erasing a member's personal data on request is for the registration team."""
    return roles.is_staff
