"""The register, kept in step by the membership database (scope members:write).

Registration staff signed in to the site have the scope too, but, as on the site,
none of them changes their own record or enrolment, or that of someone they
line-manage (403 forbidden).
"""

from django.db.models import Prefetch
from ninja import Path, Router
from ninja.responses import Status

from mentorscheme.api import services
from mentorscheme.api.auth import refuse_own_case, require_scope
from mentorscheme.api.models import Scope
from mentorscheme.api.problems import ApiProblem, error_responses
from mentorscheme.api.schemas import (
    MEMBERSHIP_NUMBER,
    AwardIn,
    AwardOut,
    EnrolmentStatusIn,
    EnrolmentStatusOut,
    MemberIn,
    MemberOut,
)
from mentorscheme.members.models import Member, RegistrationAward
from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.scheme.models import Enrolment

router = Router(tags=["register"])
PERSON_LIMIT = (
    "For the membership database (an integration token). Registration staff signed "
    "in to the site may use it too, but not for their own record or enrolment, nor "
    "for those of someone they line-manage, as the register or that member's "
    "declaration records it: that is refused with 403 forbidden."
)
Number = Path(..., pattern=MEMBERSHIP_NUMBER, description="The membership number.")


def _member_out(member: Member, *, created: bool = False) -> dict:
    member = (
        Member.objects.select_related(
            "region", "organisation__organisation_type", "line_manager"
        )
        .prefetch_related(
            Prefetch(
                "awards", queryset=RegistrationAward.objects.select_related("level")
            )
        )
        .get(pk=member.pk)
    )
    awards = list(member.awards.all())
    level = member.current_level(awards)
    organisation = member.organisation
    return {
        "membership_number": member.membership_number,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "region": member.region.code,
        "membership_status": member.membership_status,
        "job_title": member.job_title,
        "organisation": organisation.name if organisation else None,
        "organisation_type": organisation.organisation_type.code
        if organisation
        else None,
        "line_manager": member.line_manager.membership_number
        if member.line_manager
        else None,
        "current_level": level.code if level else None,
        "awards": [_award_out(a) for a in awards],
        "created": created,
    }


def _award_out(award: RegistrationAward) -> dict:
    return {
        "level": award.level.code,
        "awarded_on": award.awarded_on,
        "last_revalidated_on": award.last_revalidated_on,
        "removed_on": award.removed_on,
        "on_register": award.is_on_register,
    }


@router.get(
    "/members/{membership_number}",
    response={200: MemberOut, **error_responses(404)},
    summary="Read one member of the register",
)
def member_get(request, membership_number: str = Number):
    require_scope(request.auth, Scope.MEMBERS_WRITE)
    member = Member.objects.filter(membership_number=membership_number).first()
    if member is None:
        raise ApiProblem("not-found", f"No member {membership_number}.")
    return _member_out(member)


@router.put(
    "/members/{membership_number}",
    response={200: MemberOut, 201: MemberOut, **error_responses(409)},
    summary="Create or update a member, by membership number",
    description=PERSON_LIMIT,
)
def member_put(request, payload: MemberIn, membership_number: str = Number):
    require_scope(request.auth, Scope.MEMBERS_WRITE)
    existing = Member.objects.filter(membership_number=membership_number).first()
    for subject in (existing, Member(email=payload.email)):
        if subject is not None:
            refuse_own_case(request.auth, subject)
    member, created = services.member_upsert(
        membership_number=membership_number,
        data=services.MemberData(**payload.dict()),
    )
    mentoring_services.register_changed(member_ids=[member.pk])
    return Status(201 if created else 200, _member_out(member, created=created))


@router.put(
    "/members/{membership_number}/awards/{level}",
    response={200: AwardOut, 201: AwardOut, **error_responses(404, 409)},
    summary="Create or update a member's registration award at one level",
    description=PERSON_LIMIT,
)
def award_put(
    request,
    payload: AwardIn,
    membership_number: str = Number,
    level: str = Path(..., pattern=r"^[a-z0-9_-]{1,40}$", description="Level code."),
):
    require_scope(request.auth, Scope.MEMBERS_WRITE)
    member = Member.objects.filter(membership_number=membership_number).first()
    if member is not None:
        refuse_own_case(request.auth, member)
    award, created = services.award_upsert(
        membership_number=membership_number,
        level_code=level,
        data=services.AwardData(**payload.dict()),
    )
    mentoring_services.register_changed(member_ids=[award.member_id])
    return Status(201 if created else 200, _award_out(award))


@router.put(
    "/members/{membership_number}/enrolments/{qualification}",
    response={200: EnrolmentStatusOut, **error_responses(404, 409)},
    summary="Record an enrolment's step: submitted, the outcome, or further "
    "information requested",
    description=PERSON_LIMIT,
)
def enrolment_status_put(
    request,
    payload: EnrolmentStatusIn,
    membership_number: str = Number,
    qualification: str = Path(
        ..., pattern=r"^[a-z0-9_-]{1,40}$", description="Qualification code."
    ),
):
    require_scope(request.auth, Scope.MEMBERS_WRITE)
    enrolment = (
        Enrolment.objects.filter(
            member__membership_number=membership_number,
            qualification__code=qualification,
        )
        .order_by("-enrolled_on", "-pk")
        .first()
    )
    if enrolment is None:
        raise ApiProblem(
            "not-found", "That member has no enrolment on that qualification."
        )
    refuse_own_case(request.auth, enrolment.member)
    try:
        enrolment = mentoring_services.enrolment_set_status(
            enrolment=enrolment,
            status=payload.status,
            by=request.auth.person,
            note=payload.note,
            source="api",
        )
    except mentoring_services.MentoringError as error:
        raise ApiProblem("refused", str(error)) from None
    return {
        "membership_number": membership_number,
        "qualification": qualification,
        "status": enrolment.status,
        "enrolled_on": enrolment.enrolled_on,
    }
