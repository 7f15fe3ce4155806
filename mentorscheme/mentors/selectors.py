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
    return profiles.select_related(
        "member__organisation__organisation_type", "member__region"
    ).annotate(
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
