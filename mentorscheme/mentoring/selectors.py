"""Reads for the candidate's side, and candidate records for the scheme's rules."""

import datetime
from operator import attrgetter, itemgetter

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mentorscheme.aggregates import ids_of, split_ids
from mentorscheme.members.models import Member, Organisation
from mentorscheme.mentoring.models import (
    MENTOR_STATUS_LABELS,
    MENTORED_STATUSES,
    OPEN_REQUEST_STATUSES,
    Agreement,
    HelpFlag,
    Meeting,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
    sent_back_since_completion,
)
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.mentors.directory import Reference
from mentorscheme.mentors.models import MeetingMode
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import (
    OPEN_ENROLMENT_STATUSES,
    REGULATIONS_CHOICE_STATUSES,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
    RegulationsVersion,
    SchemeSettings,
)
from mentorscheme.scheme.records import CandidateRecord


def _active_relationships():
    """The active mentoring of the enrolment at ``OuterRef("pk")``."""
    return MentoringRelationship.objects.filter(
        enrolment=OuterRef("pk"), status=RelationshipStatus.ACTIVE
    )


def _completed_relationships():
    """The completed mentoring of the enrolment at ``OuterRef("pk")`` that still
    stands (not sent back by the assessors since)."""
    return MentoringRelationship.objects.completed_standing().filter(
        enrolment=OuterRef("pk")
    )


def portfolio_submitted(enrolment: Enrolment) -> bool:
    """Whether the portfolio is with the assessors, awaiting the outcome: the
    candidate has no mentor to find (``eligibility``'s rule). One asked for further
    information is being prepared again."""
    return enrolment.status == EnrolmentStatus.SUBMITTED


def with_candidate_fields(enrolments):
    active = _active_relationships()
    # Only what the record reads: each table more costs the query's planning.
    return (
        enrolments.select_related(None)
        .select_related(
            "member__organisation__organisation_type",
            "member__region",
            "qualification__level",
            "qualification__min_mentor_level",
            "regulations",
        )
        .annotate(
            has_active=Exists(active), complete=Exists(_completed_relationships())
        )
    )


def mentored() -> Exists:
    """Whether the enrolment at ``OuterRef("pk")`` has a mentor, or its mentoring is
    complete: either way it is not waiting for a mentor (``MENTORED_STATUSES``)."""
    return Exists(
        MentoringRelationship.objects.filter(
            enrolment=OuterRef("pk"), status__in=MENTORED_STATUSES
        )
    )


#: Requests whose mentor a candidate may not be offered again: open, or declined.
_EXCLUDING = MentoringRequest.objects.filter(
    status__in=[*OPEN_REQUEST_STATUSES, RequestStatus.DECLINED]
)


def excluded_mentor_ids(enrolment_ids) -> dict[int, set[int]]:
    """Mentors a candidate may not be offered again: open requests, and declines."""
    excluded: dict[int, set[int]] = {}
    rows = _EXCLUDING.filter(enrolment_id__in=enrolment_ids).values_list(
        "enrolment_id", "mentor_id"
    )
    for enrolment_id, mentor_id in rows:
        excluded.setdefault(enrolment_id, set()).add(mentor_id)
    return excluded


def record_for(
    enrolment: Enrolment, excluded=frozenset(), choices=()
) -> CandidateRecord:
    """The record of an enrolment read by ``with_candidate_fields``."""
    member = enrolment.member
    organisation = member.organisation
    return _record(
        enrolment,
        member,
        excluded,
        choices,
        min_mentor_rank=enrolment.qualification.min_mentor_rank,
        organisation_type=(
            organisation.organisation_type_id,
            organisation.organisation_type.name,
        )
        if organisation
        else (None, ""),
        region_name=member.region.name,
    )


def _record(
    enrolment: Enrolment,
    member: Member,
    excluded,
    choices,
    *,
    min_mentor_rank: int,
    organisation_type: tuple[int | None, str],
    region_name: str,
) -> CandidateRecord:
    return CandidateRecord(
        id=enrolment.pk,
        member_id=member.pk,
        qualification_uses_mentors=enrolment.qualification.uses_mentors,
        min_mentor_rank=min_mentor_rank,
        region_id=member.region_id,
        organisation_id=member.organisation_id,
        organisation_type_id=organisation_type[0],
        line_manager_member_id=member.line_manager_id,
        declared_line_manager_member_id=member.declared_line_manager_id,
        meeting_modes=frozenset(enrolment.meeting_modes),
        has_active_relationship=enrolment.has_active,
        mentoring_complete=enrolment.complete,
        portfolio_submitted=portfolio_submitted(enrolment),
        choices=tuple(choices),
        excluded_mentor_ids=frozenset(excluded),
        qualification_id=enrolment.qualification_id,
        organisation_type_name=organisation_type[1],
        region_name=region_name,
        regulations_id=enrolment.regulations_id,
        regulations_name=enrolment.regulations.name,
    )


#: Every enrolment with what its record reads, built once a process: building and
#: resolving its subqueries for one enrolment cost more than reading it.
_WITH_CANDIDATE_FIELDS = with_candidate_fields(Enrolment.objects.all())


def candidate_record(enrolment: Enrolment, *, exclude_requested: bool = True):
    enrolment = _WITH_CANDIDATE_FIELDS.filter(pk=enrolment.pk).get()
    excluded = (
        excluded_mentor_ids([enrolment.pk]).get(enrolment.pk, set())
        if exclude_requested
        else set()
    )
    return record_for(enrolment, excluded)


#: Enrolments with what a candidate's record reads beside the member, for
#: ``first_candidate``: built once a process (building and resolving the subqueries
#: on every view of the directory cost more than running the query).
CANDIDATE_ENROLMENTS = Enrolment.objects.select_related(
    "qualification", "regulations"
).annotate(
    has_active=Exists(_active_relationships()),
    complete=Exists(_completed_relationships()),
    candidate_min_rank=Coalesce(
        "qualification__min_mentor_level__rank",
        "qualification__level__rank",
        0,
    ),
    candidate_excluded=ids_of(_EXCLUDING, "enrolment", "mentor_id"),
)


def first_candidate(enrolments, *, member: Member | None, reference: Reference):
    """The first of these enrolments of ``member`` (the row the roles read this
    request), and its candidate record (one query); (None, None) when there is
    none. ``enrolments`` are of ``CANDIDATE_ENROLMENTS``.

    The directory reads it on every view, so it joins only the enrolment's
    qualification (and its levels) and regulations: each table more costs the
    query's planning. The member is the one in hand, and the names of their region
    and sort of organisation come from the directory's ``reference``.
    """
    if member is None:
        return None, None
    organisation_type = (
        Subquery(
            Organisation.objects.filter(pk=member.organisation_id)
            .order_by()
            .values("organisation_type_id")
        )
        if member.organisation_id is not None
        else Value(None, IntegerField())
    )
    enrolment = enrolments.annotate(
        candidate_organisation_type=organisation_type
    ).first()
    if enrolment is None:
        return None, None
    enrolment.member = member
    type_id = enrolment.candidate_organisation_type
    return enrolment, _record(
        enrolment,
        member,
        split_ids(enrolment.candidate_excluded),
        (),
        min_mentor_rank=enrolment.candidate_min_rank,
        organisation_type=(type_id, reference.organisation_type_name(type_id)),
        region_name=reference.region_name(member.region_id),
    )


def candidate_records(enrolments) -> list[CandidateRecord]:
    rows = list(with_candidate_fields(enrolments).order_by("pk"))
    excluded = excluded_mentor_ids([e.pk for e in rows])
    return [record_for(e, excluded.get(e.pk, set())) for e in rows]


def active_relationship(enrolment: Enrolment):
    return (
        MentoringRelationship.objects.filter(
            enrolment=enrolment, status=RelationshipStatus.ACTIVE
        )
        .select_related("mentor__member")
        .first()
    )


def mentored_by(candidate: Member, mentor_member: Member | None) -> bool:
    """Whether this member mentors the candidate now (on any enrolment)."""
    return mentor_member is not None and (
        MentoringRelationship.objects.filter(
            enrolment__member=candidate,
            mentor__member=mentor_member,
            status=RelationshipStatus.ACTIVE,
        ).exists()
    )


def completed_relationship(enrolment: Enrolment):
    """The enrolment's mentoring both confirmed complete (the newest, were there
    more), with its mentor; None when there is none."""
    return (
        MentoringRelationship.objects.filter(
            enrolment=enrolment, status=RelationshipStatus.COMPLETED
        )
        .select_related("mentor__member")
        .order_by("-ended_on", "-pk")
        .first()
    )


def candidate_rule_failures(enrolment: Enrolment) -> list:
    """Which of the scheme's rules stop any mentor taking this candidate on now."""
    candidate = candidate_record(enrolment, exclude_requested=False)
    return eligibility.candidate_failures(candidate)


def rule_failures(enrolment: Enrolment, mentor) -> list:
    """Which of the scheme's rules stop this mentor taking this candidate now (none:
    they may). The request between them, if any, does not count against it."""
    candidate = candidate_record(enrolment, exclude_requested=False)
    mentor_record = mentor_selectors.mentor_record(mentor.pk)
    return eligibility.check(candidate, mentor_record)


def requests_with_parties(requests):
    """Requests with what a list of them shows: both people, the qualification, and
    the mentoring an acceptance started (read through ``relationship_of``)."""
    return requests.select_related(
        "enrolment__member",
        "enrolment__qualification",
        "mentor__member",
        "mentoringrelationship",
    )


def requests_of(member, *, side: str | None = None):
    """Requests the member sent (``side="candidate"``), received (``"mentor"``), or
    both (None), newest first."""
    sides = {
        "candidate": Q(enrolment__member=member),
        "mentor": Q(mentor__member=member),
    }
    condition = sides.get(side) or sides["candidate"] | sides["mentor"]
    return requests_with_parties(MentoringRequest.objects.filter(condition)).order_by(
        "-created_at", "-pk"
    )


def relationship_of(request: MentoringRequest) -> MentoringRelationship | None:
    """The mentoring that accepting this request started, if any."""
    try:
        return request.mentoringrelationship
    except MentoringRelationship.DoesNotExist:
        return None


def lapsed_candidate_enrolments(member: Member) -> list[Enrolment]:
    """A lapsed member's open enrolments, each with its mentorings (newest first,
    as ``mentorings``) and, on one held for the lapse, its flag (``lapse_flag``):
    what they may still read of their own mentoring, in three queries."""
    enrolments = list(
        Enrolment.objects.filter(member=member, status__in=OPEN_ENROLMENT_STATUSES)
        .select_related("qualification")
        .prefetch_related(
            Prefetch(
                "relationships",
                queryset=MentoringRelationship.objects.select_related(
                    "mentor__member"
                ).order_by("-started_on", "-pk"),
                to_attr="mentorings",
            )
        )
        .order_by("-enrolled_on", "-pk")
    )
    held = {
        flag.relationship_id: flag
        for flag in HelpFlag.objects.filter(
            enrolment__in=enrolments,
            why=HelpFlag.Why.LAPSED,
            resolved_at__isnull=True,
        )
    }
    for enrolment in enrolments:
        for relationship in enrolment.mentorings:
            relationship.lapse_flag = held.get(relationship.pk)
    return enrolments


#: What the candidate's home shows of each relationship and request: the mentor
#: (by name) beside each row's own columns, as values, by queries built once a
#: process and filtered per enrolment.
_MENTOR_NAMES = {
    "first_name": F("mentor__member__first_name"),
    "last_name": F("mentor__member__last_name"),
}
_CANDIDATE_RELATIONSHIPS = MentoringRelationship.objects.order_by().values(
    "pk",
    "status",
    "started_on",
    "ended_on",
    "candidate_completion_at",
    "mentor_completion_at",
    **_MENTOR_NAMES,
    sent_back=sent_back_since_completion(),
)
_CANDIDATE_REQUESTS = MentoringRequest.objects.order_by().values(
    "pk", "status", "created_at", **_MENTOR_NAMES
)
_AGREEMENTS = Agreement.objects.order_by("-version").values(
    "version", "candidate_confirmed_at", "mentor_confirmed_at"
)
_RECENT_MEETINGS = Meeting.objects.filter(removed_at__isnull=True).values(
    "held_on", "mode", "duration_minutes"
)
_ASKED_FOR_HELP = HelpFlag.objects.filter(
    resolved_at__isnull=True, why=HelpFlag.Why.ASKED
).values("created_at")
_VERSIONS = RegulationsVersion.objects.order_by()
_OPEN_REQUEST_LIMIT = SchemeSettings.objects.filter(pk=1).values_list(
    "open_request_limit", flat=True
)
_MEETING_MODE_LABELS = dict(MeetingMode.choices)


def _agreement_shown(relationship: dict) -> dict | None:
    """The pair's latest agreement: its ``version`` and whether both confirmed it
    (``is_confirmed``)."""
    agreement = _AGREEMENTS.filter(relationship=relationship["pk"]).first()
    if agreement is not None:
        agreement["is_confirmed"] = bool(
            agreement["candidate_confirmed_at"] and agreement["mentor_confirmed_at"]
        )
    return agreement


def _meetings_shown(relationship: dict) -> list[dict]:
    """The pair's five latest meetings, each with its mode's label (``mode_label``)."""
    meetings = list(_RECENT_MEETINGS.filter(relationship=relationship["pk"])[:5])
    for meeting in meetings:
        meeting["mode_label"] = _MEETING_MODE_LABELS.get(
            meeting["mode"], meeting["mode"]
        )
    return meetings


def _open_request_limit() -> int:
    """How many requests a candidate may have open: read alone, the settings' row
    costs a fraction of the whole (which is made, with its defaults, if missing)."""
    limit = _OPEN_REQUEST_LIMIT.first()
    return SchemeSettings.load().open_request_limit if limit is None else limit


def candidate_home(enrolment: Enrolment) -> dict:
    """What the candidate's home shows of one enrolment, in a few fixed queries.

    The enrolment's relationships and requests are few: each is read once, as
    values of the columns the home shows (``pk``, ``status`` and its
    ``status_label``, the mentor's ``first_name`` and ``name``, each row's dates),
    and split here. The agreement and meetings are asked for only with a mentor,
    and help asked for (and the limit of open requests) only without one, when the
    mentoring is not complete.
    """
    relationships = _as_shown(
        _CANDIDATE_RELATIONSHIPS.filter(enrolment=enrolment),
        _RELATIONSHIP_LABELS,
        "started_on",
        "pk",
    )
    active = RelationshipStatus.ACTIVE
    relationship = next((r for r in relationships if r["status"] == active), None)
    completed = next(
        (
            r
            for r in relationships
            if r["status"] == RelationshipStatus.COMPLETED and not r["sent_back"]
        ),
        None,
    )
    requests = _as_shown(
        _CANDIDATE_REQUESTS.filter(enrolment=enrolment),
        _REQUEST_LABELS,
        "created_at",
        "pk",
    )
    # Every version of the regulations, few as they are (so put in order here): those
    # to choose from, and the two of each change between them, without joining them
    # into its query.
    versions = sorted(_VERSIONS.all(), key=attrgetter("effective_from"))
    newer, coming = _regulations_to_choose(enrolment, versions)
    looking = not (relationship or completed)
    submitted = portfolio_submitted(enrolment)
    return {
        "relationship": relationship,
        "completed": None if relationship else completed,
        "after_mentoring": after_mentoring(enrolment),
        "portfolio_submitted": submitted,
        # Shown only beside finding a mentor.
        "limit": _open_request_limit() if looking and not submitted else None,
        "agreement": _agreement_shown(relationship) if relationship else None,
        "meetings": _meetings_shown(relationship) if relationship else [],
        "open_requests": [r for r in requests if r["status"] in OPEN_REQUEST_STATUSES],
        "closed_requests": [
            r for r in requests if r["status"] not in OPEN_REQUEST_STATUSES
        ][:10],
        "history": [r for r in relationships if r["status"] != active],
        # The latest of the candidate's few (one, mostly), found here.
        "help_flag": max(
            _ASKED_FOR_HELP.filter(enrolment=enrolment),
            key=itemgetter("created_at"),
            default=None,
        )
        if looking
        else None,
        "newer_regulations": [newer] if newer else [],
        "coming_regulations": coming,
        "changes": _changes_shown(enrolment, {v.pk: v for v in versions}),
    }


#: An enrolment's changes named by their versions of the regulations, with who
#: made them (by email): built once a process, filtered per enrolment.
_CHANGES_NAMED = EnrolmentChange.objects.select_related(
    "from_regulations", "to_regulations", "by"
).only(
    "enrolment",
    "from_status",
    "to_status",
    "note",
    "source",
    "at",
    "from_regulations__name",
    "to_regulations__name",
    "by__email",
)


def enrolment_changes(enrolment: Enrolment):
    """The enrolment's history as its pages show it: the versions of the
    regulations moved between, and who made each change (named when it was not
    the candidate), by their email only."""
    return _CHANGES_NAMED.filter(enrolment=enrolment)


#: The same as values, for a caller holding every version of the regulations.
_CHANGES = EnrolmentChange.objects.order_by().values(
    "pk",
    "at",
    "from_status",
    "to_status",
    "note",
    "source",
    "from_regulations_id",
    "to_regulations_id",
    "by_id",
    "by__email",
)
_ENROLMENT_LABELS = dict(EnrolmentStatus.choices)


def _changes_shown(enrolment: Enrolment, versions_by_pk: dict) -> list[dict]:
    """``enrolment_changes`` as values, oldest first (an enrolment's few changes
    are sorted here, as ``_as_shown`` says why), each given its two versions of the
    regulations from ``versions_by_pk`` instead of joining them, who made it (``by``,
    their email) and its new status's label (``to_label``)."""
    changes = sorted(_CHANGES.filter(enrolment=enrolment), key=itemgetter("at", "pk"))
    for change in changes:
        change["from_regulations"] = versions_by_pk.get(change["from_regulations_id"])
        change["to_regulations"] = versions_by_pk.get(change["to_regulations_id"])
        change["by"] = change.pop("by__email")
        change["to_label"] = _ENROLMENT_LABELS.get(
            change["to_status"], change["to_status"]
        )
    return changes


#: What follows a completed mentoring, by the enrolment's status.
AFTER_MENTORING = {
    EnrolmentStatus.ENROLLED: "Your submission comes next: we email you when we "
    "receive it.",
    EnrolmentStatus.SUBMITTED: "We have your submission and email you the outcome.",
    EnrolmentStatus.FURTHER_INFO: "The assessors have asked for further "
    "information before deciding.",
}


def after_mentoring(enrolment: Enrolment) -> str:
    return AFTER_MENTORING.get(enrolment.status, "")


def _regulations_to_choose(
    enrolment: Enrolment, versions: list | None = None
) -> tuple[RegulationsVersion | None, RegulationsVersion | None]:
    """The version newer than the enrolment's in force today, and the first one
    published for a later date; neither once the portfolio is submitted.
    ``versions``: every version, oldest first, when read already."""
    if enrolment.status not in REGULATIONS_CHOICE_STATUSES:
        return None, None
    today = timezone.localdate()
    since = enrolment.regulations.effective_from
    later = (
        RegulationsVersion.objects.filter(effective_from__gt=since).order_by(
            "effective_from"
        )
        if versions is None
        else [v for v in versions if v.effective_from > since]
    )
    in_force = coming = None
    for version in later:
        if version.effective_from <= today:
            in_force = version
        elif coming is None:
            coming = version
    return in_force, coming


def newer_regulations(enrolment: Enrolment) -> list[RegulationsVersion]:
    """The version a candidate may move to: the one in force today, if it is newer
    than theirs and their portfolio is not yet submitted (a version published for a
    later date is offered from that day, and shown as coming before it)."""
    in_force, _ = _regulations_to_choose(enrolment)
    return [in_force] if in_force else []


def open_requests(enrolment: Enrolment):
    return MentoringRequest.objects.filter(
        enrolment=enrolment, status__in=OPEN_REQUEST_STATUSES
    ).select_related("mentor__member")


def contact_visible(
    relationship: MentoringRelationship, today: datetime.date | None = None
) -> bool:
    """Whether the pair see each other's contact details today.

    From acceptance (the relationship exists only then) while it is active, and for
    the scheme's set number of days after it ends, to tie up loose ends.
    """
    if relationship.is_active:
        return True
    if relationship.ended_on is None:
        return False
    today = today or timezone.localdate()
    days = SchemeSettings.load().contact_days_after_end
    return (today - relationship.ended_on).days <= days


def contact_for(relationship: MentoringRelationship, viewer_member_id: int | None):
    """The other side's member record for a party of the pair, while contact is open.

    ``None`` for anyone outside the pair, and once the contact period has passed.
    """
    candidate = relationship.enrolment.member
    mentor = relationship.mentor.member
    if viewer_member_id == candidate.pk:
        other = mentor
    elif viewer_member_id == mentor.pk:
        other = candidate
    else:
        return None
    return other if contact_visible(relationship) else None


# -- what the mentors' reads take from here (see mentors.selectors.from_mentoring) ---


def mentor_places_taken():
    """A subquery: how many active relationships the mentor at ``OuterRef("pk")``
    has (a correlated subquery, so no GROUP BY spans the mentor's joined columns)."""
    return (
        MentoringRelationship.objects.filter(
            mentor=OuterRef("pk"), status=RelationshipStatus.ACTIVE
        )
        .values("mentor")
        .annotate(n=Count("pk"))
        .values("n")
    )


#: What the mentor's home shows of each request and relationship: the candidate
#: and their qualification (by name), beside each row's own columns.
_CANDIDATE_NAMES = {
    "first_name": "enrolment__member__first_name",
    "last_name": "enrolment__member__last_name",
    "qualification": "enrolment__qualification__name",
}
#: The mentor's relationships and open requests as their home lists them, as
#: values: built once a process, filtered per mentor.
_MENTOR_RELATIONSHIPS = MentoringRelationship.objects.order_by().values(
    "pk",
    "status",
    "started_on",
    "ended_on",
    # The versions of the regulations are few: the mentor's home has them all in
    # hand, and gives each enrolment its own.
    regulations_id=F("enrolment__regulations_id"),
    **{name: F(path) for name, path in _CANDIDATE_NAMES.items()},
)
_MENTOR_PENDING = (
    MentoringRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES)
    .order_by()
    .values(
        "pk",
        "status",
        "created_at",
        **{name: F(path) for name, path in _CANDIDATE_NAMES.items()},
    )
)


_RELATIONSHIP_LABELS = dict(RelationshipStatus.choices)
_REQUEST_LABELS = dict(RequestStatus.choices)
_REQUEST_LABELS_FOR_MENTOR = _REQUEST_LABELS | MENTOR_STATUS_LABELS


def _as_shown(rows, labels: dict, *newest_first_by: str) -> list[dict]:
    """``rows`` (values) newest first by these columns (sorted here, as
    ``_newest_first`` says why), each with the candidate's ``name`` and its
    status's label (``status_label``)."""
    rows = sorted(rows, key=itemgetter(*newest_first_by), reverse=True)
    for row in rows:
        row["name"] = f"{row['first_name']} {row['last_name']}"
        row["status_label"] = labels.get(row["status"], row["status"])
    return rows


def mentor_home_sections(profile) -> dict:
    """The mentor's requests waiting for an answer, current and past relationships.

    Each a dict of what the home shows (values, not model instances: the rows and
    what they name cost a fraction to read): ``pk``, ``status`` and its
    ``status_label``, the candidate's ``name`` and ``qualification``; a request's
    ``created_at``; a relationship's ``started_on``, ``ended_on`` and the id of its
    enrolment's version of the regulations (``regulations_id``: the caller holds the
    few versions there are)."""
    relationships = _as_shown(
        _MENTOR_RELATIONSHIPS.filter(mentor=profile),
        _RELATIONSHIP_LABELS,
        "started_on",
        "pk",
    )
    pending = _as_shown(
        _MENTOR_PENDING.filter(mentor=profile),
        _REQUEST_LABELS_FOR_MENTOR,
        "created_at",
        "pk",
    )
    return {
        "pending": pending,
        "current": [
            r for r in relationships if r["status"] == RelationshipStatus.ACTIVE
        ],
        "past": [r for r in relationships if r["status"] != RelationshipStatus.ACTIVE],
    }


def enrolments_with_mentoring(member: Member):
    """The member's enrolments, each with the mentoring it had (its mentor named),
    so a closed one still leads to its meetings, agreement and letter."""
    return member.enrolments.select_related(
        "qualification", "regulations"
    ).prefetch_related(
        Prefetch(
            "relationships",
            queryset=MentoringRelationship.objects.select_related(
                "mentor__member"
            ).order_by("started_on", "pk"),
        )
    )
