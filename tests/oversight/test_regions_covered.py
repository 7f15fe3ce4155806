"""Every region covered: the two officer roles told apart, staff where a region has
none, and the staff dashboard listing the regions without one."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from mentorscheme.members.models import OfficerRole
from mentorscheme.mentoring.models import HelpFlag
from mentorscheme.mentors import services as mentor_services
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.training.models import EventKind, TrainingEvent
from tests import factories as f
from tests.personas import login


def officer(first, region, role):
    member = f.MemberFactory(first_name=first, email=f"{first.lower()}@example.org")
    f.award(member, "chartership")
    f.with_account(member, totp=True)
    f.appoint(member, region, role=role)
    return member


@pytest.fixture
def mona(db):
    """Mentor Support Officer for the North East only."""
    return officer("Mona", "north-east", OfficerRole.MENTOR_SUPPORT)


@pytest.fixture
def cleo(db):
    """Candidate Support Officer for the North East only."""
    return officer("Cleo", "north-east", OfficerRole.CANDIDATE_SUPPORT)


@pytest.fixture
def nina(db):
    """A candidate in the North East."""
    member = f.MemberFactory(
        first_name="Nina", email="nina@example.org", region=f.region("north-east")
    )
    f.with_account(member)
    f.enrol(member, "chartership")
    return member


def test_a_help_request_goes_to_the_candidate_support_officer(
    client, nina, mona, cleo, django_capture_on_commit_callbacks
):
    login(client, nina)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentoring/help/", {"message": "Nobody answers."})
    assert mail.outbox[-1].to == ["cleo@example.org"]


def test_a_help_request_in_a_region_without_an_officer_reaches_staff(
    client, nina, mona, sam, django_capture_on_commit_callbacks
):
    login(client, nina)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentoring/help/", {"message": "Nobody answers."})
    assert mail.outbox[-1].to == ["sam@example.org"]


def test_an_application_in_a_region_without_an_officer_reaches_staff(
    sam, cleo, django_capture_on_commit_callbacks
):
    applicant = f.MemberFactory(
        first_name="Ali", email="ali@example.org", region=f.region("north-east")
    )
    f.award(applicant, "chartership")
    profile = MentorProfile.objects.create(member=applicant)
    with django_capture_on_commit_callbacks(execute=True):
        mentor_services.mentor_application_save(
            profile=profile,
            submit=True,
            qualifications=[f.qualification("chartership")],
            regions=[f.region("north-east")],
            statement="Ready",
        )
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"ali@example.org", "sam@example.org"}
    assert "the registration team" in sent["ali@example.org"].body


def test_each_officer_acts_only_on_their_side(client, nina, mona, cleo):
    flag = HelpFlag.objects.create(enrolment=nina.enrolments.get(), why="asked")
    url = f"/oversight/help/{flag.pk}/resolve/"
    login(client, mona)
    assert client.post(url).status_code == 404
    assert client.get("/oversight/allocations/").status_code == 403
    assert client.get("/training/manage/").status_code == 200
    login(client, cleo)
    assert client.get("/training/manage/").status_code == 403
    assert client.get("/oversight/allocations/").status_code == 200
    assert client.post(url).status_code == 302


def test_one_person_may_hold_both_roles(client, nina, mona):
    f.appoint(mona, "north-east", role=OfficerRole.CANDIDATE_SUPPORT)
    flag = HelpFlag.objects.create(enrolment=nina.enrolments.get(), why="asked")
    login(client, mona)
    assert client.post(f"/oversight/help/{flag.pk}/resolve/").status_code == 302
    assert client.get("/training/manage/").status_code == 200


def test_the_staff_dashboard_lists_regions_without_an_officer(
    client, sam_with_totp, olivia, mona
):
    login(client, sam_with_totp)
    page = client.get("/oversight/").text
    section = page.split('id="uncovered"')[1].split("</table>")[0]
    assert "London" not in section  # a support officer holds both roles there
    assert "North East" in section and "Candidate Support Officer" in section
    assert "Scotland" in section and "Mentor Support Officer or" in section


def test_each_officers_dashboard_offers_only_what_they_may_do(client, nina, mona, cleo):
    """A Candidate Support Officer is not offered the mentors' side (applications to
    review, events to manage), whose pages refuse them, and is told who looks after
    it; a Mentor Support Officer is not offered the candidates'."""
    ali = f.MemberFactory(first_name="Ali", region=f.region("north-east"))
    f.award(ali, "chartership")
    f.mentor_profile(
        ali, status=MentorStatus.APPLIED, submitted_at=timezone.now(), trained_on=None
    )
    start = timezone.now() + datetime.timedelta(days=5)
    event = TrainingEvent.objects.create(
        kind=EventKind.WORKSHOP,
        title="Workshop, Newcastle",
        region=f.region("north-east"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        capacity=10,
    )
    HelpFlag.objects.create(enrolment=nina.enrolments.get(), why="asked")
    page = login(client, cleo).get("/oversight/").text
    assert "Review mentor applications" not in page
    assert f"/training/manage/{event.pk}/" not in page
    # Nor in the menus: each of those pages would refuse her.
    assert 'href="/mentors/review/"' not in page
    assert 'href="/training/manage/"' not in page
    assert 'href="/oversight/allocations/"' in page
    assert "looked after by the Mentor Support Officer" in page
    assert "Nina" in page
    page = login(client, mona).get("/oversight/").text
    assert 'href="/oversight/allocations/"' not in page
    assert 'href="/mentors/review/"' in page
    assert "1</strong> application" in page
    assert f"/training/manage/{event.pk}/" in page
    assert "looked after by the Candidate Support Officer" in page


def test_each_officers_home_page_offers_only_their_side(client, nina, mona, cleo):
    ali = f.MemberFactory(first_name="Ali", region=f.region("north-east"))
    f.award(ali, "chartership")
    f.mentor_profile(
        ali, status=MentorStatus.APPLIED, submitted_at=timezone.now(), trained_on=None
    )
    HelpFlag.objects.create(enrolment=nina.enrolments.get(), why="asked")
    home = login(client, cleo).get("/").text
    assert "Candidate Support Officer for North East" in home
    assert "1 candidate asked for help" in home
    for refused in ("/mentors/review/", "/training/manage/", "/training/manage/new/"):
        assert f'href="{refused}"' not in home, refused
    home = login(client, mona).get("/").text
    assert "Mentor Support Officer for North East" in home
    assert "1 mentor application" in home
    assert "asked for help" not in home
    assert 'href="/oversight/allocations/"' not in home
