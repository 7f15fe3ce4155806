"""A mentoring that ends while the portfolio is with the assessors: there is no mentor
to find then, and every word and flag says so; once the assessors ask for further
information, the candidate finds a mentor as when enrolled."""

import io

from django.core import mail
from django.core.management import call_command

from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import HelpFlag, MentoringRelationship
from mentorscheme.mentors import services as mentor_services
from tests.personas import login


def mentored(alice, dora, sam, *, status: str) -> MentoringRelationship:
    """Alice mentored by Dora, her enrolment then taken to ``status``."""
    enrolment = alice.enrolments.get()
    relationship = MentoringRelationship.objects.create(
        enrolment=enrolment, mentor=dora.mentor_profile
    )
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    if status == "further_info":
        services.enrolment_set_status(enrolment=enrolment, status=status, by=sam)
    mail.outbox.clear()
    return relationship


def to(member) -> list:
    return [m for m in mail.outbox if m.to == [member.email]]


def step_down(dora, capture):
    with capture(execute=True):
        mentor_services.mentor_retire(profile=dora.mentor_profile, by=dora.user)


def test_a_mentor_stepping_down_tells_a_submitted_candidate_what_is_true(
    client, alice, dora, sam, olivia, django_capture_on_commit_callbacks
):
    mentored(alice, dora, sam, status="submitted")
    step_down(dora, django_capture_on_commit_callbacks)
    (email,) = to(alice)
    assert email.subject == "[Mentor Scheme] Your mentoring has ended"
    assert "Your portfolio is with the assessors" in email.body
    assert "If the assessors ask for further information, you can find" in email.body
    assert "Find a new mentor" not in email.body
    assert not HelpFlag.objects.exists()
    login(client, olivia)
    assert "Their mentor stepped down or lapsed" not in client.get("/oversight/").text


def test_a_mentor_stepping_down_gives_a_further_information_candidate_a_new_one(
    client, alice, dora, bob, sam, olivia, django_capture_on_commit_callbacks
):
    mentored(alice, dora, sam, status="further_info")
    step_down(dora, django_capture_on_commit_callbacks)
    (email,) = to(alice)
    assert email.subject == "[Mentor Scheme] You need a new mentor"
    assert "Find a new mentor at" in email.body
    login(client, alice)
    assert bob.full_name in client.get("/mentoring/directory/").text
    call_command("run_periodic", stdout=io.StringIO(), stderr=io.StringIO())
    flag = HelpFlag.objects.get(why="mentor_left")
    assert flag.resolved_at is None
    login(client, olivia)
    dashboard = client.get("/oversight/").text
    assert "Their mentor stepped down or lapsed" in dashboard
    assert "Suggested new mentors" in dashboard and bob.full_name in dashboard


def test_the_officer_ending_a_submitted_candidates_mentoring_promises_no_new_mentor(
    client, alice, dora, sam, olivia, django_capture_on_commit_callbacks
):
    relationship = mentored(alice, dora, sam, status="submitted")
    end = f"/mentoring/relationships/{relationship.pk}/end-by-officer/"
    why = {"reason": "Dora is Alice's line manager on the register."}
    login(client, olivia)
    asked = client.post(end, why).text
    assert "Alice Archer can then ask another mentor" not in asked
    assert "Alice Archer&#x27;s portfolio is with the assessors" in asked
    with django_capture_on_commit_callbacks(execute=True):
        client.post(end, why | {"confirmed": "yes"})
    (email,) = to(alice)
    assert "Your portfolio is with the assessors" in email.body
    assert "Find a new mentor" not in email.body


def test_the_officer_ending_an_enrolled_candidates_mentoring_offers_another(
    client, alice, dora, olivia
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile
    )
    login(client, olivia)
    asked = client.post(
        f"/mentoring/relationships/{relationship.pk}/end-by-officer/",
        {"reason": "Dora is Alice's line manager on the register."},
    ).text
    assert "Alice Archer can then ask another mentor" in asked


def test_a_submitted_candidate_ending_their_mentoring_is_told_there_is_none_to_find(
    client, alice, dora, sam
):
    relationship = mentored(alice, dora, sam, status="submitted")
    login(client, alice)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/").text
    assert "You can look for a new mentor afterwards" not in page
    assert "no mentor to find afterwards" in page
    asked = client.post(
        f"/mentoring/relationships/{relationship.pk}/end/",
        {"reason": "We have finished."},
    ).text
    assert "The candidate can then ask another mentor" not in asked
    assert "portfolio is with the assessors" in asked


def test_further_information_asked_tells_a_candidate_without_a_mentor_to_find_one(
    alice, sam, django_capture_on_commit_callbacks
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_set_status(
            enrolment=enrolment, status="further_info", by=sam
        )
    (email,) = to(alice)
    assert "A mentor can help you prepare it: find one at" in email.body


def test_a_candidate_whose_portfolio_is_with_the_assessors_finds_no_mentor_listed(
    client, alice, bob, sam
):
    services.enrolment_set_status(
        enrolment=alice.enrolments.get(), status="submitted", by=sam
    )
    login(client, alice)
    for page in (
        "/mentoring/directory/",
        f"/mentoring/directory/{bob.mentor_profile.pk}/",
    ):
        text = client.get(page).text
        assert (
            "Your portfolio is submitted, and mentoring supports preparing it" in text
        )
        assert bob.full_name not in text
