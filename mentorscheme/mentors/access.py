"""Who may see the mentor directory and review mentors, their evidence of training."""

from django.db.models import OuterRef, Subquery
from django.http import Http404

from mentorscheme.members.access import Roles, is_party, register_role
from mentorscheme.mentors.models import MentorProfile, MentorStatus, TrainingEvidence


def can_use_directory(roles: Roles) -> bool:
    return roles.is_staff or roles.is_officer or roles.is_candidate


def can_review_mentors(roles: Roles) -> bool:
    return roles.is_staff or bool(roles.mentor_side_region_ids)


def mentors_to_review(roles: Roles):
    """Mentor profiles this person may review: their regions' (staff: all)."""
    profiles = MentorProfile.objects.select_related("member__region")
    if roles.is_staff:
        return profiles
    return profiles.filter(member__region_id__in=roles.mentor_side_region_ids)


def get_mentor_to_review_or_404(roles: Roles, profile_id: int):
    try:
        return mentors_to_review(roles).get(pk=profile_id)
    except MentorProfile.DoesNotExist:
        raise Http404("No such mentor") from None


def get_training_evidence_or_404(roles: Roles, evidence_id: int):
    """Evidence of training: for the member who sent it and whoever reviews mentors."""
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


def register_mentor_role() -> None:
    """A current member with a mentor profile that is not retired is a mentor.

    The profile's status is kept on the member (``roles_mentor_status``) for the
    navigation, which names the mentor's page by it.
    """
    register_role(
        "is_mentor",
        annotations=lambda: {
            "roles_mentor_status": Subquery(
                MentorProfile.objects.filter(member=OuterRef("pk")).values("status")[:1]
            )
        },
        holds=lambda member: (
            member.roles_mentor_status not in (None, MentorStatus.RETIRED)
        ),
    )
