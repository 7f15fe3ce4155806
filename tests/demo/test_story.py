"""The demo tells a true story of the scheme (DOMAIN.md): regions as they are now,
every region with a support officer, dates that agree, weekday events in the coming
weeks and some just past with attendance, requests behind every match, and the
proportions of a real membership."""

import datetime

from django.db.models import Count
from django.utils import timezone

from mentorscheme.demo import seed
from mentorscheme.members.models import (
    Member,
    OfficerAppointment,
    Region,
    RegistrationAward,
)
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.mentors.models import MentorProfile
from mentorscheme.scheme.models import Enrolment
from mentorscheme.training.models import (
    AcknowledgementHow,
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
    assert 0.01 <= MentorProfile.objects.count() / members <= 0.02
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
