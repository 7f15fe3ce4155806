"""Nobody decides their own application or evidence, or that of someone they
line-manage: the case goes to another officer of the region or to staff."""

import pytest
from django.core import mail

from mentorscheme.audit.models import AuditEntry
from mentorscheme.members.models import LineManagerDeclaration, OfficerRole
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors import services
from mentorscheme.mentors.models import EvidenceStatus, MentorProfile, MentorStatus
from tests import factories as f
from tests.personas import login


def applied(member, **kwargs):
    kwargs.setdefault("status", MentorStatus.APPLIED)
    return f.mentor_profile(
        member, trained_on=None, workshop_attended_on=None, **kwargs
    )


def submit_application(member, capture) -> MentorProfile:
    """``member`` sends an application to mentor in London, its emails sent."""
    profile = MentorProfile.objects.create(member=member)
    with capture(execute=True):
        services.mentor_application_save(
            profile=profile,
            submit=True,
            qualifications=[f.qualification("chartership")],
            regions=[f.region("london")],
            statement="Ready",
        )
    return profile


@pytest.fixture
def olga(db):
    """A second support officer for London."""
    member = f.MemberFactory(
        first_name="Olga", last_name="Oakes", email="olga@example.org"
    )
    f.award(member, "chartership")
    f.with_account(member, totp=True)
    f.appoint(member, "london")
    return member


@pytest.fixture
def dev(olivia):
    """A Chartered member in London whom Olivia line-manages."""
    member = f.MemberFactory(
        first_name="Dev", last_name="Das", email="dev@example.org", line_manager=olivia
    )
    f.award(member, "chartership")
    f.with_account(member)
    return member


def test_an_officer_cannot_approve_their_own_application(client, olivia):
    profile = applied(olivia)
    with pytest.raises(services.MentorError, match="your own case"):
        services.mentor_application_review(
            profile=profile, decision=MentorStatus.APPROVED, by=olivia.user
        )
    login(client, olivia)
    page = client.get(f"/mentors/review/{profile.pk}/").text
    assert "You cannot decide this." in page and "Record decision" not in page
    response = client.post(
        f"/mentors/review/{profile.pk}/", {"decision": "approved", "reason": ""}
    )
    assert "your own case" in response.text
    profile.refresh_from_db()
    assert profile.status == MentorStatus.APPLIED


def test_an_officer_cannot_accept_their_own_training_evidence(olivia):
    profile = applied(
        olivia,
        status=MentorStatus.APPROVED,
        training_route="external",
        external_training="Coaching course",
        external_training_status=EvidenceStatus.PENDING,
    )
    with pytest.raises(services.MentorError, match="your own case"):
        services.mentor_external_training_review(
            profile=profile, accept=True, by=olivia.user
        )
    profile.refresh_from_db()
    assert profile.trained_on is None


def test_a_line_manager_cannot_decide_and_another_officer_does(
    client, olivia, olga, dev
):
    profile = applied(dev)
    login(client, olivia)
    assert "not for you to decide" in client.get("/mentors/review/").text
    response = client.post(
        f"/mentors/review/{profile.pk}/", {"decision": "approved", "reason": ""}
    )
    assert "line manager" in response.text
    login(client, olga)
    client.post(
        f"/mentors/review/{profile.pk}/", {"decision": "approved", "reason": ""}
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.APPROVED
    entry = AuditEntry.objects.get(action="mentor_application_decided")
    assert entry.actor == olga.user and entry.actor_label == "olga@example.org"


def test_the_application_goes_to_officers_without_a_conflict(
    client, olivia, olga, dev, django_capture_on_commit_callbacks
):
    submit_application(dev, django_capture_on_commit_callbacks)
    [to_review] = [m for m in mail.outbox if "dev@example.org" not in m.to]
    assert to_review.to == ["olga@example.org"]


def test_an_only_officer_applying_reaches_staff_who_decide(
    client, olivia, sam, django_capture_on_commit_callbacks
):
    profile = submit_application(olivia, django_capture_on_commit_callbacks)
    [to_review] = [m for m in mail.outbox if "olivia@example.org" not in m.to]
    assert to_review.to == ["sam@example.org"]
    assert "comes to the registration team" in to_review.body
    services.mentor_application_review(
        profile=profile, decision=MentorStatus.APPROVED, by=sam
    )
    entry = AuditEntry.objects.get(action="mentor_application_decided")
    assert entry.actor == sam


def test_a_candidate_support_officer_does_not_review_mentors(client, olivia):
    cso = f.MemberFactory(first_name="Cleo", email="cleo@example.org")
    f.with_account(cso, totp=True)
    f.appoint(cso, "london", role=OfficerRole.CANDIDATE_SUPPORT)
    carol = f.MemberFactory(first_name="Carol", email="carol@example.org")
    f.award(carol, "chartership")
    profile = applied(carol)
    login(client, cso)
    assert client.get("/mentors/review/").status_code == 403
    assert client.get(f"/mentors/review/{profile.pk}/").status_code == 404
    assert client.get("/training/manage/").status_code == 403


@pytest.fixture
def dee(olivia):
    """A Chartered member in London who declared Olivia as their line manager (the
    register records none)."""
    member = f.MemberFactory(
        first_name="Dee",
        last_name="Dale",
        email="dee@example.org",
        line_manager_declaration=LineManagerDeclaration.MEMBER,
        declared_line_manager=olivia,
    )
    f.award(member, "chartership")
    f.with_account(member)
    return member


def test_a_declared_line_manager_cannot_decide_and_is_not_asked(
    client, olivia, olga, dee, django_capture_on_commit_callbacks
):
    profile = submit_application(dee, django_capture_on_commit_callbacks)
    [to_review] = [m for m in mail.outbox if "dee@example.org" not in m.to]
    assert to_review.to == ["olga@example.org"]
    login(client, olivia)
    response = client.post(
        f"/mentors/review/{profile.pk}/", {"decision": "approved", "reason": ""}
    )
    assert "line manager, so you cannot decide this" in response.text
    profile.refresh_from_db()
    assert profile.status == MentorStatus.APPLIED


def test_a_declared_line_manager_cannot_end_their_reports_mentoring(
    client, olivia, bob
):
    alice = f.MemberFactory(
        first_name="Ann",
        email="ann@example.org",
        line_manager_declaration=LineManagerDeclaration.MEMBER,
        declared_line_manager=olivia,
    )
    f.with_account(alice)
    f.enrol(alice, "chartership")
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    login(client, olivia)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/end-by-officer/",
        {"reason": "I manage Ann and want this ended.", "confirmed": "yes"},
    )
    relationship.refresh_from_db()
    assert relationship.is_active
