"""Reads about mentors, and the bridge from the database to the scheme's rules.

``mentor_records`` turns mentor profiles into the plain records that the rules
(``scheme.eligibility``) and the matching engine take, in a fixed number of queries
whatever the number of mentors.
"""

import datetime
from collections.abc import Callable

from django.core import checks
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from mentorscheme.aggregates import ids_of, split_ids
from mentorscheme.members.models import (
    Level,
    Member,
    MembershipStatus,
    RegistrationAward,
)
from mentorscheme.mentors.models import (
    KEEPING_UP_STATUSES,
    EvidenceStatus,
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
)
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.scheme.records import MentorRecord
from mentorscheme.training import currency
from mentorscheme.training.models import (
    HELD_STATUSES,
    Booking,
    BriefingAcknowledgement,
    EventKind,
    RegulationsBriefing,
)

#: What mentoring, which holds the requests and relationships one layer up, gives
#: these reads (set from its ``AppConfig.ready`` through ``from_mentoring``):
#: ``places_taken()``, a subquery counting the active relationships of the mentor at
#: ``OuterRef("pk")``; ``home_sections(profile)``, the mentor's requests waiting
#: (``pending``) and relationships (``current``, ``past``) for their home page, as
#: rows (dicts) of what it shows.
_FROM_MENTORING: dict[str, Callable] = {}


def from_mentoring(*, places_taken: Callable, home_sections: Callable) -> None:
    _FROM_MENTORING.update(places_taken=places_taken, home_sections=home_sections)


def check_from_mentoring(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: what mentors reads from mentoring must be registered."""
    missing = {"places_taken", "home_sections"} - _FROM_MENTORING.keys()
    return (
        [
            checks.Error(
                f"mentors.selectors has no {', '.join(sorted(missing))} from mentoring: "
                "the directory and mentors' pages cannot count places or list mentees.",
                hint="Install mentorscheme.mentoring; its AppConfig.ready registers them.",
                id="mentors.E003",
            )
        ]
        if missing
        else []
    )


def on_register(today: datetime.date) -> Q:
    return Q(removed_on__isnull=True) | Q(removed_on__gt=today)


def level_held(member: Member, today: datetime.date | None = None) -> Level | None:
    today = today or timezone.localdate()
    return member.current_level(
        member.awards.filter(on_register(today)).select_related("level")
    )


def level_rank_subquery(member_ref: str, today: datetime.date):
    """The rank of the highest level a member holds today (0 when none or lapsed)."""
    ranks = (
        RegistrationAward.objects.filter(
            on_register(today), member=OuterRef(member_ref)
        )
        .values("member")
        .annotate(rank=Max("level__rank"))
        .values("rank")
    )
    return Coalesce(Subquery(ranks, output_field=IntegerField()), 0)


def with_record_fields(profiles, today: datetime.date | None = None):
    """Annotate what a MentorRecord needs, without a query per mentor.

    Each figure is a correlated subquery rather than a join, so no GROUP BY spans
    the joined member and organisation columns.
    """
    today = today or timezone.localdate()
    active = _FROM_MENTORING["places_taken"]()
    return (
        profiles.select_related(
            "member__organisation__organisation_type", "member__region"
        )
        .prefetch_related("qualifications", "regions")
        .annotate(
            level_rank=level_rank_subquery("member_id", today),
            active_mentees=Coalesce(Subquery(active, output_field=IntegerField()), 0),
        )
    )


#: Every profile annotated by ``with_record_fields`` (and ``with_links``), by the day
#: its figures are on and whether it has its links.
_annotated_by_day: dict[tuple[datetime.date, bool], object] = {}


def profiles_with_record_fields(
    today: datetime.date | None = None, *, links: bool = False
):
    """Every profile with what its record needs (``with_record_fields``), to filter;
    with ``links``, also its chosen qualifications and regions (``with_links``).

    Built once a day in each process: building the subqueries costs more than
    running them, and they are the same for every read on one day.
    """
    today = today or timezone.localdate()
    profiles = _annotated_by_day.get((today, links))
    if profiles is None:
        for day, with_its_links in [*_annotated_by_day]:
            if day != today:  # yesterday's figures
                del _annotated_by_day[day, with_its_links]
        profiles = with_record_fields(MentorProfile.objects.all(), today)
        if links:
            profiles = with_links(profiles.prefetch_related(None))
        _annotated_by_day[today, links] = profiles
    return profiles


#: The columns ``record_from_row`` reads, for ``.values()`` on annotated profiles.
RECORD_VALUES = (
    "pk",
    "member_id",
    "member__membership_status",
    "member__region_id",
    "member__organisation_id",
    "member__organisation__organisation_type_id",
    "level_rank",
    "trained_on",
    "workshop_attended_on",
    "status",
    "accepting",
    "capacity",
    "active_mentees",
    "meeting_modes",
    "member__organisation__organisation_type__name",
    "member__region__name",
)
#: The annotated or own fields of a profile among them.
_PROFILE_VALUES = RECORD_VALUES[6:-2]
#: All but the last two, the names of the sort of organisation and of the region: a
#: reader that keeps those small tables by id fills them in itself (two joins fewer).
RECORD_VALUES_BUT_NAMES = RECORD_VALUES[:-2]


def _chosen(field, column: str, kind: int):
    """Link rows of one choice: (profile id, chosen id, ``kind``)."""
    return (
        field.through.objects.annotate(kind=Value(kind, output_field=IntegerField()))
        .values_list("mentorprofile_id", column, "kind")
        .order_by()
    )


#: The two sorts of link rows (queries, built once).
_QUALIFICATIONS = _chosen(MentorProfile.qualifications, "qualification_id", 0)
_REGIONS = _chosen(MentorProfile.regions, "region_id", 1)


def with_links(profiles):
    """Annotate each profile's chosen qualifications and in-person regions, as
    ``links_from_row`` reads them: the few links of each read in the profiles' own
    query."""
    return profiles.annotate(
        qualification_ids=ids_of(
            MentorProfile.qualifications.through.objects,
            "mentorprofile_id",
            "qualification_id",
        ),
        region_ids=ids_of(
            MentorProfile.regions.through.objects, "mentorprofile_id", "region_id"
        ),
    )


#: The columns ``with_links`` adds, for ``.values()``.
LINK_VALUES = ("qualification_ids", "region_ids")


def links_from_row(row: dict) -> tuple[frozenset[int], frozenset[int]]:
    """The qualifications and in-person regions of a row read with ``with_links``."""
    return split_ids(row["qualification_ids"]), split_ids(row["region_ids"])


def mentor_links(profile_ids=None, **where) -> tuple[dict, dict]:
    """Chosen qualifications and in-person regions by profile id, in one query:
    of these profiles (all, by default), or of those the ``where`` lookups on the
    link rows pick (``mentorprofile__status=...``)."""
    if profile_ids is not None:
        where["mentorprofile_id__in"] = list(profile_ids)
    rows = _QUALIFICATIONS.filter(**where).union(_REGIONS.filter(**where), all=True)
    qualifications: dict[int, set[int]] = {}
    regions: dict[int, set[int]] = {}
    for mentor_id, other_id, kind in rows:
        (regions if kind else qualifications).setdefault(mentor_id, set()).add(other_id)
    return qualifications, regions


def record_from_row(
    row: dict,
    qualification_ids=frozenset(),
    in_person_region_ids=frozenset(),
    up_to_date_for=frozenset(),
) -> MentorRecord:
    """A MentorRecord from a ``.values(*RECORD_VALUES)`` row of annotated profiles.

    The many-to-many choices come separately (``mentor_links``), and so do the
    versions of the regulations the mentor is up to date with
    (``currency.up_to_date_versions``).
    """
    current = row["member__membership_status"] == MembershipStatus.CURRENT
    rank = row["level_rank"] if current else 0
    return MentorRecord(
        id=row["pk"],
        member_id=row["member_id"],
        level_rank=rank,
        registration_current=current and rank > 0,
        trained=row["trained_on"] is not None,
        workshop_attended=row["workshop_attended_on"] is not None,
        listed=row["status"] == MentorStatus.LISTED,
        accepting=row["accepting"],
        capacity=row["capacity"],
        active_mentees=row["active_mentees"],
        region_id=row["member__region_id"],
        organisation_id=row["member__organisation_id"],
        organisation_type_id=row["member__organisation__organisation_type_id"],
        meeting_modes=frozenset(row["meeting_modes"]),
        up_to_date_for=frozenset(up_to_date_for),
        qualification_ids=frozenset(qualification_ids),
        in_person_region_ids=frozenset(in_person_region_ids),
        organisation_type_name=row["member__organisation__organisation_type__name"]
        or "",
        region_name=row["member__region__name"] or "",
    )


def mentor_record(mentor_id: int, today: datetime.date | None = None) -> MentorRecord:
    """One mentor's record for the scheme's rules (as ``record_for`` gives it), in one
    query: the figures and the chosen qualifications and regions in the profile's
    own row, read as values (no model instances)."""
    row = (
        profiles_with_record_fields(today, links=True)
        .filter(pk=mentor_id)
        .values(*RECORD_VALUES, *LINK_VALUES)
        .get()
    )
    return record_from_row(row, *links_from_row(row))


def _row_of(
    profile: MentorProfile,
    *,
    organisation_type_id: int | None,
    organisation_type_name: str,
    region_name: str,
) -> dict:
    """A row as ``record_from_row`` reads it, from a profile annotated by
    ``with_record_fields`` and its member."""
    member = profile.member
    return {
        "pk": profile.pk,
        "member_id": member.pk,
        "member__membership_status": member.membership_status,
        "member__region_id": member.region_id,
        "member__organisation_id": member.organisation_id,
        "member__organisation__organisation_type_id": organisation_type_id,
        **{name: getattr(profile, name) for name in _PROFILE_VALUES},
        "member__organisation__organisation_type__name": organisation_type_name,
        "member__region__name": region_name,
    }


def listing_record(profile: MentorProfile) -> MentorRecord:
    """The record the listing's gates read (``eligibility.listing_failures``: a
    current level, training, a workshop), from a profile annotated by
    ``with_record_fields`` and its member alone. None of those gates reads the
    mentor's organisation, names or choices, so none is read: a record for them
    only."""
    return record_from_row(
        _row_of(
            profile,
            organisation_type_id=None,
            organisation_type_name="",
            region_name="",
        )
    )


def record_for(profile: MentorProfile, links: tuple[dict, dict] | None = None):
    """A MentorRecord from a profile annotated by ``with_record_fields``; ``links``
    as ``mentor_links`` gives them, when read already (else from the profile's
    prefetched choices).

    For the scheme's rules (``eligibility``), which never read what only a score
    reads: it leaves out the versions of the regulations the mentor is up to date
    with. Scores use ``mentor_records``."""
    organisation = profile.member.organisation
    return record_from_row(
        _row_of(
            profile,
            organisation_type_id=organisation.organisation_type_id
            if organisation
            else None,
            organisation_type_name=organisation.organisation_type.name
            if organisation
            else "",
            region_name=profile.member.region.name,
        ),
        qualification_ids=links[0].get(profile.pk, ())
        if links
        else {q.pk for q in profile.qualifications.all()},
        in_person_region_ids=links[1].get(profile.pk, ())
        if links
        else {r.pk for r in profile.regions.all()},
    )


def mentor_records(
    profiles=None, today: datetime.date | None = None
) -> list[MentorRecord]:
    """Records of these profiles (all, by default), by id, in a fixed number of
    queries."""
    profiles = MentorProfile.objects.all() if profiles is None else profiles
    rows = list(
        with_record_fields(profiles, today).order_by("pk").values(*RECORD_VALUES)
    )
    qualifications, regions = mentor_links([row["pk"] for row in rows])
    current = currency.up_to_date_versions(
        profiles.values("member_id"), currency.regulations_table(today)
    )
    return [
        record_from_row(
            row,
            qualifications.get(row["pk"], ()),
            regions.get(row["pk"], ()),
            current.get(row["member_id"], ()),
        )
        for row in rows
    ]


def annotated(
    profile: MentorProfile, today: datetime.date | None = None
) -> MentorProfile:
    """The profile with what its record needs, and ``up_to_date``: whether the
    mentor is up to date with the regulations in force (the mentor's own page)."""
    return (
        with_record_fields(MentorProfile.objects.filter(pk=profile.pk), today)
        .annotate(up_to_date=currency.up_to_date_expression("member_id", today=today))
        .get()
    )


def listing_failures(profile: MentorProfile, today: datetime.date | None = None):
    """Why this mentor cannot be listed (empty when every gate holds)."""
    return eligibility.listing_failures(record_for(annotated(profile, today)))


def active_mentee_count(profile: MentorProfile) -> int:
    return annotated(profile).active_mentees


def pipeline_counts(profiles) -> list[tuple[str, int]]:
    """How many mentors are in each lifecycle state, in lifecycle order."""
    counts = dict(profiles.values_list("status").annotate(n=Count("pk")).order_by())
    return [(status.label, counts.get(status.value, 0)) for status in MentorStatus]


def current_regulations(today: datetime.date | None = None):
    return RegulationsVersion.in_force_on(today or timezone.localdate())


#: What a listing gate asks of the mentor, said to the mentor themselves.
YOUR_LISTING_STEPS = {
    "not_registered": "Hold a current level of Professional Registration, with your "
    "membership current.",
    "not_trained": "Complete mentor training, or send evidence of mentor training "
    "you did elsewhere.",
    "no_workshop": "Attend a Professional Registration workshop.",
}


def your_listing_steps(failures) -> list[str]:
    return [YOUR_LISTING_STEPS.get(f.code, f.reason) for f in failures]


def mentor_home_profile(member: Member) -> MentorProfile | None:
    """The member's profile as their home reads it: its own columns, given the
    member the roles read already, and the rank of the level the member holds
    (``level_rank``). The places taken are counted from the relationships the home
    lists (``mentor_home_context``)."""
    # A member has one profile at most: unordered (ordering would make Django hash
    # every one of the many columns read), nothing to sort.
    profile = next(iter(_profiles_with_level().filter(member=member)[:1]), None)
    if profile is not None:
        profile.member = member
    return profile


#: Every profile with ``level_rank``, by the day the rank is on.
_with_level_by_day: dict[datetime.date, object] = {}


def _profiles_with_level():
    """Every profile with the rank of the level its member holds today
    (``level_rank``), to filter: built once a day in each process, as building the
    subquery costs more than running it."""
    today = timezone.localdate()
    profiles = _with_level_by_day.get(today)
    if profiles is None:
        _with_level_by_day.clear()  # yesterday's
        profiles = _with_level_by_day[today] = MentorProfile.objects.annotate(
            level_rank=level_rank_subquery("member_id", today)
        )
    return profiles


def mentor_home_context(profile: MentorProfile) -> dict:
    """What the mentor's home shows, for a profile read with ``level_rank``
    (``mentor_home_profile``), or any other (then read again with it)."""
    if not hasattr(profile, "level_rank"):
        profile = annotated(profile)
    mentoring = _FROM_MENTORING["home_sections"](profile)
    current = mentoring["current"]
    # The places taken: the active relationships, all of them listed here.
    profile.active_mentees = len(current)
    listing_failures = eligibility.listing_failures(listing_record(profile))
    today = timezone.localdate()
    versions = list(_with_acknowledgement(profile.member))
    regulations = next((v for v in versions if v.effective_from <= today), None)
    # The versions are few and all in hand: each row below is given its own from
    # them rather than joining them again.
    by_pk = {v.pk: v for v in versions}
    acknowledgements = _acknowledgements(profile.member, versions)
    up_to_date_for = currency.regulations_table(today, versions).up_to_date_for(
        {a.regulations_id for a in acknowledgements}
    )

    def briefed_on(version) -> bool:
        return version.pk in up_to_date_for

    for relationship in current:
        relationship["regulations"] = by_pk[relationship["regulations_id"]]
        relationship["mentor_briefed"] = briefed_on(relationship["regulations"])
    # What to be briefed on: the version in force, one coming, and candidates' own.
    upcoming = [v for v in reversed(versions) if v.effective_from > today]
    wanted = {v.pk for v in upcoming} | {r["regulations_id"] for r in current}
    if regulations is not None:
        wanted.add(regulations.pk)
    to_be_briefed_on = [
        v for v in reversed(versions) if v.pk in wanted and not briefed_on(v)
    ]
    if profile.status not in KEEPING_UP_STATUSES:
        to_be_briefed_on = []
    # A briefing can be marked watched only once there is one to watch. Asked only
    # of the versions still to be briefed on (none, for a mentor up to date):
    # building that question costs several times the versions' own query.
    to_watch = (
        currency.versions_with_briefing_to_watch([v.pk for v in to_be_briefed_on])
        if to_be_briefed_on
        else set()
    )
    return {
        "mentored": has_mentored(profile),
        "to_be_briefed_on": [v for v in to_be_briefed_on if v.pk in to_watch],
        "nothing_to_watch_on": [v for v in to_be_briefed_on if v.pk not in to_watch],
        "upcoming_regulations": upcoming,
        "profile": profile,
        "free_places": max(profile.capacity - profile.active_mentees, 0),
        "listing_failures": listing_failures,
        "listing_steps": your_listing_steps(listing_failures),
        **mentoring,
        "bookings": _BOOKINGS_SHOWN.filter(member=profile.member),
        "regulations": regulations,
        "up_to_date": regulations is not None and briefed_on(regulations),
        "briefings": _with_version(
            RegulationsBriefing.objects.filter(regulations_id__in=wanted), by_pk
        ),
        "acknowledgements": acknowledgements,
        "history": _history_shown(profile),
    }


#: Where evidence of training done elsewhere is for an officer to decide: while the
#: member applies, and once approved until listed (not once declined, stepped down).
EVIDENCE_STATES = {
    MentorStatus.INTERESTED,
    MentorStatus.APPLIED,
    MentorStatus.MORE_INFO,
    MentorStatus.APPROVED,
    MentorStatus.TRAINED,
    MentorStatus.WORKSHOP_ATTENDED,
}


def waiting_for_review() -> Q:
    """The mentors waiting for an officer's decision: on their application, or on
    their evidence of training done elsewhere."""
    return Q(status=MentorStatus.APPLIED) | Q(
        external_training_status=EvidenceStatus.PENDING, status__in=EVIDENCE_STATES
    )


def has_mentored(profile: MentorProfile) -> bool:
    """Whether the mentor has been listed (so leaving is stepping down as a mentor,
    not withdrawing an application)."""
    return profile.listed_at is not None or profile.status in (
        MentorStatus.LISTED,
        MentorStatus.LAPSED,
    )


def mentor_training_places(member: Member):
    """The member's places (and waiting-list entries) on mentor training still to
    come: what stepping down gives up, as only a mentor needs that training."""
    return (
        Booking.objects.filter(
            member=member,
            status__in=HELD_STATUSES,
            event__kind=EventKind.MENTOR_TRAINING,
            event__is_cancelled=False,
            event__starts_at__gt=timezone.now(),
        )
        .select_related("event")
        .order_by("event__starts_at", "pk")
    )


#: The mentor's bookings and history as their home shows them: built once a
#: process, filtered per mentor; the history as values (a fraction of the CPU).
_BOOKINGS_SHOWN = (
    Booking.objects.select_related("event")
    .only("member", "status", "event__title", "event__starts_at")
    .order_by("-event__starts_at")
)
_HISTORY_SHOWN = MentorStatusChange.objects.order_by("at", "pk").values(
    "at", "to_status", "note"
)


def _history_shown(profile: MentorProfile) -> list[dict]:
    """The profile's changes of status, oldest first: ``at``, ``note`` and the
    label of the status it went to (``to_label``)."""
    rows = list(_HISTORY_SHOWN.filter(mentor=profile))
    for row in rows:
        row["to_label"] = MentorStatus(row["to_status"]).label
    return rows


def _with_acknowledgement(member: Member):
    """Every version of the regulations, newest first, each with the member's
    acknowledgement of its briefing (``acknowledged_how`` and ``acknowledged_at``,
    None when there is none): a member acknowledges a version once at most."""
    return RegulationsVersion.objects.annotate(
        acknowledgement=FilteredRelation(
            "briefingacknowledgement",
            condition=Q(briefingacknowledgement__member=member),
        ),
        acknowledged_how=F("acknowledgement__how"),
        acknowledged_at=F("acknowledgement__at"),
    ).order_by("-effective_from")


def _acknowledgements(member: Member, versions) -> list[BriefingAcknowledgement]:
    """The member's acknowledgements, newest first, from ``versions`` read with
    ``_with_acknowledgement``."""
    return [
        BriefingAcknowledgement(
            member=member,
            regulations=version,
            how=version.acknowledged_how,
            at=version.acknowledged_at,
        )
        for version in sorted(
            (v for v in versions if v.acknowledged_how is not None),
            key=lambda v: v.acknowledged_at,
            reverse=True,
        )
    ]


def _with_version(rows, versions_by_pk: dict) -> list:
    """``rows`` (each of one version of the regulations), each given its version
    from ``versions_by_pk``."""
    rows = list(rows)
    for row in rows:
        row.regulations = versions_by_pk[row.regulations_id]
    return rows


def review_context(profile: MentorProfile) -> dict:
    profile = annotated(profile)
    return {
        "profile": profile,
        "member": profile.member,
        "level": level_held(profile.member),
        "awards": profile.member.awards.select_related("level"),
        "qualifications": profile.qualifications.all(),
        "regions": profile.regions.all(),
        "history": profile.history.select_related("by"),
        "evidence": profile.evidence.defer("document").select_related("decided_by"),
        "evidence_to_decide": profile.external_training_status == EvidenceStatus.PENDING
        and profile.status in EVIDENCE_STATES,
        "listing_failures": eligibility.listing_failures(record_for(profile)),
    }
