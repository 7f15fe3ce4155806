"""Who may see a mentoring request, a relationship, its private notes, a help flag."""

from django.http import Http404

from mentorscheme.members.access import Roles, can_act_in_region, is_party
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)


def get_request_or_404(roles: Roles, request_id: int):
    """A mentoring request, for its candidate, its mentor, or an officer of the region."""
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


def can_read_private_notes(roles: Roles, relationship, user, accesses=None) -> bool:
    """The pair always; an officer or staff only after recording a reason.

    ``accesses``: the relationship's records of such reasons, when read already (its
    page lists them), so that none is looked up again."""
    if is_party(roles, relationship.enrolment.member_id, relationship.mentor.member_id):
        return True
    if accesses is not None:
        return any(access.officer_id == user.pk for access in accesses)
    return relationship.notes_accesses.filter(officer=user).exists()


def can_act_for_candidates(roles: Roles, region_id: int) -> bool:
    """Decisions on a candidate's mentoring (ending it as an officer, reopening a
    completion) belong to the candidates' side of their region (a Candidate Support
    Officer or a support officer), or to staff."""
    return roles.is_staff or region_id in roles.candidate_side_region_ids


def get_help_flag_or_404(roles: Roles, flag_id: int):
    """An open or resolved help flag, for the candidates' side of the region."""
    flags = HelpFlag.objects.select_related("enrolment__member")
    flag = flags.filter(pk=flag_id).first()
    if flag is None or not (
        roles.is_staff
        or flag.enrolment.member.region_id in roles.candidate_side_region_ids
    ):
        raise Http404("No such help flag")
    return flag
