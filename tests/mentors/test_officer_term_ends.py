"""A Mentor Support Officer's term ends with applications and evidence still waiting
for them: whoever acts for the region from then on is told, once."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mentorscheme.members.models import Member, OfficerAppointment
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentors.models import EvidenceStatus, MentorStatus
from tests import factories as f
from tests.personas import login


def run_periodic():
    call_command("run_periodic", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def waiting(carol, olivia):
    """Carol's application waits for Olivia, London's only Mentor Support Officer,
    and so does Erin's evidence of training done elsewhere."""
    applied = f.mentor_profile(
        carol, status=MentorStatus.APPLIED, submitted_at=timezone.now()
    )
    erin = f.MemberFactory(first_name="Erin", last_name="Evans")
    f.award(erin, "chartership")
    evidence = f.mentor_profile(
        erin,
        status=MentorStatus.APPROVED,
        trained_on=None,
        external_training_status=EvidenceStatus.PENDING,
    )
    return applied, evidence


def handed_on_after_the_last_day(clock, capture, subject: str) -> list:
    """The periodic work runs on the term's last day (the cases are still the
    officer's: nothing is sent on), then twice the day after; the messages sent
    on whose subject holds ``subject``."""
    with capture(execute=True):
        run_periodic()
    assert not [m for m in mail.outbox if subject in m.subject]
    clock.move(days=1)
    with capture(execute=True):
        run_periodic()
        run_periodic()
    return [m for m in mail.outbox if subject in m.subject]


def end_term(staff_user, member, on):
    """The registration team records the end of ``member``'s term on ``on``."""
    appointment = OfficerAppointment.objects.get(member=member)
    staff = login(Client(), staff_user)
    staff.post(
        f"/oversight/scheme/appointments/{appointment.pk}/end/",
        {"ends_on": on.isoformat(), "confirmed": "yes"},
    )
    appointment.refresh_from_db()
    assert appointment.ends_on == on


def test_cases_left_waiting_when_a_term_ends_go_to_the_registration_team(
    waiting, olivia, sam_with_totp, clock, django_capture_on_commit_callbacks
):
    applied, evidence = waiting
    end_term(sam_with_totp, olivia, timezone.localdate())
    [message] = handed_on_after_the_last_day(
        clock, django_capture_on_commit_callbacks, ""
    )
    assert message.to == ["sam@example.org"]
    assert "Olivia Owen" in message.body and "London" in message.body
    assert "Carol Cole" in message.body and "Erin Evans" in message.body
    assert f"/mentors/review/{applied.pk}/" in message.body
    assert f"/mentors/review/{evidence.pk}/" in message.body
    assert "no Mentor Support Officer" in message.body


def test_a_new_officer_in_office_is_told_instead(
    waiting, olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    end_term(sam_with_totp, olivia, timezone.localdate() - datetime.timedelta(days=1))
    successor = f.MemberFactory(email="nia@example.org")
    f.award(successor, "chartership")
    f.appoint(successor, "london", starts_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    [message] = mail.outbox
    assert message.to == ["nia@example.org"]
    assert "Carol Cole" in message.body


def test_an_officer_whose_term_is_renewed_is_not_told_of_their_own_cases(
    waiting, olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    end_term(sam_with_totp, olivia, timezone.localdate() - datetime.timedelta(days=1))
    f.appoint(olivia, "london", starts_on=timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert mail.outbox == []


def test_cases_waiting_for_an_officer_whose_membership_lapsed_go_to_whoever_acts(
    waiting, olivia, sam, django_capture_on_commit_callbacks
):
    """A lapsed member holds no office (the roles and the recipients of new cases
    say so), so the cases already sent to them are handed on as at a term's end,
    once; and again to nobody when the renewal is recorded."""
    Member.objects.filter(pk=olivia.pk).update(membership_status="lapsed")
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
        run_periodic()
    [message] = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert "Olivia Owen's membership has lapsed" in message.body
    assert "ended on" not in message.body
    assert "Carol Cole" in message.body and "Erin Evans" in message.body
    mail.outbox.clear()
    Member.objects.filter(pk=olivia.pk).update(membership_status="current")
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert not [m for m in mail.outbox if "now with you" in m.subject]


# -- the candidates' side ---------------------------------------------------------------


@pytest.fixture
def asked_for_help(alice, olivia):
    """Alice, in London, asked for help finding a mentor while Olivia was in office;
    Olivia (a support officer: both sides) was told."""
    enrolment = alice.enrolments.get()
    return mentoring.help_request(enrolment=enrolment, message="Nobody has answered.")


def test_candidates_waiting_for_help_when_a_term_ends_go_to_the_registration_team(
    asked_for_help,
    alice,
    olivia,
    sam_with_totp,
    clock,
    django_capture_on_commit_callbacks,
):
    end_term(sam_with_totp, olivia, timezone.localdate())
    mail.outbox.clear()
    [message] = handed_on_after_the_last_day(
        clock, django_capture_on_commit_callbacks, "Candidates waiting"
    )
    assert message.to == ["sam@example.org"]
    assert "Olivia Owen" in message.body and "London" in message.body
    assert "Alice Archer" in message.body
    assert "asked for help" in message.body
    assert f"/members/register/{alice.pk}/" in message.body
    assert "no Candidate Support Officer" in message.body
    # Staff find her on their dashboard, where they can act.
    staff = login(Client(), sam_with_totp)
    assert "Alice Archer" in staff.get("/oversight/").text


def test_a_new_candidate_support_officer_is_told_of_candidates_waiting(
    asked_for_help, olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    """Olivia held both sides; the new Candidate Support Officer is told of the
    candidate, and nobody of the mentors' side (nothing waits there)."""
    end_term(sam_with_totp, olivia, timezone.localdate() - datetime.timedelta(days=1))
    successor = f.MemberFactory(email="nia@example.org")
    f.award(successor, "chartership")
    f.appoint(successor, "london", starts_on=timezone.localdate(), role="cso")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    [message] = mail.outbox
    assert message.to == ["nia@example.org"]
    assert "Alice Archer" in message.body
    assert "no Candidate Support Officer" not in message.body


def test_a_mentor_support_officer_leaving_hands_on_no_candidates(
    alice, olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    """Only the candidates' side hands on candidates: a Mentor Support Officer never
    held them, and London's Candidate Support Officer is still in office."""
    OfficerAppointment.objects.filter(member=olivia).update(role="mso")
    cso = f.MemberFactory(email="cleo@example.org")
    f.award(cso, "chartership")
    f.appoint(cso, "london", role="cso")
    mentoring.help_request(enrolment=alice.enrolments.get(), message="")
    end_term(sam_with_totp, olivia, timezone.localdate() - datetime.timedelta(days=1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert not [m for m in mail.outbox if "Candidates waiting" in m.subject]
