"""Each busy page runs a small, fixed number of queries however much data there is.

Every page is rendered at two data sizes (one of everything it lists, then several:
mentors, requests, relationships, meetings, agreements, help flags, events, bookings,
lapsing and flagged mentors) and must stay within the same ceiling at both. A page
that reads something per row it shows goes over the ceiling at the larger size.
"""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from mentorscheme.mentoring.models import (
    Agreement,
    HelpFlag,
    Meeting,
    MentoringRelationship,
    MentoringRequest,
    NotesAccess,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors.models import MentorStatus, MentorStatusChange
from mentorscheme.oversight import figures
from mentorscheme.scheme.models import EnrolmentChange
from mentorscheme.training.models import Booking, BookingStatus, TrainingEvent
from tests import factories as f
from tests.personas import login, mentor

SIZES = [1, 6]

#: The most queries each page may run, at any data size.
CEILINGS = {
    # The session, the user, the roles; the directory's version, the candidate's
    # enrolment with the mentors they asked, the mentors shown with their links.
    "directory": 6,
    "directory, searched": 6,
    # No candidate record to read; the officer's appointments beside the roles.
    "directory, officer": 6,
    # Also: the enrolment's history, and newer regulations offered with a mentor too.
    "candidate home": 11,
    "mentor home": 11,
    # Including the figures counted afresh from their rows and kept for a minute
    # (seven queries, and the cache's six: the test clears it first), the names of
    # the mentors they list (the cache keeps none), for every candidate whose mentor
    # left, that mentor and the suggested new ones (six, for them all), and the
    # events over whose register is not taken.
    "officer dashboard": 28,
    # And for staff, whether work has waited too long for the task worker.
    "staff dashboard": 30,
    # The request with both people; the candidate's record, and the mentor's record
    # with their choices in its row (for what stops them accepting); the candidate's
    # other open requests, which accepting withdraws.
    "request page": 7,
    # Also: open officer flags, completion needs, removed meetings, edit history.
    "relationship page": 12,
    # Mostly the session, the roles and the API's rate limit; one query for the list.
    "api request list": 17,
    "api relationship list": 17,
    # And who may see each event's joining link.
    "api event list": 18,
    # And the directory's version, the candidate's record, the mentors' links.
    "api directory": 21,
    "mentor applications": 7,
}


def build(size: int, alice, bob, olivia):
    """``size`` of everything the busy pages list, around the personas."""
    today = timezone.localdate()
    now = timezone.now()
    alice_enrolment = alice.enrolments.get()
    bob_profile = bob.mentor_profile
    bob_profile.capacity = size + 2
    bob_profile.save()
    mentors = [
        mentor(last_name=f"Mentor{i}", profile={"capacity": 3}) for i in range(size)
    ]
    # Alice's history: past relationships and closed requests, one active mentor.
    for i, other in enumerate(mentors):
        MentoringRelationship.objects.create(
            enrolment=alice_enrolment,
            mentor=other.mentor_profile,
            status=RelationshipStatus.ENDED_EARLY,
            started_on=today - datetime.timedelta(days=400 + i),
            ended_on=today - datetime.timedelta(days=300 + i),
        )
        MentoringRequest.objects.create(
            enrolment=alice_enrolment,
            mentor=other.mentor_profile,
            message="Please",
            status=RequestStatus.DECLINED,
            closed_at=now,
        )
        # Expired requests: each of these mentors is flagged on the dashboard.
        for _ in range(2):
            MentoringRequest.objects.create(
                enrolment=f.enrol(f.MemberFactory()),
                mentor=other.mentor_profile,
                message="Please",
                status=RequestStatus.EXPIRED,
                closed_at=now,
            )
        # Their registration lapses soon: listed as lapsing on the dashboard.
        award = other.awards.get()
        award.removed_on = today + datetime.timedelta(days=20)
        award.save()
    relationship = MentoringRelationship.objects.create(
        enrolment=alice_enrolment, mentor=bob_profile
    )
    # Her enrolment's history, each change made by an officer (named on her home).
    for i in range(size):
        EnrolmentChange.objects.create(
            enrolment=alice_enrolment,
            from_status="enrolled",
            to_status="enrolled",
            note=f"Change {i}",
            by=olivia.user,
        )
    for version in range(1, size + 1):
        Agreement.objects.create(
            relationship=relationship,
            version=version,
            goals="Chartership portfolio",
            frequency="Monthly",
            created_by=alice.user,
        )
    for i in range(size):
        Meeting.objects.create(
            relationship=relationship,
            held_on=today - datetime.timedelta(days=i),
            mode="zoom",
            duration_minutes=60,
            notes="Notes",
            created_by=bob.user,
        )
        NotesAccess.objects.create(
            relationship=relationship, officer=olivia.user, reason="A complaint"
        )
    # Bob's other mentees and the requests waiting for him.
    pending = None
    for i in range(size):
        candidate = f.MemberFactory(last_name=f"Candidate{i}")
        enrolment = f.enrol(candidate)
        pending = MentoringRequest.objects.create(
            enrolment=enrolment, mentor=bob_profile, message="Would you mentor me?"
        )
        other = f.enrol(f.MemberFactory(last_name=f"Mentee{i}"))
        MentoringRelationship.objects.create(enrolment=other, mentor=bob_profile)
        HelpFlag.objects.create(
            enrolment=enrolment, why=HelpFlag.Why.ASKED, message="Help"
        )
        # A candidate whose mentor stepped down: the flag shows suggested mentors.
        HelpFlag.objects.create(
            enrolment=f.enrol(f.MemberFactory(last_name=f"Orphan{i}")),
            why=HelpFlag.Why.MENTOR_LEFT,
        )
        MentorStatusChange.objects.create(
            mentor=bob_profile, from_status="trained", to_status="listed"
        )
        event = TrainingEvent.objects.create(
            kind="training",
            title=f"Training {i}",
            region=f.region("london"),
            starts_at=now + datetime.timedelta(days=10 + i),
            ends_at=now + datetime.timedelta(days=10 + i, hours=2),
            capacity=20,
        )
        Booking.objects.create(event=event, member=bob, status=BookingStatus.BOOKED)
    # Applications waiting for London's officer to decide.
    for i in range(size):
        applicant = f.MemberFactory(
            last_name=f"Applicant{i}", region=f.region("london")
        )
        f.award(applicant, "chartership")
        f.mentor_profile(applicant, status=MentorStatus.APPLIED)
    # A candidate still looking: the directory ranks every mentor above for them,
    # with their earlier requests to some.
    seeker = f.MemberFactory(first_name="Sally", last_name="Seeker")
    f.with_account(seeker)
    seeking = f.enrol(seeker)
    for other in mentors:
        MentoringRequest.objects.create(
            enrolment=seeking,
            mentor=other.mentor_profile,
            message="Please",
            status=RequestStatus.DECLINED,
            closed_at=now,
        )
    return {"request": pending, "relationship": relationship, "seeker": seeker}


#: What the larger size must show on each page (so the rows really are rendered).
SHOWN = {
    "directory": ["Mentor5"],
    "directory, searched": ["Mentor5"],
    "directory, officer": ["Mentor5"],
    "candidate home": ["Mentor5", "Change 5"],
    "mentor home": ["Candidate5", "Mentee5", "Training 5"],
    "officer dashboard": ["Candidate5", "Mentor5", "Training 5", "Orphan5"],
    "staff dashboard": ["Candidate5", "Mentor5", "Training 5", "Orphan5"],
    "request page": ["Would you mentor me?"],
    "relationship page": ["A complaint"],
    "api request list": ["Candidate5"],
    "api relationship list": ["Mentee5"],
    "api event list": ["Training 5"],
    "api directory": ["Mentor5"],
    "mentor applications": ["Applicant5"],
}

PAGES = [
    ("directory", "seeker", lambda d: "/mentoring/directory/"),
    (
        "directory, searched",
        "seeker",
        lambda d: "/mentoring/directory/?q=mentor5&free_place=on&page=1",
    ),
    ("directory, officer", "olivia", lambda d: "/mentoring/directory/"),
    ("candidate home", "alice", lambda d: "/mentoring/"),
    ("mentor home", "bob", lambda d: "/mentors/"),
    ("officer dashboard", "olivia", lambda d: "/oversight/"),
    ("staff dashboard", "sam", lambda d: "/oversight/"),
    ("request page", "bob", lambda d: f"/mentoring/requests/{d['request'].pk}/"),
    (
        "relationship page",
        "olivia",
        lambda d: f"/mentoring/relationships/{d['relationship'].pk}/",
    ),
    ("api request list", "bob", lambda d: "/api/requests"),
    ("api relationship list", "bob", lambda d: "/api/relationships"),
    ("api event list", "bob", lambda d: "/api/events"),
    ("api directory", "seeker", lambda d: "/api/directory"),
    ("mentor applications", "olivia", lambda d: "/mentors/review/"),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("page", "who", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_busy_pages_run_a_fixed_number_of_queries(
    client,
    django_assert_max_num_queries,
    alice,
    bob,
    olivia,
    sam_with_totp,
    size,
    page,
    who,
    url,
):
    data = build(size, alice, bob, olivia)
    people = {"alice": alice, "bob": bob, "olivia": olivia, "sam": sam_with_totp}
    people["seeker"] = data["seeker"]
    login(client, people[who])
    address = url(data)
    # The data was made around the services that keep the dashboard's rows of
    # figures: worked out as the figures_rebuild command does.
    figures.rebuild()
    assert client.get(address).status_code == 200  # the sign-in's first renewal
    cache.clear()  # nothing computed a moment ago is reused
    with django_assert_max_num_queries(CEILINGS[page]):
        response = client.get(address)
    assert response.status_code == 200
    if size == max(SIZES):
        for text in SHOWN[page]:
            assert text in response.text, text
