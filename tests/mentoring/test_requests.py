"""Every transition of a mentoring request over HTTP, and the illegal ones."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.scheme.models import Enrolment
from tests import factories as f
from tests.personas import login, mentor


def ask(client, candidate, mentor_member, message="Hello, could you mentor me?"):
    login(client, candidate)
    return client.post(
        f"/mentoring/directory/{mentor_member.mentor_profile.pk}/", {"message": message}
    )


def test_a_candidate_finds_and_requests_an_allowed_mentor(
    client, alice, dora, django_capture_on_commit_callbacks
):
    login(client, alice)
    page = client.get("/mentoring/directory/")
    assert "Dora Davies" in page.text
    assert "works in academic (higher and further education); you work in" in page.text
    assert "dora@example.org" not in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, alice, dora)
    assert response.status_code == 302
    request = MentoringRequest.objects.get()
    assert request.status == "pending"
    assert mail.outbox[0].to == ["dora@example.org"]


def test_the_directory_marks_the_mentors_the_candidate_has_asked(
    client, alice, dora, bob
):
    ask(client, alice, dora)
    cards = client.get("/mentoring/directory/").text.split('class="card mentor-card"')
    doras = [card for card in cards if "Dora Davies" in card]
    bobs = [card for card in cards if bob.full_name in card]
    assert doras and all("You have asked this mentor" in card for card in doras)
    assert bobs and not any("You have asked this mentor" in card for card in bobs)


def test_the_mentor_accepts_and_the_other_requests_are_withdrawn(
    client, alice, dora, bob, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    ask(client, alice, bob)
    to_dora, to_bob = MentoringRequest.objects.order_by("pk")
    login(client, dora)
    # Beside the button, what accepting does and to whom.
    page = client.get(f"/mentoring/requests/{to_dora.pk}/").text
    assert (
        "Accepting emails Alice, and you each see the other's contact details. "
        "Alice's other open request, to Bob Baker, is withdrawn, and that "
        "mentor is told." in page
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/mentoring/requests/{to_dora.pk}/accept/",
            {"not_line_manager": "yes"},
        )
    relationship = MentoringRelationship.objects.get()
    assert response["Location"] == f"/mentoring/relationships/{relationship.pk}/"
    to_bob.refresh_from_db()
    assert to_bob.status == "withdrawn"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "bob@example.org",
        "dora@example.org",
    ]


def test_accepting_a_withdrawn_request_is_refused_and_changes_nothing(
    client, alice, dora
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    client.post(f"/mentoring/requests/{request.pk}/withdraw/", {"confirmed": "yes"})
    login(client, dora)
    response = client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
        follow=True,
    )
    assert "no longer open: it was withdrawn" in response.text
    assert not MentoringRelationship.objects.exists()


def test_a_full_mentor_cannot_be_requested(client, alice, dora):
    other = f.MemberFactory()
    MentoringRelationship.objects.create(
        enrolment=f.enrol(other), mentor=dora.mentor_profile
    )
    login(client, alice)
    assert "Dora Davies" not in client.get("/mentoring/directory/").text
    assert ask(client, alice, dora).status_code == 404
    assert not MentoringRequest.objects.exists()


def test_the_line_manager_is_never_shown_nor_requestable(client, alice, dora):
    alice.line_manager = dora
    alice.save()
    login(client, alice)
    assert "Dora Davies" not in client.get("/mentoring/directory/").text
    assert ask(client, alice, dora).status_code == 404
    assert not MentoringRequest.objects.exists()


def test_a_mentor_not_allowed_for_the_level_is_not_offered(client, db):
    fiona = f.MemberFactory(first_name="Fiona", email="fiona@example.org")
    f.with_account(fiona)
    f.enrol(fiona, "fellowship")
    chartered = mentor(first_name="Charles", last_name="Chartered")
    login(client, fiona)
    assert "Charles Chartered" not in client.get("/mentoring/directory/").text
    assert ask(client, fiona, chartered).status_code == 404


def test_a_fourth_open_request_is_refused(client, alice):
    mentors = [mentor(last_name=f"Mentor{i}") for i in range(4)]
    for m in mentors[:3]:
        assert ask(client, alice, m).status_code == 302
    response = ask(client, alice, mentors[3])
    assert response.status_code == 400
    assert "the most allowed at once" in response.text
    assert MentoringRequest.objects.count() == 3


def test_asking_the_same_mentor_twice_is_refused(client, alice, dora):
    ask(client, alice, dora)
    response = ask(client, alice, dora)
    assert "already asked this mentor" in response.text
    assert MentoringRequest.objects.count() == 1


def test_decline_needs_a_reason_and_tells_the_candidate(
    client, alice, dora, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, dora)
    response = client.post(f"/mentoring/requests/{request.pk}/decline/")
    assert (
        response.status_code == 400
        and "Choose a reason for declining." in response.text
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentoring/requests/{request.pk}/decline/",
            {"confirmed": "yes", "reason": "busy", "message": "Try again in spring."},
        )
    request.refresh_from_db()
    assert (request.status, request.decline_reason) == ("declined", "busy")
    assert (
        "too busy" in mail.outbox[-1].body
        and "Try again in spring." in mail.outbox[-1].body
    )


@pytest.mark.parametrize(
    "reason, told",
    [
        ("full", "Dora Davies is not able to mentor you: they have no free place."),
        ("busy", "Dora Davies is not able to mentor you: they are too busy at the"),
        ("not_a_fit", "Dora Davies is not able to mentor you: they are not the right"),
        ("other", "Dora Davies is not able to mentor you."),
    ],
)
def test_the_candidate_reads_the_mentors_reason_in_words_about_the_mentor(
    client, alice, dora, django_capture_on_commit_callbacks, reason, told
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, dora)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentoring/requests/{request.pk}/decline/",
            {"confirmed": "yes", "reason": reason},
        )
    body = mail.outbox[-1].body
    assert mail.outbox[-1].to == ["alice@example.org"]
    assert told in body
    assert " i " not in body and "another reason" not in body


def test_more_information_then_reply_then_accept(client, alice, dora):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, dora)
    client.post(
        f"/mentoring/requests/{request.pk}/ask/",
        {"message": "Which sector?"},
    )
    request.refresh_from_db()
    assert request.status == "more_info"
    login(client, alice)
    assert "Which sector?" in client.get(f"/mentoring/requests/{request.pk}/").text
    client.post(f"/mentoring/requests/{request.pk}/reply/", {"reply": "Health."})
    request.refresh_from_db()
    assert request.status == "pending" and request.candidate_reply == "Health."
    login(client, dora)
    client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
    )
    assert MentoringRelationship.objects.filter(enrolment__member=alice).exists()


def test_each_side_reads_the_requests_status_in_words_about_them(client, alice, dora):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    url = f"/mentoring/requests/{request.pk}/"
    tag = '<dt>Status</dt><dd><span class="tag">{}</span>'
    assert tag.format("Waiting for your answer") in login(client, dora).get(url).text
    assert "· Waiting for your answer</p>" in client.get("/mentors/").text
    assert tag.format("Waiting for the mentor") in login(client, alice).get(url).text
    login(client, dora)
    client.post(f"{url}ask/", {"message": "Which sector?"})
    page = client.get(url).text
    assert tag.format("You asked for more information") in page
    assert "Mentor asked" not in page


def test_only_the_mentor_can_accept(client, alice, dora, bob):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, bob)
    assert (
        client.post(
            f"/mentoring/requests/{request.pk}/accept/",
            {"not_line_manager": "yes"},
        ).status_code
        == 404
    )
    login(client, alice)
    response = client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
    )
    assert response.status_code == 403
    assert not MentoringRelationship.objects.exists()


def test_a_mentor_who_lost_their_place_cannot_accept(client, alice, dora):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    MentoringRelationship.objects.create(
        enrolment=f.enrol(f.MemberFactory()), mentor=dora.mentor_profile
    )
    login(client, dora)
    response = client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
        follow=True,
    )
    assert "no free place" in response.text
    assert not MentoringRelationship.objects.filter(enrolment__member=alice).exists()


def test_a_mentor_is_told_why_they_cannot_accept_in_words_addressed_to_them(
    client, alice, dora
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    MentoringRelationship.objects.create(
        enrolment=f.enrol(f.MemberFactory()), mentor=dora.mentor_profile
    )
    login(client, dora)
    page = client.get(f"/mentoring/requests/{request.pk}/").text
    assert "You have no free place at the moment." in page
    response = client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
        follow=True,
    )
    assert "You have no free place at the moment." in response.text
    assert "This mentor" not in response.text


def test_a_paused_or_unlisted_mentor_is_not_in_the_directory(client, alice, dora, bob):
    dora.mentor_profile.accepting = False
    dora.mentor_profile.save()
    bob.mentor_profile.status = "trained"
    bob.mentor_profile.save()
    login(client, alice)
    text = client.get("/mentoring/directory/").text
    assert "Dora Davies" not in text and "Bob Baker" not in text


def test_the_directory_is_for_candidates_officers_and_staff_only(
    client, bob, olivia, dora, db
):
    assert client.get("/mentoring/directory/").status_code == 302
    assert login(client, bob).get("/mentoring/directory/").status_code == 403
    page = login(client, olivia).get("/mentoring/directory/").text
    assert "Dora Davies" in page
    # An officer is not looking for a mentor: the list is not "available to you".
    assert "<h2>All mentors who can take a candidate</h2>" in page
    assert "available to you" not in page


def test_a_candidate_whose_portfolio_is_submitted_has_no_mentor_to_find(
    client, alice, dora, sam
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    login(client, alice)
    page = client.get("/mentoring/directory/").text
    assert "Your portfolio is submitted" in page and "Dora Davies" not in page
    page = client.get(f"/mentoring/directory/{dora.mentor_profile.pk}/").text
    assert "Your portfolio is submitted" in page and "Send my request" not in page
    response = ask(client, alice, dora)
    assert "Your portfolio is submitted" in response.text
    assert not MentoringRequest.objects.exists()


def test_a_candidate_asked_for_further_information_finds_a_mentor_as_when_enrolled(
    client, alice, dora, sam, django_capture_on_commit_callbacks
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    services.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    login(client, alice)
    home = client.get("/mentoring/").text
    assert "The assessors have asked for further information" in home
    assert "Find a mentor</a>" in home and "Need help finding a mentor" in home
    assert "Dora Davies" in client.get("/mentoring/directory/").text
    assert ask(client, alice, dora).status_code == 302
    request = MentoringRequest.objects.get()
    login(client, dora)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentoring/requests/{request.pk}/accept/", {"not_line_manager": "yes"}
        )
    assert MentoringRelationship.objects.get().mentor == dora.mentor_profile


def test_a_candidate_whose_mentoring_was_complete_finds_one_again_once_further_information_is_asked(
    client, alice, dora, sam, olivia, django_capture_on_commit_callbacks
):
    """The usual path: both confirm completion, the portfolio goes in, and the
    assessors send it back. It is being prepared again, and a mentor may help: the
    one before, or another."""
    enrolment = alice.enrolments.get()
    MentoringRelationship.objects.create(
        enrolment=enrolment,
        mentor=dora.mentor_profile,
        status="completed",
        started_on=datetime.date(2026, 1, 5),
        ended_on=datetime.date(2026, 6, 1),
        completion_confirmed_at=timezone.now() - datetime.timedelta(days=30),
    )
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    login(client, alice)
    assert "Dora Davies" not in client.get("/mentoring/directory/").text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_set_status(
            enrolment=enrolment, status="further_info", by=sam
        )
    (email,) = [m for m in mail.outbox if m.to == [alice.email]]
    assert "A mentor can help you prepare it: find one at" in email.body
    home = client.get("/mentoring/").text
    assert "Find a mentor</a>" in home
    assert "Dora Davies" in client.get("/mentoring/directory/").text
    assert ask(client, alice, dora).status_code == 302
    request = MentoringRequest.objects.get()
    login(client, dora)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentoring/requests/{request.pk}/accept/", {"not_line_manager": "yes"}
        )
    assert enrolment.relationships.filter(status="active").count() == 1
    # The second round's completion stands: no third mentor is found.
    relationship = enrolment.relationships.get(status="active")
    login(client, alice)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/complete/",
        {"reason": "We worked on the assessors' questions by email."},
    )
    login(client, dora)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/complete/",
        {"reason": "We worked on the assessors' questions by email."},
    )
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    login(client, alice)
    assert (
        "Your mentoring for this enrolment is complete"
        in client.get("/mentoring/directory/").text
    )


def test_the_hourly_run_leaves_the_search_of_further_information_open(
    client, alice, dora, sam
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    services.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    ask(client, alice, dora)
    services.help_request(enrolment=enrolment, message="Anyone?")
    call_command("run_periodic", stdout=io.StringIO())
    assert MentoringRequest.objects.get().status == "pending"
    assert HelpFlag.objects.get().resolved_at is None


def test_submitting_the_portfolio_closes_the_open_requests_telling_the_mentor(
    client, alice, dora, sam, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    mail.outbox.clear()
    enrolment = alice.enrolments.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    request = MentoringRequest.objects.get()
    assert request.status == "closed"
    (to_dora,) = [m.body for m in mail.outbox if m.to == ["dora@example.org"]]
    assert "withdrawn: their portfolio is submitted" in to_dora
    (to_alice,) = [m.body for m in mail.outbox if m.to == ["alice@example.org"]]
    assert "your open request to mentors has been closed" in to_alice
    assert "Find another mentor" not in to_alice
    login(client, dora)
    assert "Accept Alice" not in client.get(f"/mentoring/requests/{request.pk}/").text
    response = client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
        follow=True,
    )
    assert "This request is no longer open" in response.text
    assert not MentoringRelationship.objects.exists()


def test_a_request_left_open_on_a_submitted_portfolio_cannot_be_accepted(
    client, alice, dora
):
    # Recorded before submitting closed requests (an older release), or around it.
    ask(client, alice, dora)
    Enrolment.objects.filter(member=alice).update(status="submitted")
    with pytest.raises(services.MentoringError, match="portfolio is submitted"):
        services.request_accept(
            request=MentoringRequest.objects.get(),
            mentor=dora.mentor_profile,
            confirms_not_line_manager=True,
        )
    assert not MentoringRelationship.objects.exists()


def test_the_hourly_run_ends_the_search_a_submitted_portfolio_left_open(
    client, alice, dora, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    services.help_request(enrolment=alice.enrolments.get(), message="Anyone?")
    Enrolment.objects.filter(member=alice).update(status="submitted")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
    assert MentoringRequest.objects.get().status == "closed"
    assert not HelpFlag.objects.filter(resolved_at__isnull=True).exists()
    (to_dora,) = [m.body for m in mail.outbox if m.to == ["dora@example.org"]]
    assert "withdrawn: their portfolio is submitted" in to_dora
    assert not [m for m in mail.outbox if "Find another mentor" in m.body]
    # And the next run has nothing more to do.
    assert services.searches_end_for_submitted() == 0


def test_the_hourly_run_tells_the_candidate_once_why_their_requests_closed(
    client, alice, dora, bob, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    ask(client, alice, bob)
    services.help_request(enrolment=alice.enrolments.get(), message="Anyone?")
    Enrolment.objects.filter(member=alice).update(status="submitted")
    mail.outbox.clear()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_periodic", stdout=io.StringIO())
    (to_alice,) = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert to_alice.subject == (
        "[Mentor Scheme] Your open requests to mentors have been closed"
    )
    assert "Your Chartership portfolio is with the assessors" in to_alice.body
    assert "to Dora Davies and Bob Baker have been closed" in to_alice.body
    assert "Your request for help finding a mentor has been closed too" in (
        to_alice.body
    )
    assert "If the assessors ask for further information" in to_alice.body
    login(client, alice)
    request = MentoringRequest.objects.filter(mentor=dora.mentor_profile).get()
    page = client.get(f"/mentoring/requests/{request.pk}/").text
    assert "If the assessors ask for further information" in page


def test_submitting_tells_the_candidate_of_closed_requests_in_one_email(
    client, alice, dora, sam, django_capture_on_commit_callbacks
):
    ask(client, alice, dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_set_status(
            enrolment=alice.enrolments.get(), status="submitted", by=sam
        )
        call_command("run_periodic", stdout=io.StringIO())
    (to_alice,) = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert "enrolment: submitted" in to_alice.subject
