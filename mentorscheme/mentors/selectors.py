"""Reads about mentors, and the bridge from the database to the scheme's rules.

``mentor_records`` turns mentor profiles into the plain records that the rules
(``scheme.eligibility``) and the matching engine take, in a fixed number of queries
whatever the number of mentors.
"""

import datetime

from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from mentorscheme.matching.records import MentorRecord
from mentorscheme.members.models import (
    Level,
    Member,
    MembershipStatus,
    RegistrationAward,
)
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import RegulationsVersion


def on_register(today: datetime.date) -> Q:
    return Q(removed_on__isnull=True) | Q(removed_on__gt=today)


def level_held(member: Member, today: datetime.date | None = None) -> Level | None:
    today = today or datetime.date.today()
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
    """Annotate what a MentorRecord needs, without a query per mentor."""
    from mentorscheme.mentoring.models import RelationshipStatus
    from mentorscheme.training.models import BriefingAcknowledgement

    today = today or datetime.date.today()
    current = RegulationsVersion.in_force_on(today)
    acknowledged = BriefingAcknowledgement.objects.filter(
        member=OuterRef("member_id"), regulations=current
    )
    return profiles.select_related("member__organisation", "member__region").annotate(
        level_rank=level_rank_subquery("member_id", today),
        active_mentees=Count(
            "relationships",
            filter=Q(relationships__status=RelationshipStatus.ACTIVE),
            distinct=True,
        ),
        up_to_date=Exists(acknowledged),
    )


def record_for(profile: MentorProfile) -> MentorRecord:
    """A MentorRecord from a profile annotated by ``with_record_fields``."""
    member = profile.member
    current = member.membership_status == MembershipStatus.CURRENT
    organisation = member.organisation
    return MentorRecord(
        id=profile.pk,
        member_id=member.pk,
        level_rank=profile.level_rank if current else 0,
        registration_current=current and profile.level_rank > 0,
        trained=profile.trained_on is not None,
        workshop_attended=profile.workshop_attended_on is not None,
        listed=profile.is_listed,
        accepting=profile.accepting,
        capacity=profile.capacity,
        active_mentees=profile.active_mentees,
        region_id=member.region_id,
        organisation_id=member.organisation_id,
        organisation_type_id=organisation.organisation_type_id
        if organisation
        else None,
        meeting_modes=frozenset(profile.meeting_modes),
        up_to_date=profile.up_to_date,
    )


def mentor_records(
    profiles=None, today: datetime.date | None = None
) -> list[MentorRecord]:
    profiles = MentorProfile.objects.all() if profiles is None else profiles
    return [record_for(p) for p in with_record_fields(profiles, today).order_by("pk")]


def annotated(
    profile: MentorProfile, today: datetime.date | None = None
) -> MentorProfile:
    return with_record_fields(MentorProfile.objects.filter(pk=profile.pk), today).get()


def listing_failures(profile: MentorProfile, today: datetime.date | None = None):
    """Why this mentor cannot be listed (empty when every gate holds)."""
    return eligibility.listing_failures(record_for(annotated(profile, today)))


def active_mentee_count(profile: MentorProfile) -> int:
    return annotated(profile).active_mentees


def pipeline_counts(profiles) -> list[tuple[str, int]]:
    """How many mentors are in each lifecycle state, in lifecycle order."""
    from mentorscheme.mentors.models import MentorStatus

    counts = dict(profiles.values_list("status").annotate(n=Count("pk")).order_by())
    return [(status.label, counts.get(status.value, 0)) for status in MentorStatus]


def current_regulations(today: datetime.date | None = None):
    return RegulationsVersion.in_force_on(today or datetime.date.today())


def mentor_home_context(profile: MentorProfile) -> dict:
    from mentorscheme.mentoring.models import (
        OPEN_REQUEST_STATUSES,
        MentoringRelationship,
        MentoringRequest,
        RelationshipStatus,
    )
    from mentorscheme.training.models import (
        BriefingAcknowledgement,
        RegulationsBriefing,
    )

    profile = annotated(profile)
    record = record_for(profile)
    regulations = current_regulations()
    relationships = MentoringRelationship.objects.filter(mentor=profile).select_related(
        "enrolment__member", "enrolment__qualification"
    )
    return {
        "profile": profile,
        "record": record,
        "free_places": max(profile.capacity - profile.active_mentees, 0),
        "listing_failures": eligibility.listing_failures(record),
        "pending": MentoringRequest.objects.filter(
            mentor=profile, status__in=OPEN_REQUEST_STATUSES
        ).select_related("enrolment__member", "enrolment__qualification"),
        "current": [r for r in relationships if r.status == RelationshipStatus.ACTIVE],
        "past": [r for r in relationships if r.status != RelationshipStatus.ACTIVE],
        "bookings": profile.member.bookings.select_related("event").order_by(
            "-event__starts_at"
        ),
        "regulations": regulations,
        "briefings": RegulationsBriefing.objects.filter(regulations=regulations),
        "acknowledgements": BriefingAcknowledgement.objects.filter(
            member=profile.member
        ).select_related("regulations"),
        "history": profile.history.all(),
    }


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
        "listing_failures": eligibility.listing_failures(record_for(profile)),
    }


def scheme_weights():
    """The recommendation weights staff set, as the engine takes them."""
    from mentorscheme.scheme.models import SchemeSettings

    return SchemeSettings.load().weights()


class DirectoryEntry:
    """One mentor as the directory shows them: never their contact details."""

    __slots__ = ("profile", "record", "score", "reasons", "requested")

    def __init__(self, profile, record, score=0.0, reasons=(), requested=False):
        self.profile, self.record = profile, record
        self.score, self.reasons, self.requested = score, list(reasons), requested

    @property
    def warnings(self):
        return [r for r in self.reasons if r.warning]

    @property
    def recommendations(self):
        return [r for r in self.reasons if not r.warning]


def listed_profiles():
    from django.db.models import Prefetch

    from mentorscheme.mentors.models import MentorStatus
    from mentorscheme.scheme.models import Qualification

    return (
        MentorProfile.objects.filter(status=MentorStatus.LISTED)
        .select_related("member__organisation__organisation_type")
        .prefetch_related(
            "regions",
            Prefetch(
                "qualifications", queryset=Qualification.objects.only("pk", "name")
            ),
        )
    )


def _matches(entry: DirectoryEntry, filters: dict) -> bool:
    profile, record = entry.profile, entry.record
    if filters.get("region") and not (
        record.region_id == filters["region"].pk
        or any(r.pk == filters["region"].pk for r in profile.regions.all())
    ):
        return False
    if filters.get("organisation_type") and (
        record.organisation_type_id != filters["organisation_type"].pk
    ):
        return False
    if filters.get("mode") and filters["mode"] not in record.meeting_modes:
        return False
    if filters.get("qualification") and not any(
        q.pk == filters["qualification"].pk for q in profile.qualifications.all()
    ):
        return False
    if filters.get("free_place") and record.free_places == 0:
        return False
    if filters.get("up_to_date") and not record.up_to_date:
        return False
    text = (filters.get("q") or "").strip().lower()
    if text:
        member = profile.member
        haystack = f"{member.full_name} {member.job_title} {profile.statement}".lower()
        return all(word in haystack for word in text.split())
    return True


def directory(*, candidate=None, filters: dict | None = None, today=None):
    """Mentors for the directory and, for a candidate, suggestions with reasons.

    With a candidate (a CandidateRecord), only mentors the scheme's rules allow for
    them appear. Without one (an officer browsing), every listed mentor who may take a
    candidate appears. A fixed number of queries, however many mentors there are.
    """
    from mentorscheme.matching import engine
    from mentorscheme.scheme import recommendations

    filters = filters or {}
    profiles = list(with_record_fields(listed_profiles(), today).order_by("pk"))
    weights = scheme_weights()
    entries = []
    for profile in profiles:
        record = record_for(profile)
        if candidate is not None:
            if eligibility.check(candidate, record):
                continue
            score, reasons = recommendations.score(candidate, record, weights)
            entry = DirectoryEntry(
                profile,
                record,
                score,
                reasons,
                requested=record.id in candidate.excluded_mentor_ids,
            )
        else:
            if eligibility.listing_failures(record):
                continue
            entry = DirectoryEntry(profile, record)
        entries.append(entry)
    suggestions = []
    if candidate is not None:
        index = engine.MentorIndex.build([e.record for e in entries])
        by_id = {e.record.id: e for e in entries}
        suggestions = [
            by_id[s.mentor_id]
            for s in engine.suggest(candidate, index, n=5, weights=weights)
            if s.mentor_id in by_id
        ]
        entries.sort(key=lambda e: (-e.score, e.profile.member.last_name, e.profile.pk))
    else:
        entries.sort(key=lambda e: (e.profile.member.last_name, e.profile.pk))
    return [e for e in entries if _matches(e, filters)], suggestions
