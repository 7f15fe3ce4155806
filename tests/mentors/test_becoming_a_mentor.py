"""The whole path from "I'd like to mentor" to listed, over HTTP, and its refusals."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.mentors import services
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.mentors.selectors import listing_failures
from mentorscheme.training.models import EventKind, TrainingEvent
from tests import factories as f
from tests.personas import login


def application(**changes):
    data = {
        "statement": "Twenty years in academic libraries; I have supported many colleagues.",
        "qualifications": [
            f.qualification("certification").pk,
            f.qualification("chartership").pk,
        ],
        "meeting_modes": ["zoom", "email"],
        "regions": [f.region("london").pk],
        "capacity": "2",
        "training_route": "book",
        "external_training": "",
        "submit": "1",
    }
    data.update(changes)
    return data


def event(kind, region="london", days=10):
    starts = timezone.now() + datetime.timedelta(days=days)
    return TrainingEvent.objects.create(
        kind=kind,
        title=f"{kind} event",
        region=f.region(region),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        location="Library",
        capacity=10,
    )


def test_from_interest_to_listed(
    client, carol, olivia, clock, django_capture_on_commit_callbacks
):
    login(client, carol)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/mentors/interest/")["Location"] == "/mentors/apply/"
        response = client.post("/mentors/apply/", application())
    assert response.status_code == 302
    profile = MentorProfile.objects.get(member=carol)
    assert profile.status == MentorStatus.APPLIED
    assert {m.to[0] for m in mail.outbox} == {"carol@example.org", "olivia@example.org"}

    login(client, olivia)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentors/review/{profile.pk}/", {"decision": "approved", "reason": ""}
        )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.APPROVED
    assert "approved" in mail.outbox[-1].subject

    training, workshop = event(EventKind.MENTOR_TRAINING), event(EventKind.WORKSHOP)
    login(client, carol)
    client.post(f"/training/{workshop.pk}/book/")
    client.post(f"/training/{training.pk}/book/")
    carol_bookings = {b.event_id: b for b in carol.bookings.all()}

    clock.move(days=11)  # the register is taken once the events have started
    login(client, olivia)
    client.post(
        f"/training/manage/{workshop.pk}/attendance/{carol_bookings[workshop.pk].pk}/",
        {"attended": "yes"},
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.WORKSHOP_ATTENDED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/training/manage/{training.pk}/attendance/{carol_bookings[training.pk].pk}/",
            {"attended": "yes"},
        )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.LISTED
    assert "now listed" in mail.outbox[-1].subject
    statuses = list(profile.history.values_list("to_status", flat=True))
    assert statuses == [
        "interested",
        "applied",
        "approved",
        "workshop_attended",
        "listed",
    ]


def test_a_member_without_a_level_is_told_why_they_cannot_apply(client, alice):
    login(client, alice)
    assert "no current level" in client.get("/mentors/").text
    response = client.post("/mentors/interest/", follow=True)
    assert "need to hold a level of Professional Registration" in response.text
    assert not MentorProfile.objects.filter(member=alice).exists()


def test_a_draft_is_kept_and_a_submission_must_be_complete(client, carol):
    login(client, carol)
    client.post("/mentors/interest/")
    client.post(
        "/mentors/apply/",
        {
            "statement": "Half written",
            "capacity": "3",
            "training_route": "book",
            "draft": "1",
        },
    )
    profile = MentorProfile.objects.get(member=carol)
    assert (
        profile.statement == "Half written"
        and profile.status == MentorStatus.INTERESTED
    )
    response = client.post("/mentors/apply/", application(meeting_modes=[], regions=[]))
    assert response.status_code == 400
    assert "Choose at least one way of meeting." in response.text
    # Regions are for meeting in person: asked for only from those who do.
    assert "Choose at least one region" not in response.text
    response = client.post(
        "/mentors/apply/", application(meeting_modes=["in_person"], regions=[])
    )
    assert response.status_code == 400
    assert "Choose at least one region where you can meet in person." in response.text
    profile.refresh_from_db()
    assert profile.status == MentorStatus.INTERESTED


def test_only_qualifications_the_level_allows_can_be_chosen(client, carol):
    login(client, carol)
    client.post("/mentors/interest/")
    response = client.post(
        "/mentors/apply/",
        application(qualifications=[f.qualification("fellowship").pk]),
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text


def test_external_training_must_be_described_and_reviewed(client, carol, olivia):
    login(client, carol)
    client.post("/mentors/interest/")
    response = client.post("/mentors/apply/", application(training_route="external"))
    assert "Describe the training you have done elsewhere." in response.text
    assert "Give the date you did the training." in response.text
    assert "Upload a certificate or other proof of the training." in response.text
    client.post(
        "/mentors/apply/",
        application(
            training_route="external",
            external_training="Coaching course",
            external_training_date="2022-05-20",
            external_training_document=SimpleUploadedFile(
                "certificate.pdf", b"%PDF-1.7\n1 0 obj", "application/pdf"
            ),
        ),
    )
    profile = MentorProfile.objects.get(member=carol)
    assert profile.external_training_status == "pending"
    login(client, olivia)
    client.post(f"/mentors/review/{profile.pk}/", {"decision": "approved"})
    response = client.post(
        f"/mentors/review/{profile.pk}/evidence/", {"accept": "no", "reason": ""}
    )
    assert "Give the applicant a reason" in response.text
    client.post(f"/mentors/review/{profile.pk}/evidence/", {"accept": "yes"})
    profile.refresh_from_db()
    assert profile.trained_on == datetime.date(2022, 5, 20)
    assert profile.status == MentorStatus.TRAINED


def test_training_without_the_workshop_is_not_listed(db, carol):
    profile = f.mentor_profile(
        carol, status=MentorStatus.APPROVED, trained_on=None, workshop_attended_on=None
    )
    services.mentor_attendance_changed(
        member=carol, kind="mentor_training", on=timezone.localdate(), attended=True
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.TRAINED
    assert [f_.code for f_ in listing_failures(profile)] == ["no_workshop"]


def test_declining_and_asking_for_more_need_a_reason(client, carol, olivia):
    login(client, carol)
    client.post("/mentors/interest/")
    client.post("/mentors/apply/", application())
    profile = MentorProfile.objects.get(member=carol)
    login(client, olivia)
    response = client.post(
        f"/mentors/review/{profile.pk}/", {"decision": "declined", "reason": " "}
    )
    assert "Give the applicant a reason" in response.text
    client.post(
        f"/mentors/review/{profile.pk}/",
        {"decision": "more_info", "reason": "Which sector?"},
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.MORE_INFO
    login(client, carol)
    assert "Which sector?" in client.get("/mentors/apply/").text


def test_a_declined_applicant_reads_why_and_can_apply_again(client, carol, olivia):
    """The email says "register your interest again later at /mentors/": that page
    shows the decision with its reason and the way back in, not a listing to work
    towards nor a step down that refuses."""
    profile = f.mentor_profile(carol, status=MentorStatus.APPLIED)
    login(client, olivia)
    client.post(
        f"/mentors/review/{profile.pk}/",
        {
            "decision": "declined",
            "reason": "Mentor once you have led a team.",
            "confirmed": "yes",
        },
    )
    login(client, carol)
    page = client.get("/mentors/").text
    assert "Your application to mentor was not approved" in page
    assert "Mentor once you have led a team." in page
    assert 'action="/mentors/interest/"' in page
    assert "Before you can be listed" not in page
    assert "Step down" not in page
    assert client.post("/mentors/interest/")["Location"] == "/mentors/apply/"
    profile.refresh_from_db()
    assert profile.status == MentorStatus.INTERESTED


def approve(client, officer, profile, capture):
    """The officer approves; the email the applicant is sent about it."""
    login(client, officer)
    mail.outbox.clear()
    with capture(execute=True):
        client.post(
            f"/mentors/review/{profile.pk}/", {"decision": "approved", "reason": ""}
        )
    [approved] = [m for m in mail.outbox if "approved" in m.subject]
    return approved.body


def test_the_approval_asks_only_for_the_steps_still_to_do(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    """Many applicants attended a Professional Registration workshop as candidates:
    their approval does not send them to book one."""
    profile = f.mentor_profile(
        carol,
        status=MentorStatus.APPLIED,
        trained_on=None,
        workshop_attended_on=datetime.date(2019, 5, 1),
    )
    body = approve(client, olivia, profile, django_capture_on_commit_callbacks)
    assert "book mentor training" in body
    assert "workshop" not in body.split("Next,")[1]
    assert "already on your record" in body


def test_an_approval_that_lists_at_once_says_so(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    profile = f.mentor_profile(carol, status=MentorStatus.APPLIED)
    body = approve(client, olivia, profile, django_capture_on_commit_callbacks)
    assert "book" not in body
    assert "you are listed for candidates now" in body
    profile.refresh_from_db()
    assert profile.status == MentorStatus.LISTED


def test_a_decision_by_the_registration_team_does_not_claim_to_be_the_officers(
    client, carol, sam_with_totp, django_capture_on_commit_callbacks
):
    """Where the region has no officer free to decide, staff do: the applicant
    reads who decided."""
    profile = f.mentor_profile(carol, status=MentorStatus.APPLIED)
    login(client, sam_with_totp)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentors/review/{profile.pk}/",
            {"decision": "more_info", "reason": "Which sector?"},
        )
    [asked] = mail.outbox
    assert "The registration team needs a little more information" in asked.body
    assert "Mentor Support Officer" not in asked.body


def test_an_application_under_review_cannot_be_changed_behind_the_officer(
    client, carol
):
    """Once sent, the application is what the officer decides on: the profile page
    does not let the applicant rewrite it meanwhile (nor once declined)."""
    for status in (MentorStatus.APPLIED, MentorStatus.DECLINED):
        profile = f.mentor_profile(carol, status=status, statement="As sent.")
        login(client, carol)
        assert client.get("/mentors/profile/").status_code == 302
        client.post("/mentors/profile/", application(statement="Rewritten later."))
        profile.refresh_from_db()
        assert profile.statement == "As sent."
        profile.delete()


def test_declining_an_application_asks_first_and_shows_the_message_to_be_sent(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    profile = f.mentor_profile(carol, status=MentorStatus.APPLIED)
    login(client, olivia)
    decline = {"decision": "declined", "reason": "Please attend a workshop first."}
    url = f"/mentors/review/{profile.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, decline).text
    assert "Decline Carol Cole&#x27;s mentor application?" in page
    assert "Carol Cole is emailed that their application is declined" in page
    assert "<li>Please attend a workshop first.</li>" in page
    profile.refresh_from_db()
    assert profile.status == MentorStatus.APPLIED and not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, decline | {"confirmed": "yes"})
    profile.refresh_from_db()
    assert profile.status == MentorStatus.DECLINED
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]


def test_refusing_training_evidence_asks_first(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    profile = f.mentor_profile(
        carol,
        status=MentorStatus.APPROVED,
        trained_on=None,
        external_training="A weekend course",
        external_training_status="pending",
    )
    login(client, olivia)
    refuse = {"accept": "no", "reason": "The certificate is unreadable."}
    url = f"/mentors/review/{profile.pk}/evidence/"
    page = client.post(url, refuse).text
    assert "Refuse Carol Cole&#x27;s training evidence?" in page
    assert "(they may send evidence again)" in page
    profile.refresh_from_db()
    assert profile.external_training_status == "pending"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, refuse | {"confirmed": "yes"})
    profile.refresh_from_db()
    assert profile.external_training_status == "rejected"
    assert [m.to for m in mail.outbox] == [["carol@example.org"]]


def test_an_officer_of_another_region_cannot_review(client, carol, oscar):
    profile = f.mentor_profile(carol, status=MentorStatus.APPLIED)
    login(client, oscar)
    assert client.get(f"/mentors/review/{profile.pk}/").status_code == 404
    assert (
        client.post(
            f"/mentors/review/{profile.pk}/", {"decision": "approved"}
        ).status_code
        == 404
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.APPLIED


def test_a_lapsed_registration_delists_the_mentor_and_holds_their_mentoring(
    db, bob, alice, django_capture_on_commit_callbacks
):
    """Delisted at once; the mentoring carries on for the grace period (a renewal
    recorded late should not end it), both people told."""
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    bob.membership_status = "lapsed"
    bob.save()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic")
    bob.mentor_profile.refresh_from_db()
    relationship.refresh_from_db()
    assert bob.mentor_profile.status == MentorStatus.LAPSED
    assert relationship.status == "active"
    assert relationship.flags.get(resolved_at__isnull=True).why == "lapsed"
    assert {m.to[0] for m in mail.outbox} >= {"bob@example.org", "alice@example.org"}
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic")
    assert len(mail.outbox) == sent
    assert bob.mentor_profile.history.filter(to_status="lapsed").count() == 1


def test_a_removed_award_on_a_moved_clock_delists(db, bob):
    bob.awards.update(removed_on=datetime.date(2030, 1, 1))
    assert (
        services.mentor_lapse_check(today=datetime.date(2029, 12, 31))["delisted"] == 0
    )
    assert services.mentor_lapse_check(today=datetime.date(2030, 1, 2))["delisted"] == 1
    assert services.mentor_lapse_check(today=datetime.date(2030, 1, 2))["delisted"] == 0


def test_a_mentor_pauses_and_resumes(client, bob):
    login(client, bob)
    client.post("/mentors/accepting/", {"accepting": "no"})
    bob.mentor_profile.refresh_from_db()
    assert bob.mentor_profile.accepting is False
    assert "paused" in client.get("/mentors/").text
    client.post("/mentors/accepting/", {"accepting": "yes"})
    bob.mentor_profile.refresh_from_db()
    assert bob.mentor_profile.accepting is True


def test_capacity_cannot_drop_below_current_candidates(client, bob, alice):
    MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    other = f.MemberFactory()
    MentoringRelationship.objects.create(
        enrolment=f.enrol(other), mentor=bob.mentor_profile
    )
    login(client, bob)
    data = application(capacity="1", qualifications=[f.qualification("chartership").pk])
    response = client.post("/mentors/profile/", data)
    assert response.status_code == 400
    assert "cannot be less than 2" in response.text


def test_a_trained_mentor_without_the_workshop_is_told_what_is_missing(client, carol):
    f.mentor_profile(carol, status=MentorStatus.TRAINED, workshop_attended_on=None)
    page = login(client, carol).get("/mentors/").text
    assert "Before you can be listed" in page
    assert "Attend a Professional Registration workshop." in page


def test_a_lapsed_mentor_is_told_why_they_are_not_listed(client, carol):
    f.mentor_profile(carol)
    carol.membership_status = "lapsed"
    carol.save()
    services.mentor_lapse_check()
    carol.membership_status = (
        "current"  # the page is for a member; only the award lapsed
    )
    carol.save()
    carol.awards.update(removed_on=datetime.date(2020, 1, 1))
    page = login(client, carol).get("/mentors/").text
    assert "Lapsed" in page
    assert "Hold a current level of Professional Registration" in page


def test_no_request_reaches_a_mentor_before_training_and_workshop(db, alice, carol):
    profile = f.mentor_profile(
        carol, status=MentorStatus.TRAINED, workshop_attended_on=None
    )
    with pytest.raises(
        mentoring.MentoringError, match="Professional Registration workshop"
    ):
        mentoring.request_create(
            enrolment=alice.enrolments.get(), mentor=profile, message="Hi"
        )
    profile.workshop_attended_on = datetime.date(2026, 1, 1)
    profile.trained_on = None
    profile.status = MentorStatus.WORKSHOP_ATTENDED
    profile.save()
    with pytest.raises(
        mentoring.MentoringError, match="not yet completed mentor training"
    ):
        mentoring.request_create(
            enrolment=alice.enrolments.get(), mentor=profile, message="Hi"
        )
    assert not MentoringRequest.objects.exists()
