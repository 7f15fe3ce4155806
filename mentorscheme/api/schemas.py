"""Shapes of what the API takes and gives, and the checks every input passes."""

import datetime
import re
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, Field, create_model

from mentorscheme.members.models import LineManagerDeclaration, MembershipStatus
from mentorscheme.mentoring.models import DeclineReason
from mentorscheme.mentors.models import MeetingMode

MAX_LIMIT = 100
# Ids are database keys: anything larger would overflow the column, not just miss.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str) -> str:
    """Refuse what no database column should hold: control characters, surrogates."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value.strip()


def text(max_length: int, *, min_length: int = 0):
    return Annotated[
        str,
        Field(max_length=max_length, min_length=min_length),
        AfterValidator(_clean),
    ]


Code = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]
MEMBERSHIP_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$"


class PageParams(Schema):
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="At most 100.")
    offset: int = Field(0, ge=0, le=1_000_000)


def page_of(item_schema: type[Schema]) -> type[Schema]:
    return create_model(
        f"{item_schema.__name__.removesuffix('Out')}Page",
        __base__=Schema,
        count=(int, ...),
        limit=(int, ...),
        offset=(int, ...),
        items=(list[item_schema], ...),
    )


def paginate(items, params: PageParams, convert=None) -> dict:
    """One page of a list or a query set, with the total count."""
    count = len(items) if isinstance(items, list) else items.count()
    window = items[params.offset : params.offset + params.limit]
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": [convert(item) for item in window] if convert else list(window),
    }


# -- who am I ------------------------------------------------------------------------


class MeOut(Schema):
    kind: str = Field(description='"token" or "user".')
    token_name: str | None = None
    scopes: list[str]
    membership_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_candidate: bool = False
    is_mentor: bool = False
    is_staff: bool = False
    officer_regions: list[str] = []


# -- the register ----------------------------------------------------------------------


class MemberIn(Schema):
    first_name: text(100, min_length=1)
    last_name: text(100, min_length=1)
    email: text(254, min_length=3)
    region: text(40, min_length=1) = Field(description="A region code, e.g. london.")
    membership_status: MembershipStatus
    job_title: text(200) = ""
    organisation: text(200) = Field("", description="The employer's name.")
    organisation_type: text(40) = Field(
        "", description="Its type's code, e.g. public; needed with an organisation."
    )
    line_manager: text(20) = Field("", description="The manager's membership number.")


class AwardIn(Schema):
    awarded_on: datetime.date
    last_revalidated_on: datetime.date | None = None
    removed_on: datetime.date | None = None


class EnrolmentStatusIn(Schema):
    status: Literal["submitted", "awarded", "unsuccessful", "further_info"] = Field(
        description="submitted, awarded, unsuccessful or further_info (further "
        "information requested)."
    )
    note: text(3000) = Field("", description="Words for the candidate, if any.")


class EnrolmentStatusOut(Schema):
    membership_number: str
    qualification: str
    status: str
    enrolled_on: datetime.date


class AwardOut(Schema):
    level: str
    awarded_on: datetime.date
    last_revalidated_on: datetime.date | None
    removed_on: datetime.date | None
    on_register: bool


class MemberOut(Schema):
    membership_number: str
    first_name: str
    last_name: str
    email: str
    region: str
    membership_status: str
    job_title: str
    organisation: str | None
    organisation_type: str | None
    line_manager: str | None
    current_level: str | None
    awards: list[AwardOut]
    created: bool = False


# -- the directory -------------------------------------------------------------------


class ReasonOut(Schema):
    code: str
    text: str
    warning: bool


class MentorOut(Schema):
    """A mentor as the directory shows them: never their contact details."""

    id: int
    first_name: str
    last_name: str
    job_title: str
    organisation_type: str | None
    region: str
    level: str | None
    statement: str
    meeting_modes: list[str]
    qualifications: list[str]
    free_places: int
    up_to_date: bool = Field(
        description="Briefed on the regulations the candidate's enrolment is under "
        "(for anyone else: on those in force), or within the grace period after them."
    )
    score: float
    reasons: list[ReasonOut]
    requested: bool


# -- the candidate's journey ------------------------------------------------------------


class EnrolmentIn(Schema):
    qualification: Code
    meeting_modes: list[MeetingMode] = Field(default_factory=list, max_length=6)
    line_manager: LineManagerDeclaration | None = Field(
        None,
        description="Who the candidate's line manager is, as the site's enrolment "
        "form asks: `member` (a member of the body: give `line_manager_member`), "
        "`not_member` (give `line_manager_name`) or `none` (no line manager, or "
        "self-employed). A line manager cannot mentor someone they manage. Left "
        "out, the candidate's earlier declaration stands; required when they have "
        "never declared one.",
    )
    line_manager_member: text(200) = Field(
        "",
        description="With `member`: their membership number, or their full name "
        "as on the register.",
    )
    line_manager_name: text(200) = Field(
        "", description="With `not_member`: their name."
    )


class EnrolmentChangeOut(Schema):
    """One step in an enrolment's history: a change of status or of regulations."""

    at: datetime.datetime
    from_status: str
    to_status: str
    from_regulations: str | None
    to_regulations: str | None
    note: str
    source: str


class EnrolmentOut(Schema):
    id: int
    qualification: str
    regulations: str
    enrolled_on: datetime.date
    status: str
    meeting_modes: list[str]
    history: list[EnrolmentChangeOut]


class WithdrawIn(Schema):
    reason: text(2000) = ""


class RegulationsMoveIn(Schema):
    effective_from: datetime.date = Field(
        description="The version of the regulations to move to, by the date it "
        "takes effect (newer than the enrolment's own)."
    )


class RequestIn(Schema):
    mentor_id: Id
    message: text(5000, min_length=1)
    enrolment_id: Id | None = Field(
        None, description="Which enrolment; your open one when left out."
    )


class DeclineIn(Schema):
    reason: DeclineReason
    message: text(5000) = ""


class MessageIn(Schema):
    message: text(5000, min_length=1)


class RequestOut(Schema):
    id: int
    enrolment_id: int
    qualification: str
    candidate_name: str
    mentor_id: int
    mentor_name: str
    status: str
    message: str
    response: str
    candidate_reply: str
    decline_reason: str
    created_at: datetime.datetime
    responded_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    relationship_id: int | None = None


class MeetingOut(Schema):
    id: int
    held_on: datetime.date
    mode: str
    duration_minutes: int
    notes: str
    action_points: str


class RelationshipOut(Schema):
    id: int
    enrolment_id: int
    qualification: str
    candidate_name: str
    mentor_id: int
    mentor_name: str
    status: str
    started_on: datetime.date
    ended_on: datetime.date | None
    ended_by: str
    end_reason: str
    meetings: list[MeetingOut] | None = Field(
        None, description="The meeting log, for the pair only."
    )


class EndIn(Schema):
    reason: text(5000, min_length=1)


# -- training ----------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    uid: str
    kind: str
    title: str
    region: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str
    online_url: str | None = Field(
        None,
        description="The joining link of an online event: only for those who hold "
        "a place on it and the officers who run it.",
    )
    description: str
    capacity: int
    free_places: int
    is_cancelled: bool


class BookingIn(Schema):
    event_id: Id


class BookingOut(Schema):
    id: int
    event_id: int
    event_title: str
    starts_at: datetime.datetime
    status: str
    created_at: datetime.datetime
