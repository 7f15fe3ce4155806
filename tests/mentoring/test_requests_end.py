"""Every open request ends; the rules see a mentor's choices; enrolments show."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.members.models import Region
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.scheme.models import SchemeSettings
from tests import factories as f
from tests.mentoring.test_requests import ask
from tests.mentors.test_becoming_a_mentor import application
from tests.personas import login, mentor


def asked_for_more(client, alice, dora):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, dora)
    client.post(
        f"/mentoring/requests/{request.pk}/ask/",
        {"message": "Which criteria worry you most?"},
    )
    request.refresh_from_db()
    assert request.status == "more_info"
    return request


def test_a_request_awaiting_the_candidates_reply_is_reminded_then_expires(
    client, alice, dora, django_capture_on_commit_callbacks
):
    request = asked_for_more(client, alice, dora)
    asked = request.responded_at
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.unanswered_questions_remind_and_expire(
            now=asked + datetime.timedelta(days=8)
        )
    assert counts == {"reminded": 1, "expired": 0}
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "Which criteria worry you most?" in mail.outbox[0].body
    # A second run the same day sends nothing more.
    assert services.unanswered_questions_remind_and_expire(
        now=asked + datetime.timedelta(days=8)
    ) == {"reminded": 0, "expired": 0}
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.unanswered_questions_remind_and_expire(
            now=asked + datetime.timedelta(days=15)
        )
    assert counts == {"reminded": 0, "expired": 1}
    request.refresh_from_db()
    assert request.status == "expired"
    assert sorted(m.to[0] for m in mail.outbox[1:]) == [
        "alice@example.org",
        "dora@example.org",
    ]
    # The slot is free again: no open request holds it.
    assert not services.selectors.open_requests(request.enrolment).exists()


def test_a_reply_stops_the_candidates_clock(client, alice, dora):
    request = asked_for_more(client, alice, dora)
    login(client, alice)
    client.post(
        f"/mentoring/requests/{request.pk}/reply/",
        {"reply": "Mostly the wider professional context."},
    )
    counts = services.unanswered_questions_remind_and_expire(
        now=timezone.now() + datetime.timedelta(days=400)
    )
    assert counts == {"reminded": 0, "expired": 0}


def test_a_reply_keeps_the_date_sent_and_restarts_the_mentors_clock(
    client, alice, dora, clock, django_capture_on_commit_callbacks
):
    request = asked_for_more(client, alice, dora)
    sent = request.created_at
    clock.move(days=10)
    login(client, alice)
    client.post(
        f"/mentoring/requests/{request.pk}/reply/",
        {"reply": "Mostly the wider professional context."},
    )
    request.refresh_from_db()
    assert request.created_at == sent
    assert "Sent" in (page := client.get(f"/mentoring/requests/{request.pk}/").text)
    assert sent.strftime("%-d %B %Y") in page
    replied = request.waiting_since
    assert replied > sent + datetime.timedelta(days=9)
    # The mentor's clock runs from the reply: a reminder after the usual wait, an
    # expiry after the usual expiry, each counted from the reply.
    settings = SchemeSettings.load()
    remind_at = replied + datetime.timedelta(days=settings.reminder_after_days)
    assert services.requests_remind_and_expire(
        now=remind_at - datetime.timedelta(hours=1)
    ) == {"reminded": 0, "expired": 0}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requests_remind_and_expire(now=remind_at)["reminded"] == 1
    expires = replied + datetime.timedelta(days=settings.expire_after_days)
    assert expires.strftime("%-d %B %Y") in mail.outbox[0].body


def test_a_mentor_who_chose_only_certification_is_not_offered_for_chartership(
    client, alice, dora
):
    dora.mentor_profile.qualifications.set([f.qualification("certification")])
    login(client, alice)
    page = client.get("/mentoring/directory/")
    assert "Dora Davies" not in page.text
    response = client.post(
        f"/mentoring/directory/{dora.mentor_profile.pk}/", {"message": "Hello"}
    )
    assert response.status_code == 404
    assert not MentoringRequest.objects.exists()
    dora.mentor_profile.qualifications.add(f.qualification("chartership"))
    assert "Dora Davies" in client.get("/mentoring/directory/?q=dora").text


def test_in_person_is_a_shared_way_only_where_the_mentor_meets_in_person(client, alice):
    # Alice is in London and meets in person; Niamh only in Northern Ireland.
    enrolment = alice.enrolments.get()
    enrolment.meeting_modes = ["in_person"]
    enrolment.save()
    niamh = mentor(
        first_name="Niamh",
        last_name="Quinn",
        region=Region.objects.get(code="ireland"),
        profile={"meeting_modes": ["in_person"]},
    )
    login(client, alice)
    page = client.get(f"/mentoring/directory/{niamh.mentor_profile.pk}/")
    assert page.status_code == 200
    assert "meets in person" not in page.text
    niamh.mentor_profile.regions.add(alice.region)
    page = client.get(f"/mentoring/directory/{niamh.mentor_profile.pk}/")
    assert "meets in ways you chose: in person in London" in page.text


def test_revalidation_needs_a_level_held(client, db):
    member = f.MemberFactory()
    f.with_account(member)
    login(client, member)
    response = client.post(
        "/mentoring/enrol/",
        {"qualification": f.qualification("revalidation").pk, "line_manager": "none"},
    )
    assert response.status_code == 400
    assert "you do not hold one at present" in response.text
    assert not member.enrolments.exists()
    f.award(member, "certification")
    client.post(
        "/mentoring/enrol/",
        {"qualification": f.qualification("revalidation").pk, "line_manager": "none"},
    )
    assert member.enrolments.get().qualification.code == "revalidation"


def test_a_candidate_with_two_open_enrolments_sees_each(client, alice):
    f.award(alice, "certification")
    revalidation = f.enrol(alice, "revalidation")
    login(client, alice)
    page = client.get("/mentoring/")
    assert "Your other open enrolments" in page.text
    assert f"?enrolment={revalidation.pk}" in page.text
    page = client.get(f"/mentoring/?enrolment={revalidation.pk}")
    assert "Not needed for Revalidation" in page.text
    assert "Chartership" in page.text


def test_a_qualification_without_mentors_never_sends_its_candidate_to_find_one(
    client, db, dora, django_capture_on_commit_callbacks
):
    member = f.MemberFactory(email="rhys@example.org")
    f.with_account(member)
    f.award(member, "chartership")
    login(client, member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/mentoring/enrol/",
            {
                "qualification": f.qualification("revalidation").pk,
                "line_manager": "none",
            },
            follow=True,
        )
    enrolment = member.enrolments.get()
    page = response.text.split("<main", 1)[1]  # the site's menu aside
    assert "find a mentor" not in page.lower()
    assert "Revalidation does not use mentors" in page
    assert "find a mentor" not in mail.outbox[-1].body.lower()
    home = client.get("/mentoring/").text.split("<main", 1)[1]
    assert "Revalidation does not use mentors" in home
    assert "Find a mentor" not in home and "Need help finding a mentor" not in home
    directory = client.get("/mentoring/directory/").text
    assert "Your qualification does not use mentors." in directory
    assert "Every mentor here may mentor you" not in directory
    response = client.post(
        "/mentoring/help/", {"enrolment": enrolment.pk, "message": "Help"}, follow=True
    )
    assert "Your qualification does not use mentors." in response.text
    assert not HelpFlag.objects.exists()


def test_each_open_enrolment_finds_its_own_mentor_and_asks_for_its_own_help(
    client, alice, dora
):
    chartership = alice.enrolments.get()
    certification = f.enrol(alice, "certification")  # the newest: shown first
    MentoringRelationship.objects.create(
        enrolment=certification, mentor=dora.mentor_profile
    )
    fay = mentor(first_name="Fay", last_name="Field", email="fay@example.org")
    login(client, alice)
    # The newest enrolment has a mentor: the directory says so by default.
    assert "You have a mentor" in client.get("/mentoring/directory/").text
    home = client.get(f"/mentoring/?enrolment={chartership.pk}").text
    find = f"/mentoring/directory/?enrolment={chartership.pk}"
    assert f'href="{find}"' in home
    directory = client.get(find).text
    mentor_page = (
        f"/mentoring/directory/{fay.mentor_profile.pk}/?enrolment={chartership.pk}"
    )
    assert f'href="{mentor_page}"' in directory
    response = client.post(mentor_page, {"message": "Would you mentor me?"})
    assert response.status_code == 302
    assert response["Location"] == f"/mentoring/?enrolment={chartership.pk}"
    request = MentoringRequest.objects.get()
    assert request.enrolment == chartership and request.mentor == fay.mentor_profile
    client.post(
        "/mentoring/help/",
        {"enrolment": chartership.pk, "message": "Nobody mentors my sector nearby."},
    )
    assert HelpFlag.objects.get().enrolment == chartership


def test_a_declined_candidate_is_sent_to_find_a_mentor_for_that_enrolment(
    client, alice, dora, django_capture_on_commit_callbacks
):
    chartership = alice.enrolments.get()
    certification = f.enrol(alice, "certification")  # the newest: shown first
    MentoringRelationship.objects.create(
        enrolment=certification, mentor=dora.mentor_profile
    )
    fay = mentor(first_name="Fay", last_name="Field", email="fay@example.org")
    request = MentoringRequest.objects.create(
        enrolment=chartership, mentor=fay.mentor_profile, message="Hello"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.request_decline(
            request=request, mentor=fay.mentor_profile, reason="busy"
        )
    link = next(
        word for word in mail.outbox[-1].body.split() if "/mentoring/directory/" in word
    )
    login(client, alice)
    directory = client.get(link.split("8000", 1)[1]).text
    assert "You have a mentor" not in directory
    assert "Find a mentor" in directory and "for Chartership" in directory
    # Without the enrolment (the site's menu), the page about the one with a
    # mentor says where to find a mentor for the other.
    matched = client.get("/mentoring/directory/").text
    assert "You have a mentor" in matched
    assert f'href="/mentoring/directory/?enrolment={chartership.pk}"' in matched


def lapse(member):
    member.membership_status = "lapsed"
    member.save()


def test_a_mentor_cannot_accept_a_candidate_whose_membership_lapsed_and_it_closes(
    client, alice, dora, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    lapse(alice)
    login(client, dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            f"/mentoring/requests/{request.pk}/accept/",
            {"not_line_manager": "yes"},
            follow=True,
        ).text
    assert (
        "Alice Archer&#x27;s membership is no longer current, and only current members "
        "are mentored, so you cannot accept. The request is closed and Alice has "
        "been told why." in page
    )
    assert not MentoringRelationship.objects.exists()
    request.refresh_from_db()
    assert request.status == "closed"
    to = {m.to[0]: m for m in mail.outbox}
    assert "Your membership is no longer current" in to["alice@example.org"].body
    assert "once your membership is renewed" in to["alice@example.org"].body
    assert (
        "withdrawn: their membership is no longer current"
        in to["dora@example.org"].body
    )


def test_the_periodic_run_closes_the_requests_of_candidates_no_longer_members(
    client, alice, dora, bob, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    other = f.enrol(f.MemberFactory(first_name="Still", last_name="Current"))
    services.request_create(enrolment=other, mentor=bob.mentor_profile, message="Hi")
    lapse(alice)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=out)
    assert (
        "requests of candidates whose membership is not current closed 1;"
        in out.getvalue()
    )
    closed, still_open = MentoringRequest.objects.order_by("pk")
    assert closed.status == "closed" and still_open.status == "pending"
    assert closed.closed_reason.startswith("Your membership is no longer current")
    assert services.register_changed()["not_current"] == 0


def test_a_member_whose_membership_is_not_current_cannot_ask_for_a_mentor(larry, dora):
    with pytest.raises(services.MentoringError, match="Once your membership is"):
        services.request_create(
            enrolment=larry.enrolments.get(),
            mentor=dora.mentor_profile,
            message="Could you mentor me?",
        )
    assert not MentoringRequest.objects.exists()


def test_a_member_cannot_enrol_on_a_level_they_already_hold(client, carol):
    login(client, carol)
    for code in ("chartership", "chartership-km"):
        response = client.post(
            "/mentoring/enrol/",
            {"qualification": f.qualification(code).pk, "line_manager": "none"},
        )
        assert response.status_code == 400
        assert (
            "You already hold Chartership, so you cannot enrol on "
            f"{f.qualification(code)}. To keep it current, enrol on Revalidation."
            in response.text
        )
    assert not carol.enrolments.exists()
    client.post(
        "/mentoring/enrol/",
        {"qualification": f.qualification("fellowship").pk, "line_manager": "none"},
    )
    assert carol.enrolments.get().qualification.code == "fellowship"


def test_a_member_whose_award_left_the_register_may_work_towards_it_again(
    client, carol
):
    carol.awards.update(removed_on=timezone.localdate())
    login(client, carol)
    client.post(
        "/mentoring/enrol/",
        {"qualification": f.qualification("chartership").pk, "line_manager": "none"},
    )
    assert carol.enrolments.get().qualification.code == "chartership"


def test_a_mentor_who_stops_supporting_a_qualification_closes_its_waiting_requests(
    client, alice, bob, django_capture_on_commit_callbacks
):
    ask(client, alice, bob)
    request = MentoringRequest.objects.get()
    login(client, bob)
    assert "Requests waiting for one you untick are closed" in (
        client.get("/mentors/profile/").text
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/mentors/profile/",
            application(qualifications=[f.qualification("certification").pk]),
        )
    request.refresh_from_db()
    # Bob could never accept it now: it stops holding one of Alice's places.
    assert not request.is_open
    [told] = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert "no longer supports candidates for Chartership" in told.body
    login(client, alice)
    page = client.get(f"/mentoring/requests/{request.pk}/").text
    assert "no longer supports candidates for Chartership" in page


def test_a_mentor_whose_level_is_removed_from_the_register_closes_requests_above_it(
    client, alice, dora, django_capture_on_commit_callbacks
):
    enrolment = alice.enrolments.get()
    enrolment.qualification = f.qualification("fellowship")
    enrolment.save()
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    # The register now shows Dora as Chartered, no longer a Fellow.
    f.award(dora, "chartership")
    dora.awards.filter(level__code="fellowship").update(
        removed_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.register_changed()
    request.refresh_from_db()
    # Dora could never accept it now: it closes, and Alice reads why.
    assert not request.is_open
    assert "level of registration is no longer high enough" in request.closed_reason
    assert "alice@example.org" in [m.to[0] for m in mail.outbox]
    assert services.register_changed()["beyond_level"] == 0
