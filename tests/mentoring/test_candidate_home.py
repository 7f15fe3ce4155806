"""The candidate's home: what it shows of their mentor, agreement, meetings,
requests, earlier mentors and help asked for, each with its name, status and date."""

import datetime

from django.utils import timezone

from mentorscheme.mentoring.models import (
    Agreement,
    HelpFlag,
    Meeting,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.scheme.models import EnrolmentChange, RegulationsVersion
from tests import factories as f
from tests.personas import login


def mentor(first_name: str, last_name: str):
    member = f.MemberFactory(first_name=first_name, last_name=last_name)
    f.award(member, "chartership")
    return f.mentor_profile(member)


def at(day: int):
    return timezone.make_aware(datetime.datetime(2026, 3, day, 12))


def test_the_home_lists_requests_and_earlier_mentors_with_their_status_and_date(
    client, alice, bob
):
    enrolment = alice.enrolments.get()
    waiting = MentoringRequest.objects.create(
        enrolment=enrolment, mentor=bob.mentor_profile, created_at=at(4)
    )
    declined = MentoringRequest.objects.create(
        enrolment=enrolment,
        mentor=mentor("Dan", "Decliner"),
        status=RequestStatus.DECLINED,
        created_at=at(3),
    )
    earlier = MentoringRelationship.objects.create(
        enrolment=enrolment,
        mentor=mentor("Edith", "Earlier"),
        status=RelationshipStatus.ENDED_EARLY,
        started_on=datetime.date(2026, 1, 5),
        ended_on=datetime.date(2026, 3, 2),
    )
    page = login(client, alice).get("/mentoring/").text
    assert "<dt>Mentor</dt><dd>None yet</dd>" in page
    assert "and send a request (1 of 3 open).</li>" in page
    assert (
        f'<li><a href="/mentoring/requests/{waiting.pk}/">Bob Baker</a>'
        " — Waiting for the mentor, sent 4 Mar 2026</li>" in page
    )
    assert (
        f'<li><a href="/mentoring/requests/{declined.pk}/">Dan Decliner</a>'
        " — Declined</li>" in page
    )
    assert (
        f'<li><a href="/mentoring/relationships/{earlier.pk}/">Edith Earlier</a>'
        " — Ended early, 2 Mar 2026</li>" in page
    )


def test_the_home_shows_the_mentor_the_agreement_and_the_recent_meetings(
    client, alice, bob
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(),
        mentor=bob.mentor_profile,
        started_on=datetime.date(2026, 3, 1),
    )
    page = login(client, alice).get("/mentoring/").text
    link = f'<a href="/mentoring/relationships/{relationship.pk}/">Bob Baker</a>'
    assert f"<dt>Mentor</dt><dd>{link}, since 1 Mar 2026</dd>" in page
    assert "Write your mentoring agreement</a> with Bob.</li>" in page
    assert "<p>No meetings logged yet.</p>" in page
    assert "Need help finding a mentor?" not in page

    agreement = Agreement.objects.create(
        relationship=relationship,
        version=1,
        goals="Portfolio",
        frequency="Monthly",
        candidate_confirmed_at=at(2),
    )
    page = client.get("/mentoring/").text
    assert "Confirm your mentoring agreement</a> (version 1).</li>" in page

    agreement.mentor_confirmed_at = at(3)
    agreement.save()
    for day, mode in [(3, "zoom"), (4, "phone")]:
        Meeting.objects.create(
            relationship=relationship,
            held_on=datetime.date(2026, 3, day),
            mode=mode,
            duration_minutes=45,
        )
    Meeting.objects.create(
        relationship=relationship,
        held_on=datetime.date(2026, 3, 5),
        mode="email",
        duration_minutes=10,
        removed_at=at(6),
    )
    page = client.get("/mentoring/").text
    assert "Log your meetings</a> and build your portfolio.</li>" in page
    assert (
        "<ul><li>4 Mar 2026 — Phone, 45 minutes</li>"
        "<li>3 Mar 2026 — Zoom, 45 minutes</li></ul>" in page
    )


def test_the_home_shows_a_completed_mentoring(client, alice, bob):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(),
        mentor=bob.mentor_profile,
        status=RelationshipStatus.COMPLETED,
        ended_on=datetime.date(2026, 3, 2),
    )
    page = login(client, alice).get("/mentoring/").text
    assert (
        f'<a href="/mentoring/relationships/{relationship.pk}/">Bob Baker</a>'
        ", mentoring completed on 2 Mar 2026</dd>" in page
    )
    assert "<li>Your mentoring is complete." in page
    assert "Need help finding a mentor?" not in page


def test_the_home_says_when_the_candidate_asked_for_help(client, alice):
    HelpFlag.objects.create(
        enrolment=alice.enrolments.get(), why=HelpFlag.Why.ASKED, created_at=at(7)
    )
    page = login(client, alice).get("/mentoring/").text
    assert "<p>You asked for help on 7 March 2026." in page


def test_the_home_lists_the_history_of_the_enrolment_oldest_first(client, alice, sam):
    enrolment = alice.enrolments.get()
    older = RegulationsVersion.objects.get()
    newer = RegulationsVersion.objects.create(
        name="Regulations of 2026", effective_from=datetime.date(2026, 1, 1)
    )
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        from_status="submitted",
        to_status="further_info",
        note="Say more",
        by=sam,
        at=at(9),
    )
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        from_status="enrolled",
        to_status="enrolled",
        from_regulations=older,
        to_regulations=newer,
        by=alice.user,
        at=at(8),
    )
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        from_status="further_info",
        to_status="submitted",
        source="import",
        at=at(10),
    )
    page = login(client, alice).get("/mentoring/").text
    assert (
        "<ol><li>8 Mar 2026 12:00: moved from the "
        f"{older} to the Regulations of 2026 (by the candidate)\n</li>"
        "<li>9 Mar 2026 12:00: Further information requested — “Say more” "
        f"({sam.email})\n</li>"
        "<li>10 Mar 2026 12:00: Submitted (import)\n</li></ol>" in page
    )
