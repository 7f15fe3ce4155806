"""The mentor's home: what it lists of the mentor's requests, candidates, briefings
and history, each row with its people, qualification, status and date."""

import datetime

from django.utils import timezone

from mentorscheme.mentoring.models import (
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
)
from mentorscheme.mentors.models import MentorStatus, MentorStatusChange
from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.training import services as training
from mentorscheme.training.models import AcknowledgementHow
from tests import factories as f
from tests.personas import login


def test_the_home_lists_requests_and_candidates_with_their_qualification_and_status(
    client, alice, bob
):
    MentoringRequest.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hello"
    )
    ended = f.MemberFactory(first_name="Edith", last_name="Earlier")
    MentoringRelationship.objects.create(
        enrolment=f.enrol(ended),
        mentor=bob.mentor_profile,
        status=RelationshipStatus.ENDED_EARLY,
        ended_on=datetime.date(2026, 3, 2),
    )
    current = f.MemberFactory(first_name="Colin", last_name="Current")
    MentoringRelationship.objects.create(
        enrolment=f.enrol(current), mentor=bob.mentor_profile
    )
    qualification = f.qualification("chartership").name
    page = login(client, bob).get("/mentors/").text
    assert "<h3>Alice Archer</h3>" in page
    assert f"<p>{qualification} · sent " in page
    assert "· Waiting for your answer</p>" in page
    assert f">Colin Current</a> — {qualification}, since " in page
    assert ">Edith Earlier</a> — Ended early 2 Mar 2026</li>" in page


def test_the_home_lists_the_briefings_acknowledged_and_the_history(client, bob):
    version = RegulationsVersion.objects.get()
    training.briefing_acknowledge(
        member=bob, regulations_id=version.pk, how=AcknowledgementHow.WATCHED
    )
    MentorStatusChange.objects.create(
        mentor=bob.mentor_profile,
        from_status="workshop_attended",
        to_status="listed",
        note="Every gate holds",
        at=timezone.make_aware(datetime.datetime(2026, 4, 5, 12)),
    )
    page = login(client, bob).get("/mentors/").text
    today = timezone.localdate()
    assert (
        f"<li>{version}: watched the recording, {today.day} {today:%b %Y}</li>" in page
    )
    assert "<li>5 Apr 2026: Listed — Every gate holds</li>" in page


def test_a_mentor_not_yet_listed_is_not_told_they_have_a_free_place(client, carol):
    f.mentor_profile(
        carol,
        status=MentorStatus.TRAINED,
        capacity=1,
        workshop_attended_on=None,
    )
    page = login(client, carol).get("/mentors/").text
    assert "free place" not in page
    assert "None yet: you can take on 1 candidate once you are listed" in page


def test_the_page_is_headed_as_the_menu_names_it(client, bob, carol):
    f.mentor_profile(carol, status=MentorStatus.TRAINED, workshop_attended_on=None)
    for who, name in ((bob, "Your candidates"), (carol, "Your mentor application")):
        page = login(client, who).get("/mentors/").text
        assert f"<h1>{name}</h1>" in page
        assert f'aria-current="page">{name}</a>' in page
