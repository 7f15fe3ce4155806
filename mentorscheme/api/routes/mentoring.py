"""The candidate's journey through the API: the same services and access as the site."""

from django.db.models import Q
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from mentorscheme.api.auth import require_member
from mentorscheme.api.problems import ApiProblem, error_responses, refusal
from mentorscheme.api.schemas import (
    DeclineIn,
    EndIn,
    EnrolmentIn,
    EnrolmentOut,
    Id,
    MessageIn,
    PageParams,
    RegulationsMoveIn,
    RelationshipOut,
    RequestIn,
    RequestOut,
    WithdrawIn,
    page_of,
    paginate,
)
from mentorscheme.members.access import is_party
from mentorscheme.mentoring import selectors, services
from mentorscheme.mentoring.access import (
    can_read_private_notes,
    get_relationship_or_404,
    get_request_or_404,
)
from mentorscheme.mentoring.forms import LineManagerForm
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.scheme.access import candidate_enrolment_or_none, member_enrolments
from mentorscheme.scheme.models import Enrolment, Qualification, RegulationsVersion

router = Router(tags=["mentoring"])
REFUSALS = error_responses(404, 409)


def _person(principal):
    """Roles of a person signed in to the site (tokens act for no one)."""
    if principal.token is not None:
        raise ApiProblem(
            "forbidden", "This acts for a person: integration tokens cannot use it."
        )
    return principal.roles


# -- enrolments ---------------------------------------------------------------------


def _enrolment_out(enrolment: Enrolment) -> dict:
    return {
        "id": enrolment.pk,
        "qualification": enrolment.qualification.code,
        "regulations": enrolment.regulations.name,
        "enrolled_on": enrolment.enrolled_on,
        "status": enrolment.status,
        "meeting_modes": list(enrolment.meeting_modes),
        "history": [
            {
                "at": change.at,
                "from_status": change.from_status,
                "to_status": change.to_status,
                "from_regulations": change.from_regulations.name
                if change.from_regulations
                else None,
                "to_regulations": change.to_regulations.name
                if change.to_regulations
                else None,
                "note": change.note,
                "source": change.source,
            }
            for change in enrolment.changes.all()
        ],
    }


def _with_history(enrolments):
    return enrolments.select_related("qualification", "regulations").prefetch_related(
        "changes__from_regulations", "changes__to_regulations"
    )


def _own_enrolment(member, enrolment_id: int) -> Enrolment:
    enrolment = _with_history(member_enrolments(member).filter(pk=enrolment_id)).first()
    if enrolment is None:
        raise ApiProblem("not-found", "You have no enrolment with that id.")
    return enrolment


@router.get("/enrolments", response=page_of(EnrolmentOut), summary="Your enrolments")
def enrolments(request, page: Query[PageParams]):
    member = require_member(request.auth)
    mine = _with_history(member_enrolments(member).order_by("-enrolled_on", "-pk"))
    return paginate(mine, page, _enrolment_out)


@router.post(
    "/enrolments/{enrolment_id}/withdraw",
    response={200: EnrolmentOut, **REFUSALS},
    summary="Withdraw from a qualification (its mentoring ends)",
)
def enrolment_withdraw(request, enrolment_id: Id, payload: WithdrawIn):
    member = require_member(request.auth)
    enrolment = _own_enrolment(member, enrolment_id)
    try:
        services.enrolment_withdraw(
            enrolment=enrolment, member=member, reason=payload.reason
        )
    except services.MentoringError as error:
        raise refusal(error) from None
    return _enrolment_out(_own_enrolment(member, enrolment_id))


@router.post(
    "/enrolments/{enrolment_id}/regulations",
    response={200: EnrolmentOut, **REFUSALS},
    summary="Move an enrolment to a newer version of the regulations",
)
def enrolment_move_regulations(request, enrolment_id: Id, payload: RegulationsMoveIn):
    member = require_member(request.auth)
    enrolment = _own_enrolment(member, enrolment_id)
    regulations = RegulationsVersion.objects.filter(
        effective_from=payload.effective_from
    ).first()
    if regulations is None:
        raise ApiProblem(
            "not-found", "No version of the regulations takes effect then."
        )
    try:
        services.enrolment_move_regulations(
            enrolment=enrolment, regulations=regulations, by=member.user
        )
    except services.MentoringError as error:
        raise refusal(error) from None
    return _enrolment_out(_own_enrolment(member, enrolment_id))


def _line_manager_declared(payload: EnrolmentIn, member) -> dict | None:
    """The line-manager declaration, checked as the site's enrolment form checks it;
    None when none is given and the member's earlier one stands."""
    names = ("line_manager", "line_manager_member", "line_manager_name")
    if payload.line_manager is None and member.line_manager_declaration:
        return None
    form = LineManagerForm({name: getattr(payload, name) for name in names})
    if not form.is_valid():
        raise ApiProblem(
            "invalid",
            errors=[
                {"loc": ["body", "payload", name], "msg": message}
                for name, messages in form.errors.items()
                for message in messages
            ],
        )
    return form.declaration()


@router.post(
    "/enrolments",
    response={201: EnrolmentOut, **REFUSALS},
    summary="Enrol on a qualification",
)
def enrolment_create(request, payload: EnrolmentIn):
    member = require_member(request.auth)
    qualification = Qualification.objects.filter(
        code=payload.qualification, is_active=True
    ).first()
    if qualification is None:
        raise ApiProblem(
            "invalid", "No qualification open for enrolment has that code."
        )
    declared = _line_manager_declared(payload, member)
    try:
        enrolment = services.enrolment_create(
            member=member,
            qualification=qualification,
            meeting_modes=[str(mode) for mode in payload.meeting_modes],
            line_manager=declared,
        )
    except services.MentoringError as error:
        raise refusal(error) from None
    return Status(201, _enrolment_out(_own_enrolment(member, enrolment.pk)))


# -- requests -----------------------------------------------------------------------


def _request_out(req: MentoringRequest) -> dict:
    relationship = selectors.relationship_of(req)
    return {
        "id": req.pk,
        "enrolment_id": req.enrolment_id,
        "qualification": req.enrolment.qualification.code,
        "candidate_name": req.enrolment.member.full_name,
        "mentor_id": req.mentor_id,
        "mentor_name": req.mentor.member.full_name,
        "status": req.status,
        "message": req.message,
        "response": req.response,
        "candidate_reply": req.candidate_reply,
        "decline_reason": req.decline_reason,
        "created_at": req.created_at,
        "responded_at": req.responded_at,
        "closed_at": req.closed_at,
        "relationship_id": relationship.pk if relationship else None,
    }


def _reload_request(pk: int) -> MentoringRequest:
    return selectors.requests_with_parties(MentoringRequest.objects).get(pk=pk)


class RequestFilters(Schema):
    side: str | None = Field(
        None,
        pattern="^(candidate|mentor)$",
        description="Only those you sent (candidate) or received (mentor).",
    )


@router.get(
    "/requests", response=page_of(RequestOut), summary="Requests you sent or received"
)
def requests(request, filters: Query[RequestFilters], page: Query[PageParams]):
    member = require_member(request.auth)
    mine = selectors.requests_of(member, side=filters.side)
    return paginate(mine, page, _request_out)


@router.get(
    "/requests/{request_id}",
    response={200: RequestOut, **error_responses(404)},
    summary="One request (for its candidate, its mentor, or the region's officer)",
)
def request_get(request, request_id: Id):
    roles = _person(request.auth)
    return _request_out(get_request_or_404(roles, request_id))


def _candidate_enrolment(principal, member, enrolment_id):
    if enrolment_id is None:
        enrolment = candidate_enrolment_or_none(principal.roles)
        if enrolment is None:
            raise ApiProblem("refused", "You have no open enrolment: enrol first.")
        return enrolment
    enrolment = Enrolment.objects.filter(pk=enrolment_id, member=member).first()
    if enrolment is None:
        raise ApiProblem("not-found", "You have no such enrolment.")
    return enrolment


@router.post(
    "/requests",
    response={201: RequestOut, **REFUSALS},
    summary="Ask a mentor to mentor you",
)
def request_create(request, payload: RequestIn):
    member = require_member(request.auth)
    enrolment = _candidate_enrolment(request.auth, member, payload.enrolment_id)
    mentor = (
        MentorProfile.objects.select_related("member")
        .filter(pk=payload.mentor_id, status=MentorStatus.LISTED)
        .first()
    )
    if mentor is None:
        raise ApiProblem("not-found", "There is no such mentor in the directory.")
    try:
        created = services.request_create(
            enrolment=enrolment, mentor=mentor, message=payload.message
        )
    except services.MentoringError as error:
        raise refusal(error) from None
    return Status(201, _request_out(_reload_request(created.pk)))


def _request_as(principal, request_id: int, side: str) -> MentoringRequest:
    """The request, if this person is its ``side`` ("mentor" or "candidate")."""
    require_member(principal)
    req = get_request_or_404(principal.roles, request_id)
    party = req.mentor.member_id if side == "mentor" else req.enrolment.member_id
    if not is_party(principal.roles, party):
        raise ApiProblem("forbidden", f"Only the request's {side} can do this.")
    return req


def _act(action, **kwargs):
    try:
        return action(**kwargs)
    except services.MentoringError as error:
        raise refusal(error) from None


@router.post(
    "/requests/{request_id}/accept",
    response={200: RequestOut, **REFUSALS},
    summary="Accept a request (the mentor)",
)
def request_accept(
    request,
    request_id: Id,
    not_line_manager: bool = Query(
        False,
        description="The mentor confirms they do not line-manage the candidate; "
        "acceptance is refused without it.",
    ),
):
    req = _request_as(request.auth, request_id, "mentor")
    _act(
        services.request_accept,
        request=req,
        mentor=req.mentor,
        confirms_not_line_manager=not_line_manager,
    )
    return _request_out(_reload_request(req.pk))


@router.post(
    "/requests/{request_id}/decline",
    response={200: RequestOut, **REFUSALS},
    summary="Decline a request, with a reason (the mentor)",
)
def request_decline(request, request_id: Id, payload: DeclineIn):
    req = _request_as(request.auth, request_id, "mentor")
    _act(
        services.request_decline,
        request=req,
        mentor=req.mentor,
        reason=str(payload.reason),
        message=payload.message,
    )
    return _request_out(_reload_request(req.pk))


@router.post(
    "/requests/{request_id}/ask-more",
    response={200: RequestOut, **REFUSALS},
    summary="Ask the candidate for more information (the mentor)",
)
def request_ask_more(request, request_id: Id, payload: MessageIn):
    req = _request_as(request.auth, request_id, "mentor")
    _act(
        services.request_ask_more,
        request=req,
        mentor=req.mentor,
        message=payload.message,
    )
    return _request_out(_reload_request(req.pk))


@router.post(
    "/requests/{request_id}/reply",
    response={200: RequestOut, **REFUSALS},
    summary="Answer the mentor's question (the candidate)",
)
def request_reply(request, request_id: Id, payload: MessageIn):
    req = _request_as(request.auth, request_id, "candidate")
    _act(
        services.request_reply,
        request=req,
        candidate=request.auth.member,
        reply=payload.message,
    )
    return _request_out(_reload_request(req.pk))


@router.post(
    "/requests/{request_id}/withdraw",
    response={200: RequestOut, **REFUSALS},
    summary="Withdraw your request (the candidate)",
)
def request_withdraw(request, request_id: Id):
    req = _request_as(request.auth, request_id, "candidate")
    _act(services.request_withdraw, request=req, candidate=request.auth.member)
    return _request_out(_reload_request(req.pk))


# -- relationships ------------------------------------------------------------------


def _relationship_out(relationship, *, meetings=None) -> dict:
    return {
        "id": relationship.pk,
        "enrolment_id": relationship.enrolment_id,
        "qualification": relationship.enrolment.qualification.code,
        "candidate_name": relationship.enrolment.member.full_name,
        "mentor_id": relationship.mentor_id,
        "mentor_name": relationship.mentor.member.full_name,
        "status": relationship.status,
        "started_on": relationship.started_on,
        "ended_on": relationship.ended_on,
        "ended_by": relationship.ended_by,
        "end_reason": relationship.end_reason,
        "meetings": None
        if meetings is None
        else [
            {
                "id": m.pk,
                "held_on": m.held_on,
                "mode": m.mode,
                "duration_minutes": m.duration_minutes,
                "notes": m.notes,
                "action_points": m.action_points,
            }
            for m in meetings
        ],
    }


@router.get(
    "/relationships",
    response=page_of(RelationshipOut),
    summary="Your mentoring relationships, as candidate or mentor",
)
def relationships(request, page: Query[PageParams]):
    member = require_member(request.auth)
    mine = (
        MentoringRelationship.objects.filter(
            Q(enrolment__member=member) | Q(mentor__member=member)
        )
        .select_related(
            "enrolment__member", "enrolment__qualification", "mentor__member"
        )
        .order_by("-started_on", "-pk")
    )
    return paginate(mine, page, _relationship_out)


def _with_meetings(principal, relationship) -> dict:
    may_read = can_read_private_notes(principal.roles, relationship, principal.user)
    meetings = (
        list(relationship.meetings.filter(removed_at__isnull=True))
        if may_read
        else None
    )
    return _relationship_out(relationship, meetings=meetings)


@router.get(
    "/relationships/{relationship_id}",
    response={200: RelationshipOut, **error_responses(404)},
    summary="One relationship, with its meeting log for the pair",
)
def relationship_get(request, relationship_id: Id):
    roles = _person(request.auth)
    relationship = get_relationship_or_404(roles, relationship_id)
    return _with_meetings(request.auth, relationship)


def _party_relationship(principal, relationship_id: int):
    member = require_member(principal)
    relationship = get_relationship_or_404(principal.roles, relationship_id)
    if not is_party(
        principal.roles, relationship.enrolment.member_id, relationship.mentor.member_id
    ):
        raise ApiProblem("forbidden", "Only the mentor and candidate can do this.")
    return member, relationship


@router.post(
    "/relationships/{relationship_id}/end",
    response={200: RelationshipOut, **REFUSALS},
    summary="End mentoring early, with a reason (either side)",
)
def relationship_end(request, relationship_id: Id, payload: EndIn):
    member, relationship = _party_relationship(request.auth, relationship_id)
    _act(
        services.relationship_end,
        relationship=relationship,
        member=member,
        reason=payload.reason,
    )
    relationship = get_relationship_or_404(request.auth.roles, relationship_id)
    return _with_meetings(request.auth, relationship)


@router.post(
    "/relationships/{relationship_id}/complete",
    response={200: RelationshipOut, **REFUSALS},
    summary="Confirm that mentoring is complete (each side; complete once both have)",
)
def relationship_complete(
    request,
    relationship_id: Id,
    reason: str = Query(
        "",
        max_length=3000,
        description="Why mentoring is complete without a logged meeting, if none is.",
    ),
):
    member, relationship = _party_relationship(request.auth, relationship_id)
    _act(
        services.relationship_confirm_completion,
        relationship=relationship,
        member=member,
        reason=reason,
    )
    relationship = get_relationship_or_404(request.auth.roles, relationship_id)
    return _with_meetings(request.auth, relationship)
