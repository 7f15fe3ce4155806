"""Erasing someone in the middle of mentoring gives everyone waiting on them the next
step they would get had the person left, in emails that do not name them."""

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorscheme.members.models import OfficerAppointment
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.privacy import erasure
from tests import factories as f
from tests.personas import login

REASON = "Erasure request by email, reference DP-7."


def matched(candidate, mentor):
    request = mentoring.request_create(
        enrolment=candidate.enrolments.get(), mentor=mentor.mentor_profile, message="Hi"
    )
    return mentoring.request_accept(
        request=request, mentor=mentor.mentor_profile, confirms_not_line_manager=True
    )


def asked(candidate, mentor) -> MentoringRequest:
    return mentoring.request_create(
        enrolment=candidate.enrolments.get(), mentor=mentor.mentor_profile, message="Hi"
    )


@pytest.fixture
def una(db):
    member = f.MemberFactory(
        first_name="Una", last_name="Underwood", email="una@example.org"
    )
    f.with_account(member)
    f.enrol(member, "chartership")
    return member


def erase(member, sam, capture):
    mail.outbox.clear()
    with capture(execute=True):
        erasure.member_erase(member=member, by=sam, reason=REASON)


def to(address):
    return [m for m in mail.outbox if m.to == [address]]


def naming(member) -> list[str]:
    """Every email sent that names the member in any way."""
    traces = [
        member.first_name,
        member.last_name,
        member.email,
        member.membership_number,
    ]
    return [
        m.subject
        for m in mail.outbox
        for part in (m.subject, m.body, *(a[0] for a in getattr(m, "alternatives", [])))
        if any(trace.lower() in part.lower() for trace in traces)
    ]


def test_a_mentors_candidates_are_told_and_flagged_as_when_a_mentor_steps_down(
    alice, una, dora, sam, django_capture_on_commit_callbacks
):
    MentorProfile.objects.filter(member=dora).update(capacity=2)
    relationship = matched(alice, dora)
    pending = asked(una, dora)
    erase(dora, sam, django_capture_on_commit_callbacks)

    relationship.refresh_from_db()
    assert (relationship.status, relationship.ended_by) == ("ended_early", "scheme")
    assert relationship.end_reason == "Your mentor has left the scheme."
    flag = HelpFlag.objects.get(enrolment__member=alice, why="mentor_left")
    assert flag.resolved_at is None
    told = to("alice@example.org")
    assert [m.subject for m in told] == ["[Mentor Scheme] You need a new mentor"]
    assert "Your mentoring has ended: Your mentor has left the scheme." in told[0].body
    assert "Find a new mentor" in told[0].body

    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    assert pending.closed_reason == erasure.REQUEST_TO_MENTOR_WHO_LEFT
    told = to("una@example.org")
    assert [m.subject for m in told] == [
        "[Mentor Scheme] Your mentoring request has been closed"
    ]
    assert "This mentor has left the scheme" in told[0].body

    assert naming(dora) == []


def test_a_candidates_mentor_is_told_their_place_is_free(
    alice, bob, dora, sam, django_capture_on_commit_callbacks
):
    relationship = matched(alice, dora)
    other = f.enrol(alice, "certification")
    pending = mentoring.request_create(
        enrolment=other, mentor=bob.mentor_profile, message="Hi"
    )
    assert mentor_selectors.mentor_record(dora.mentor_profile.pk).active_mentees == 1
    erase(alice, sam, django_capture_on_commit_callbacks)

    relationship.refresh_from_db()
    assert (relationship.status, relationship.ended_by) == ("ended_early", "scheme")
    assert relationship.end_reason == erasure.CANDIDATE_LEFT
    assert mentor_selectors.mentor_record(dora.mentor_profile.pk).active_mentees == 0
    told = to("dora@example.org")
    assert [m.subject for m in told] == ["[Mentor Scheme] Your mentoring has ended"]
    assert erasure.CANDIDATE_LEFT in told[0].body

    pending.refresh_from_db()
    assert pending.status == "withdrawn"
    told = to("bob@example.org")
    assert [m.subject for m in told] == [
        "[Mentor Scheme] A request to you has been withdrawn"
    ]
    assert told[0].body.startswith("Hello,\n\nA candidate's request for you")

    assert naming(alice) == []
    assert not HelpFlag.objects.filter(resolved_at__isnull=True).exists()


def test_a_mentor_with_nobody_waiting_emails_nobody(
    dora, sam, django_capture_on_commit_callbacks
):
    erase(dora, sam, django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert not MentoringRelationship.objects.exists()


def test_the_queued_emails_name_neither_side_of_the_erasure(
    settings, alice, una, dora, sam, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    MentorProfile.objects.filter(member=dora).update(capacity=2)
    matched(alice, dora)
    asked(una, dora)
    DBTaskResult.objects.all().delete()
    erase(dora, sam, django_capture_on_commit_callbacks)
    queued = [str(task.args_kwargs) for task in DBTaskResult.objects.all()]
    # Alice, Una, and the candidates' side of Alice's region (she needs a mentor).
    assert len(queued) == 3
    for trace in ("Dora", "Davies", "dora@example.org", dora.membership_number):
        assert not [text for text in queued if trace.lower() in text.lower()], trace


@pytest.fixture
def waiting_for_olivia(carol, alice):
    """Carol's mentor application and Alice's request for help wait for Olivia,
    London's only support officer."""
    applied = f.mentor_profile(
        carol, status=MentorStatus.APPLIED, submitted_at=timezone.now()
    )
    flag = HelpFlag.objects.create(
        enrolment=alice.enrolments.get(), why=HelpFlag.Why.ASKED
    )
    return applied, flag


def test_an_officers_waiting_cases_go_to_the_team_when_the_officer_is_erased(
    waiting_for_olivia, olivia, sam, django_capture_on_commit_callbacks
):
    applied, flag = waiting_for_olivia
    erase(olivia, sam, django_capture_on_commit_callbacks)
    handed_on = [m for m in mail.outbox if "now with you" in m.subject]
    assert {tuple(m.to) for m in handed_on} == {("sam@example.org",)}
    bodies = "\n".join(m.body for m in handed_on)
    assert "has left the scheme" in bodies
    assert f"/mentors/review/{applied.pk}/" in bodies
    assert "Alice" in bodies
    assert "no Mentor Support Officer" in bodies
    assert not to("olivia@example.org")
    assert naming(olivia) == []
    assert not OfficerAppointment.objects.filter(member=olivia).exists()


def test_an_erased_officers_cases_go_to_another_officer_of_the_region(
    waiting_for_olivia, olivia, oscar, sam, django_capture_on_commit_callbacks
):
    f.appoint(oscar, "london")
    erase(olivia, sam, django_capture_on_commit_callbacks)
    handed_on = [m for m in mail.outbox if "now with you" in m.subject]
    assert handed_on
    assert {tuple(m.to) for m in handed_on} == {("oscar@example.org",)}
    assert "registration team" not in "\n".join(m.body for m in handed_on)


def test_staff_are_told_before_erasing_an_officer_that_their_cases_go_on(
    client, olivia, sam_with_totp
):
    login(client, sam_with_totp)
    page = client.get(f"/privacy/erase/{olivia.pk}/").content.decode()
    assert "They hold office:" in page and "for London" in page
    asked = client.post(
        f"/privacy/erase/{olivia.pk}/", {"reason": REASON, "confirmed": ""}
    ).content.decode()
    assert "Their appointments end." in asked
    assert "for London</li>" in asked
    assert "Nobody is emailed" not in asked
