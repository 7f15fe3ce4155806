"""A candidate's own enrolments, and how being a candidate is read from them."""

from django.db.models import Exists, OuterRef

from mentorscheme.members.access import Roles, register_role
from mentorscheme.members.models import Member
from mentorscheme.scheme.models import OPEN_ENROLMENT_STATUSES, Enrolment


def member_enrolments(member: Member):
    """Every enrolment of the member, open or closed: theirs to see, no one else's."""
    return Enrolment.objects.filter(member=member)


#: Open enrolments with their qualification and regulations, built once a
#: process and filtered per candidate; unordered, for a caller that puts a
#: candidate's few in order itself.
_OPEN_ENROLMENTS = (
    Enrolment.objects.filter(status__in=OPEN_ENROLMENT_STATUSES)
    .select_related("qualification", "regulations")
    .order_by()
)
_USING_MENTORS_THEN_NEWEST = ("-qualification__uses_mentors", "-enrolled_on", "-pk")
_OPEN_ENROLMENTS_ORDERED = _OPEN_ENROLMENTS.order_by(*_USING_MENTORS_THEN_NEWEST)


def candidate_open_enrolments(roles: Roles, enrolments=None):
    """The candidate's open enrolments: those using mentors first, then newest.

    Of ``enrolments`` when given (enrolments read with more, built once a process
    by the caller), else with their qualification and regulations."""
    if roles.member is None or not roles.is_candidate:
        return Enrolment.objects.none()
    if enrolments is not None:
        return enrolments.filter(
            status__in=OPEN_ENROLMENT_STATUSES, member=roles.member
        ).order_by(*_USING_MENTORS_THEN_NEWEST)
    return _OPEN_ENROLMENTS_ORDERED.filter(member=roles.member)


def _theirs(roles: Roles, enrolment):
    """The enrolment with its member record: the one the roles read this request
    (the same row, so it is not joined again)."""
    if enrolment is not None:
        enrolment.member = roles.member
    return enrolment


def candidate_enrolment_or_none(roles: Roles, enrolment_id: int | None = None):
    """One open enrolment of the candidate: the one asked for, if it is theirs,
    else the newest that uses mentors (else the newest)."""
    enrolments = candidate_open_enrolments(roles)
    if enrolment_id is not None:
        chosen = enrolments.filter(pk=enrolment_id).first()
        if chosen is not None:
            return _theirs(roles, chosen)
    return _theirs(roles, enrolments.first())


def _open_enrolments_unordered(roles: Roles):
    if roles.member is None or not roles.is_candidate:
        return []
    return _OPEN_ENROLMENTS.filter(member=roles.member)


def candidate_enrolment_and_others(roles: Roles, enrolment_id: int | None = None):
    """The enrolment ``candidate_enrolment_or_none`` gives, and the candidate's
    other open enrolments, in one query (a candidate has only a few, so they are
    put in order here: an ordered query makes Django hash every column it reads)."""
    enrolments = sorted(
        (_theirs(roles, e) for e in _open_enrolments_unordered(roles)),
        key=lambda e: (e.qualification.uses_mentors, e.enrolled_on, e.pk),
        reverse=True,
    )
    chosen = next(
        (e for e in enrolments if e.pk == enrolment_id),
        enrolments[0] if enrolments else None,
    )
    return chosen, [e for e in enrolments if e is not chosen]


def register_candidate_role() -> None:
    """A current member with an open enrolment is a candidate."""
    register_role(
        "is_candidate",
        annotations=lambda: {
            "roles_enrolled": Exists(
                Enrolment.objects.filter(
                    member=OuterRef("pk"), status__in=OPEN_ENROLMENT_STATUSES
                )
            )
        },
        holds=lambda member: bool(member.roles_enrolled),
    )
