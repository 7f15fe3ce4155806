"""The mentor directory: for a candidate, only the mentors the rules allow for them."""

from ninja import Query, Router, Schema
from pydantic import Field

from mentorscheme.api.auth import require_scope
from mentorscheme.api.models import Scope
from mentorscheme.api.problems import ApiProblem, error_responses
from mentorscheme.api.schemas import Code, Id, MentorOut, PageParams, page_of
from mentorscheme.api.schemas import text as text_type
from mentorscheme.members.models import Level, OrganisationType, Region
from mentorscheme.mentoring import selectors
from mentorscheme.mentoring.services import SUBMITTED_NO_MENTOR
from mentorscheme.mentors import directory as mentor_directory
from mentorscheme.mentors.models import MeetingMode
from mentorscheme.scheme.access import candidate_enrolment_or_none
from mentorscheme.scheme.models import Qualification

router = Router(tags=["directory"])


class DirectoryFilters(Schema):
    q: text_type(100) = Field("", description="Words in name, job title or profile.")
    region: Code | None = Field(None, description="A region code.")
    organisation_type: Code | None = None
    mode: MeetingMode | None = None
    qualification: Code | None = None
    free_place: bool = False
    up_to_date: bool = False
    enrolment_id: Id | None = Field(
        None,
        description="Which of your open enrolments the mentors are for; the newest "
        "that uses mentors when left out.",
    )


def _filters(params: DirectoryFilters) -> dict:
    """The site's directory filters, from codes; an unknown code matches nothing."""
    lookups = {
        "region": Region.objects.filter(is_active=True),
        "organisation_type": OrganisationType.objects.all(),
        "qualification": Qualification.objects.filter(is_active=True),
    }
    filters = {
        "q": params.q,
        "mode": params.mode,
        "free_place": params.free_place,
        "up_to_date": params.up_to_date,
    }
    for name, queryset in lookups.items():
        code = getattr(params, name)
        if code:
            found = queryset.filter(code=code).first()
            if found is None:
                raise ApiProblem("invalid", f"Unknown {name.replace('_', ' ')} code.")
            filters[name] = found.pk
    return filters


def _candidate_for(principal, enrolment_id: int | None = None):
    """The signed-in candidate's record for that open enrolment of theirs (else
    their newest that uses mentors), or None for officers, staff and tokens.

    A candidate whose portfolio is submitted has no mentor to find: as for one
    already mentored, no mentor is theirs to ask."""
    enrolment = candidate_enrolment_or_none(principal.roles, enrolment_id)
    if enrolment_id is not None and getattr(enrolment, "pk", None) != enrolment_id:
        raise ApiProblem("not-found", "You have no open enrolment with that id.")
    candidate = selectors.candidate_record(enrolment) if enrolment else None
    if candidate is not None and candidate.portfolio_submitted:
        raise NoMentorToFind(SUBMITTED_NO_MENTOR)
    return candidate


class NoMentorToFind(Exception):
    """The candidate is not looking for a mentor; the text says why."""


def _entry_out(entry, levels: dict[int, str]) -> dict:
    card = entry.card
    return {
        "id": card.id,
        "first_name": card.first_name,
        "last_name": card.last_name,
        "job_title": card.job_title,
        "organisation_type": card.organisation_type or None,
        "region": card.region_code,
        "level": levels.get(entry.record.level_rank),
        "statement": card.statement,
        "meeting_modes": list(card.meeting_modes),
        "qualifications": list(card.qualifications),
        "free_places": entry.record.free_places,
        "up_to_date": entry.up_to_date,
        "score": round(entry.score, 4),
        "reasons": [
            {"code": r.code, "text": r.text, "warning": r.warning}
            for r in entry.reasons
        ],
        "requested": entry.requested,
    }


def _candidate(principal, enrolment_id: int | None = None):
    # Sessions hold this scope only in a role that may use the directory.
    require_scope(principal, Scope.DIRECTORY_READ)
    return _candidate_for(principal, enrolment_id)


def _window(candidate, filters: dict, page: PageParams) -> tuple[list, int]:
    """The entries from offset to offset + limit, from the directory's own pages."""
    per_page = mentor_directory.PER_PAGE
    first = page.offset // per_page + 1
    last = (page.offset + page.limit - 1) // per_page + 1
    entries, count = [], 0
    for number in range(first, last + 1):
        found, _ = mentor_directory.search(
            candidate=candidate, filters=filters, page=number
        )
        count = found.paginator.count
        if found.number != number:  # past the last page
            break
        entries.extend(found.object_list)
    skip = page.offset - (first - 1) * per_page
    return entries[skip : skip + page.limit], count


@router.get(
    "/directory",
    response={200: page_of(MentorOut), **error_responses(404)},
    summary="Mentors you may ask (for a candidate) or all listed mentors",
)
def directory(request, filters: Query[DirectoryFilters], page: Query[PageParams]):
    try:
        candidate = _candidate(request.auth, filters.enrolment_id)
    except NoMentorToFind:
        entries, count = [], 0
    else:
        entries, count = _window(candidate, _filters(filters), page)
    levels = _levels()
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": [_entry_out(entry, levels) for entry in entries],
    }


def _levels() -> dict[int, str]:
    return dict(Level.objects.values_list("rank", "code"))


@router.get(
    "/directory/{mentor_id}",
    response={200: MentorOut, **error_responses(404)},
    summary="One mentor from your directory",
)
def directory_entry(request, mentor_id: Id, enrolment_id: Id | None = None):
    try:
        candidate = _candidate(request.auth, enrolment_id)
    except NoMentorToFind as reason:
        raise ApiProblem("not-found", str(reason)) from None
    entry = mentor_directory.entry_for(candidate=candidate, mentor_id=mentor_id)
    if entry is None:
        raise ApiProblem("not-found", "This mentor is not available to you.")
    return _entry_out(entry, _levels())
