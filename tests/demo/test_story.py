"""The demo tells a true story of the scheme (DOMAIN.md): regions as they are now,
every region with a support officer, dates that agree, weekday events in the coming
weeks and some just past with attendance, requests behind every match, and the
proportions of a real membership."""

import datetime
import io

from django.core.management import call_command
from django.db.models import Count, Min, Q
from django.utils import timezone

from mentorscheme.demo import seed
from mentorscheme.members.models import (
    Member,
    OfficerAppointment,
    Region,
    RegistrationAward,
)
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.scheme.models import Enrolment, SchemeSettings
from mentorscheme.training.models import (
    AcknowledgementHow,
    Booking,
    BookingStatus,
    BriefingAcknowledgement,
    EventKind,
    TrainingEvent,
)


def test_the_demo_tells_a_true_story(db):
    seed.seed_demo(seed=2026, members=3000)
    today = timezone.localdate()
    members = Member.objects.count()

    # Regions as they are now: the Midlands merged; every region has an officer.
    active = Region.objects.filter(is_active=True)
    assert "Midlands" in {r.name for r in active}
    assert not active.filter(code__in=["east-midlands", "west-midlands"]).exists()
    covered = set(
        OfficerAppointment.objects.filter(
            starts_on__lte=today, ends_on__gte=today
        ).values_list("region_id", flat=True)
    )
    assert covered == set(active.values_list("pk", flat=True))

    # Proportions: about 15 % registered, 3-5 % enrolled, 1-2 % mentors.
    registered = (
        RegistrationAward.objects.filter(removed_on__isnull=True)
        .values("member")
        .distinct()
        .count()
    )
    assert 0.12 <= registered / members <= 0.18
    assert 0.03 <= Enrolment.objects.count() / members <= 0.05
    # Mentors: listed (accepting or paused), not everyone who ever applied.
    listed = MentorProfile.objects.filter(status="listed").count()
    assert 0.01 <= listed / members <= 0.02
    # No award before its level existed (Certification: 2005).
    assert not RegistrationAward.objects.filter(
        level__code="certification", awarded_on__lt=datetime.date(2005, 1, 1)
    ).exists()

    # Dates in order for every mentor: interest, application, training and
    # workshop, listing.
    for profile in MentorProfile.objects.prefetch_related("history"):
        steps = sorted(profile.history.all(), key=lambda h: h.pk)
        days = [h.at.date() for h in steps]
        assert days == sorted(days), profile
        if profile.status != "interested":
            assert profile.submitted_at is not None, profile
            assert profile.submitted_at.date() >= profile.created_at.date()
        listed = [h.at.date() for h in steps if h.to_status == "listed"]
        for gate in (profile.trained_on, profile.workshop_attended_on):
            if listed and gate:
                assert profile.submitted_at.date() <= gate <= listed[0], profile

    # Events on weekdays, in every region in the next eight weeks, some just past
    # with attendance recorded.
    events = TrainingEvent.objects.exclude(kind=EventKind.BRIEFING)
    assert all(e.starts_at.weekday() < 5 for e in TrainingEvent.objects.all())
    soon = events.filter(
        starts_at__date__gte=today,
        starts_at__date__lt=today + datetime.timedelta(weeks=8),
    )
    assert set(soon.values_list("region_id", flat=True)) == set(
        active.values_list("pk", flat=True)
    )
    past = events.filter(starts_at__date__lt=today)
    assert past.filter(bookings__status=BookingStatus.ATTENDED).exists()
    # Briefings attended on the day a briefing was held.
    for ack in BriefingAcknowledgement.objects.filter(how=AcknowledgementHow.ATTENDED):
        assert TrainingEvent.objects.filter(
            kind=EventKind.BRIEFING, starts_at=ack.at
        ).exists()

    # Every match has the request the mentor accepted behind it.
    relationships = MentoringRelationship.objects.count()
    assert relationships > 20
    accepted = MentoringRequest.objects.filter(status="accepted")
    assert accepted.count() == relationships
    for request in accepted.select_related("enrolment"):
        assert request.created_at.date() >= request.enrolment.enrolled_on
    months = accepted.values("created_at__year", "created_at__month").annotate(
        n=Count("pk")
    )
    assert len(months) > 3  # the dashboard's request line is not flat


ON_THE_WAY = ("interested", "applied", "more_info", "approved", "trained")


def test_the_demo_people_are_where_their_story_says(db):
    """Officers sit on their own region's committee; mentors became interested
    after they were registered; nobody is still on the way to being listed after
    years; whoever attended mentor training or a briefing was a mentor then;
    candidates work towards a level they do not already hold."""
    seed.seed_demo(seed=2026, members=3000)
    today = timezone.localdate()

    for appointment in OfficerAppointment.objects.exclude(
        member__user__email__startswith="officer@"
    ):
        assert appointment.member.region_id == appointment.region_id, appointment
    # The demo officer has a mentor application of their regions to review.
    theirs = OfficerAppointment.objects.filter(
        member__user__email__startswith="officer@"
    ).values("region")
    assert MentorProfile.objects.filter(
        status="applied", member__region__in=theirs
    ).exists()

    first_award = dict(
        RegistrationAward.objects.values("member")
        .annotate(first=Min("awarded_on"))
        .values_list("member", "first")
    )
    for profile in MentorProfile.objects.prefetch_related("history"):
        assert profile.created_at.date() >= first_award[profile.member_id], profile
        if profile.status in ON_THE_WAY + ("workshop_attended",):
            last = max(h.at.date() for h in profile.history.all())
            assert (today - last).days <= 120, (profile.status, last)

    # Training and workshops on working days; over the past year, each is an
    # event of the region the mentor attended.
    year_ago = today - datetime.timedelta(days=365)
    for profile in MentorProfile.objects.select_related("member"):
        for kind, day in (
            (EventKind.MENTOR_TRAINING, profile.trained_on),
            (EventKind.WORKSHOP, profile.workshop_attended_on),
        ):
            if day is None:
                continue
            assert day.weekday() < 5, (profile, kind, day)
            if day >= year_ago:
                assert Booking.objects.filter(
                    member=profile.member,
                    status=BookingStatus.ATTENDED,
                    event__kind=kind,
                    event__starts_at__date=day,
                    event__region=profile.member.region_id,
                ).exists(), (profile, kind, day)
    for booking in Booking.objects.filter(
        status=BookingStatus.ATTENDED, event__kind=EventKind.MENTOR_TRAINING
    ).select_related("event", "member__mentor_profile"):
        assert (
            booking.member.mentor_profile.trained_on == booking.event.starts_at.date()
        )
    for ack in BriefingAcknowledgement.objects.select_related("member__mentor_profile"):
        assert ack.at >= ack.member.mentor_profile.listed_at, ack
    # Briefings of 2014 were held in the regions as they were then.
    assert not TrainingEvent.objects.filter(
        kind=EventKind.BRIEFING, region__code="midlands"
    ).exists()

    for enrolment in Enrolment.objects.select_related("qualification__level"):
        assert not RegistrationAward.objects.filter(
            member=enrolment.member_id,
            level__rank__gte=enrolment.qualification.level.rank,
        ).exists(), enrolment
    # A portfolio sent in had its mentoring completed first.
    for enrolment in Enrolment.objects.filter(status="submitted"):
        assert enrolment.relationships.filter(status="completed").exists()

    # Each match keeps its story: the request it came from, an agreement both
    # confirmed, meetings; completed mentoring confirmed by both.
    month_ago = today - datetime.timedelta(days=30)
    assert MentoringRelationship.objects.filter(status="ended_early").exists()
    # Nobody asks a mentor while they have one.
    for asked in MentoringRequest.objects.exclude(status="pending"):
        day = asked.created_at.date()
        assert not MentoringRelationship.objects.filter(
            Q(ended_on__gte=day) | Q(ended_on__isnull=True),
            enrolment=asked.enrolment_id,
            started_on__lt=day,
        ).exists(), asked
    for pair in MentoringRelationship.objects.select_related(
        "request", "enrolment__qualification"
    ).prefetch_related("agreements", "meetings"):
        assert pair.request.status == "accepted"
        assert pair.request.mentor_id == pair.mentor_id
        if pair.started_on < month_ago:
            assert any(a.is_confirmed for a in pair.agreements.all()), pair
            assert pair.meetings.all(), pair
        last = pair.ended_on or today
        assert all(pair.started_on <= m.held_on <= last for m in pair.meetings.all())
        assert all(m.held_on.weekday() < 5 for m in pair.meetings.all())
        if pair.status == "ended_early":
            assert pair.ended_by and pair.end_reason, pair
            # A change of mentor: the candidate's next mentoring, after this one.
            assert pair.enrolment.relationships.filter(
                started_on__gt=pair.ended_on, status__in=["active", "completed"]
            ).exclude(mentor=pair.mentor_id), pair
        if pair.status == "completed":
            assert pair.candidate_completion_at and pair.mentor_completion_at, pair
            if pair.enrolment.qualification.mentor_writes_letter:
                assert pair.letter_of_support, pair


def test_the_demo_is_as_the_periodic_work_leaves_it(db):
    """Loaded, the demo is in the state the scheme's hourly work keeps it in: its
    first run has nobody to flag, ask or remind, and candidates waiting past the
    waiting period are already flagged, from the day it ran out."""
    seed.seed_demo(seed=2026, members=3000)
    waiting = HelpFlag.objects.filter(why=HelpFlag.Why.WAITING)
    assert waiting.exists()
    days = SchemeSettings.load().unmatched_flag_after_days
    for flag in waiting.select_related("enrolment"):
        assert (
            flag.created_at.date()
            == flag.enrolment.enrolled_on + datetime.timedelta(days=days)
        )
    flagged = waiting.count()
    call_command("run_periodic", stdout=io.StringIO())
    assert waiting.count() == flagged
    assert not MentorProfile.objects.filter(availability_asked_at__isnull=False)
    assert not MentorProfile.objects.filter(
        steps_reminded_at__date=timezone.localdate()
    )
