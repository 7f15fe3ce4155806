"""Completion that means something, and a meeting log that can be put right."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring.models import (
    Meeting,
    MentoringRelationship,
    MentoringRequest,
)
from tests import factories as f
from tests.personas import login

MEETING = {"mode": "zoom", "duration_minutes": 45, "notes": "Talked criteria."}


def pair(alice, dora, *, days_ago=10, qualification=None):
    enrolment = alice.enrolments.get()
    if qualification:
        enrolment.qualification = f.qualification(qualification)
        enrolment.save()
    request = MentoringRequest.objects.create(
        enrolment=enrolment,
        mentor=dora.mentor_profile,
        message="Hello",
        status="accepted",
        created_at=timezone.now() - datetime.timedelta(days=days_ago + 5),
    )
    return MentoringRelationship.objects.create(
        enrolment=enrolment,
        mentor=dora.mentor_profile,
        request=request,
        started_on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


def complete_url(relationship):
    return f"/mentoring/relationships/{relationship.pk}/complete/"


def test_completion_needs_both_behind_a_confirmation_step(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora)
    Meeting.objects.create(relationship=relationship, held_on=timezone.localdate(), **MEETING)  # fmt: skip
    login(client, dora)
    page = client.get(complete_url(relationship))
    assert "Mentoring is complete when both of you confirm it" in page.text
    relationship.refresh_from_db()
    assert relationship.mentor_completion_at is None  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(complete_url(relationship))
    relationship.refresh_from_db()
    assert relationship.is_active and relationship.mentor_completion_at
    assert mail.outbox[-1].to == ["alice@example.org"]
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(complete_url(relationship))
    relationship.refresh_from_db()
    assert relationship.status == "completed" and relationship.completion_confirmed_at


def test_without_a_meeting_completion_needs_a_written_reason(client, alice, dora):
    relationship = pair(alice, dora)
    login(client, dora)
    response = client.post(complete_url(relationship), {"reason": ""})
    assert response.status_code == 400
    assert "Say why mentoring is complete without a logged meeting" in response.text
    client.post(complete_url(relationship), {"reason": "We worked by email."})
    relationship.refresh_from_db()
    assert relationship.mentor_completion_at
    assert relationship.completion_reason == "We worked by email."


def test_the_second_to_confirm_reads_the_reason_given_and_keeps_it(client, alice, dora):
    relationship = pair(alice, dora)
    login(client, dora)
    asked = client.get(complete_url(relationship)).text
    # Asked for, it is not marked optional.
    assert "Why mentoring is complete without a logged meeting</label>" in asked
    client.post(complete_url(relationship), {"reason": "We worked by email."})
    login(client, alice)
    page = client.get(complete_url(relationship)).text
    assert "Dora gave this reason" in page
    assert "We worked by email." in page
    assert 'name="reason"' not in page  # the reason stands behind both
    client.post(complete_url(relationship), {})
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    assert relationship.completion_reason == "We worked by email."


def test_for_fellowship_the_mentor_writes_a_letter_the_candidate_downloads(
    client, alice, dora
):
    relationship = pair(alice, dora, qualification="fellowship")
    login(client, dora)
    response = client.post(complete_url(relationship))
    assert "writes the letter of support before" in response.text
    letter = "I have mentored Alice for a year. " * 5
    client.post(
        f"/mentoring/relationships/{relationship.pk}/letter/", {"letter": letter}
    )
    relationship.refresh_from_db()
    assert relationship.letter_of_support.startswith("I have mentored Alice")
    login(client, alice)
    download = client.get(
        f"/mentoring/relationships/{relationship.pk}/letter/?download=1"
    )
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "Letter of support for Alice Archer" in download.content.decode()
    assert "I have mentored Alice" in download.content.decode()
    # The candidate cannot write it.
    client.post(f"/mentoring/relationships/{relationship.pk}/letter/", {"letter": "x"})
    relationship.refresh_from_db()
    assert relationship.letter_of_support.startswith("I have mentored Alice")


def test_an_officer_reopens_a_completion_within_the_period(client, alice, dora, olivia):
    relationship = pair(alice, dora)
    relationship.status = "completed"
    relationship.ended_on = timezone.localdate()
    relationship.save()
    login(client, olivia)
    url = f"/mentoring/relationships/{relationship.pk}/reopen/"
    why = {"reason": "Confirmed by mistake, they are still working."}
    asked = client.post(url, why).text
    assert "Reopen the mentoring of Alice Archer by Dora Davies?" in asked
    assert "Both confirmations of completion are cleared" in asked
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    client.post(url, why | {"confirmed": "yes"})
    relationship.refresh_from_db()
    assert relationship.is_active and relationship.reopened_at
    relationship.status = "completed"
    relationship.ended_on = timezone.localdate() - datetime.timedelta(days=400)
    relationship.save()
    response = client.post(
        f"/mentoring/relationships/{relationship.pk}/reopen/",
        {"reason": "Too late for this one."},
        follow=True,
    )
    assert "can no longer be reopened" in response.text
    relationship.refresh_from_db()
    assert relationship.status == "completed"


def completed(alice, dora):
    relationship = pair(alice, dora)
    relationship.status = "completed"
    relationship.ended_on = timezone.localdate()
    relationship.save()
    return relationship


REOPEN_WHY = {"reason": "Confirmed by mistake, they are still working."}


def assert_reopening_refused(client, relationship, words):
    """Refused on the confirmation page, and again if the confirmation is posted
    anyway; the mentoring stays completed."""
    url = f"/mentoring/relationships/{relationship.pk}/reopen/"
    asked = client.post(url, REOPEN_WHY, follow=True).text
    assert "Yes, reopen the mentoring" not in asked
    assert words in asked
    forced = client.post(url, REOPEN_WHY | {"confirmed": "yes"}, follow=True).text
    assert words in forced
    relationship.refresh_from_db()
    assert relationship.status == "completed" and relationship.reopened_at is None


@pytest.mark.parametrize("status", ["retired", "lapsed"])
def test_a_completion_is_not_reopened_with_a_mentor_who_has_left(
    client, alice, dora, olivia, status
):
    relationship = completed(alice, dora)
    dora.mentor_profile.status = status
    dora.mentor_profile.save()
    login(client, olivia)
    assert_reopening_refused(client, relationship, "not listed in the mentor directory")


def test_a_completion_is_not_reopened_when_the_mentor_has_no_free_place(
    client, alice, dora, olivia
):
    relationship = completed(alice, dora)
    other = f.enrol(f.MemberFactory())
    MentoringRelationship.objects.create(enrolment=other, mentor=dora.mentor_profile)
    login(client, olivia)
    assert_reopening_refused(client, relationship, "no free place")
    assert dora.mentor_profile.relationships.filter(status="active").count() == 1


def test_an_officer_is_told_why_a_completion_cannot_reopen_in_words_about_the_mentor(
    client, alice, dora, olivia
):
    relationship = completed(alice, dora)
    dora.mentor_profile.accepting = False
    dora.mentor_profile.save()
    login(client, olivia)
    assert_reopening_refused(
        client,
        relationship,
        "Dora Davies cannot take this candidate on again now, so the mentoring "
        "cannot reopen: The mentor is not taking on new candidates at the moment.",
    )


def test_a_completion_is_not_reopened_when_the_candidates_membership_has_lapsed(
    client, alice, dora, olivia
):
    relationship = completed(alice, dora)
    alice.membership_status = "lapsed"
    alice.save()
    login(client, olivia)
    assert_reopening_refused(client, relationship, "membership is no longer current")


def test_a_completion_is_not_reopened_when_the_candidate_has_another_mentor(
    client, alice, dora, olivia
):
    relationship = completed(alice, dora)
    other_mentor = f.MemberFactory()
    f.award(other_mentor, "fellowship")
    MentoringRelationship.objects.create(
        enrolment=relationship.enrolment, mentor=f.mentor_profile(other_mentor)
    )
    login(client, olivia)
    assert_reopening_refused(client, relationship, "already has another mentor")


def test_the_reopen_form_is_on_the_page_once_and_not_in_its_title(
    client, alice, dora, olivia
):
    relationship = pair(alice, dora)
    relationship.status = "completed"
    relationship.ended_on = timezone.localdate()
    relationship.save()
    login(client, olivia)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/").text
    title = page[page.index("<title>") : page.index("</title>")]
    assert title == "<title>Mentoring: Alice Archer and Dora Davies — Mentor Scheme"
    assert page.count("Reopen the mentoring</button>") == 1


def test_a_candidate_whose_mentoring_is_complete_is_not_offered_another_mentor(
    client, alice, dora, bob
):
    completed(alice, dora)
    login(client, alice)
    page = client.get("/mentoring/directory/").text
    assert "Your mentoring for this enrolment is complete." in page
    assert bob.full_name not in page
    asked = client.post(
        f"/mentoring/directory/{bob.mentor_profile.pk}/", {"message": "Once more?"}
    )
    assert asked.status_code == 404
    assert not bob.mentor_profile.requests.exists()


def test_a_request_sent_before_the_mentoring_was_completed_cannot_be_accepted(
    client, alice, dora, bob
):
    relationship = completed(alice, dora)
    request = MentoringRequest.objects.create(
        enrolment=relationship.enrolment, mentor=bob.mentor_profile, message="Hi"
    )
    login(client, bob)
    response = client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
        follow=True,
    )
    assert "mentoring for this enrolment is complete" in response.text
    assert not bob.mentor_profile.relationships.exists()


def test_the_informal_first_chat_is_logged_from_the_request_date(client, alice, dora):
    relationship = pair(alice, dora, days_ago=10)
    login(client, alice)
    chat = timezone.localdate() - datetime.timedelta(days=12)
    response = client.post(
        f"/mentoring/relationships/{relationship.pk}/meetings/new/",
        {**MEETING, "held_on": chat.strftime("%d/%m/%Y")},
    )
    assert response.status_code == 302, response.text
    assert Meeting.objects.get().held_on == chat
    too_early = timezone.localdate() - datetime.timedelta(days=30)
    response = client.post(
        f"/mentoring/relationships/{relationship.pk}/meetings/new/",
        {**MEETING, "held_on": too_early.strftime("%d/%m/%Y")},
    )
    assert "when the request was sent" in response.text


def logged_by(member, relationship) -> Meeting:
    return Meeting.objects.create(
        relationship=relationship,
        held_on=timezone.localdate(),
        created_by=member.user,
        **MEETING,
    )


def test_the_author_corrects_or_removes_a_meeting_within_14_days_history_kept(
    client, alice, dora
):
    relationship = pair(alice, dora)
    meeting = logged_by(alice, relationship)
    login(client, dora)
    assert client.get(f"/mentoring/meetings/{meeting.pk}/edit/").status_code == 403
    login(client, alice)
    client.post(
        f"/mentoring/meetings/{meeting.pk}/edit/",
        {
            **MEETING,
            "duration_minutes": 60,
            "held_on": timezone.localdate().strftime("%d/%m/%Y"),
        },  # fmt: skip
    )
    meeting.refresh_from_db()
    assert meeting.duration_minutes == 60
    assert meeting.revisions.get().duration_minutes == 45
    client.post(f"/mentoring/meetings/{meeting.pk}/remove/")
    meeting.refresh_from_db()
    assert meeting.removed_at is not None
    assert meeting.revisions.count() == 2
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert "Removed from the log (1)" in page.text
    late = Meeting.objects.create(
        relationship=relationship,
        held_on=timezone.localdate(),
        created_by=alice.user,
        **MEETING,
    )
    Meeting.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=15)
    )
    assert client.get(f"/mentoring/meetings/{late.pk}/edit/").status_code == 403


def test_the_only_meeting_behind_a_completion_is_not_removed(client, alice, dora):
    relationship = pair(alice, dora)
    meeting = logged_by(alice, relationship)
    login(client, dora)
    client.post(complete_url(relationship))
    login(client, alice)
    client.post(complete_url(relationship))
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    url = f"/mentoring/meetings/{meeting.pk}/remove/"
    assert "the only meeting behind" in client.get(url).text  # said before
    page = client.post(url, follow=True).text
    assert "the only meeting behind" in page
    meeting.refresh_from_db()
    assert meeting.removed_at is None
    assert not meeting.revisions.exists()


@pytest.mark.parametrize(
    ("status", "words"), [("completed", "was completed"), ("ended_early", "ended")]
)
def test_a_meeting_after_the_mentoring_ended_is_refused_one_before_is_logged_late(
    client, alice, dora, status, words
):
    relationship = pair(alice, dora, days_ago=30)
    ended = timezone.localdate() - datetime.timedelta(days=5)
    relationship.status, relationship.ended_on = status, ended
    relationship.save()
    login(client, dora)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/").text
    assert "Log a meeting held before it ended</a>" in page
    url = f"/mentoring/relationships/{relationship.pk}/meetings/new/"
    form = client.get(url).text
    assert "You can still log a meeting held on or before that day." in form
    assert f'value="{ended:%d/%m/%Y}"' in form
    response = client.post(
        url, {**MEETING, "held_on": timezone.localdate().strftime("%d/%m/%Y")}
    )
    assert (
        f"This mentoring {words} on {ended:%-d %B %Y}, so a meeting after that day "
        "cannot be logged. A meeting held on or before that day can still be added "
        "to the log." in response.text
    )
    assert not Meeting.objects.exists()
    response = client.post(url, {**MEETING, "held_on": ended.strftime("%d/%m/%Y")})
    assert response.status_code == 302
    assert Meeting.objects.get().held_on == ended
    # Logged late: it says nothing of whether the mentor is active now.
    dora.mentor_profile.refresh_from_db()
    assert dora.mentor_profile.last_active_at is None


def test_a_meeting_sent_twice_is_logged_once(client, alice, dora):
    relationship = pair(alice, dora)
    login(client, alice)
    url = f"/mentoring/relationships/{relationship.pk}/meetings/new/"
    today = {**MEETING, "held_on": timezone.localdate().strftime("%d/%m/%Y")}
    first = client.post(url, today)
    # A double click, or the form sent again from the browser's history.
    again = client.post(url, today, follow=True)
    assert again.redirect_chain[0][0] == first["Location"]
    assert "The meeting has been added to your log." in again.text
    assert Meeting.objects.count() == 1
    # A different meeting that day is a meeting of its own, and so is the same one
    # logged by the mentor.
    client.post(url, {**today, "notes": "Talked evidence."})
    login(client, dora)
    client.post(url, today)
    assert Meeting.objects.count() == 3


def test_the_same_meeting_logged_again_later_is_a_meeting_of_its_own(
    client, alice, dora
):
    relationship = pair(alice, dora)
    login(client, alice)
    url = f"/mentoring/relationships/{relationship.pk}/meetings/new/"
    today = {**MEETING, "held_on": timezone.localdate().strftime("%d/%m/%Y")}
    client.post(url, today)
    Meeting.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=11))
    client.post(url, today)
    assert Meeting.objects.count() == 2


def test_a_confirmation_of_completion_waits_on_the_other_persons_home(
    client, alice, dora
):
    relationship = pair(alice, dora)
    Meeting.objects.create(relationship=relationship, held_on=timezone.localdate(), **MEETING)  # fmt: skip
    login(client, dora)
    client.post(complete_url(relationship))
    login(client, alice)
    home = client.get("/").text
    assert "1 thing waits for you." in home
    assert "Dora has confirmed that your mentoring is complete" in home
    assert f'href="{complete_url(relationship)}"' in home
    mentoring = client.get("/mentoring/").text
    assert "your mentor confirms completion" not in mentoring
    assert "Dora has confirmed that your mentoring is complete" in mentoring

    relationship.mentor_completion_at = None
    relationship.candidate_completion_at = timezone.now()
    relationship.save()
    mentoring = client.get("/mentoring/").text
    assert "You have confirmed that mentoring is complete; waiting for Dora" in (
        mentoring
    )
    login(client, dora)
    home = client.get("/").text
    assert "1 thing waits for you." in home
    assert "Alice has confirmed that mentoring is complete" in home
    assert f'href="{complete_url(relationship)}"' in home


def test_a_fellowship_candidate_reads_that_the_mentor_writes_a_letter(
    client, alice, dora
):
    relationship = pair(alice, dora, qualification="fellowship")
    now = timezone.now()
    relationship.agreements.create(
        version=1,
        goals="Write the evaluative statement.",
        frequency="Monthly",
        candidate_confirmed_at=now,
        mentor_confirmed_at=now,
    )
    login(client, alice)
    mentoring = client.get("/mentoring/").text
    assert "Log your meetings" in mentoring
    assert "your mentor confirms completion" not in mentoring
    assert "Dora writes your letter of support" in mentoring


def letter_url(relationship):
    return f"/mentoring/relationships/{relationship.pk}/letter/"


def write_letter(client, dora, relationship) -> str:
    login(client, dora)
    first = "I have mentored Alice for a year. " * 5
    client.post(letter_url(relationship), {"letter": first})
    return first


def test_the_candidate_is_told_when_the_letter_of_support_is_revised(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora, qualification="fellowship")
    url = letter_url(relationship)
    with django_capture_on_commit_callbacks(execute=True):
        first = write_letter(client, dora, relationship)
    assert mail.outbox[-1].to == ["alice@example.org"]
    assert "has written your letter of support" in mail.outbox[-1].subject
    revised = first + "She leads her service's reading programme."
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"letter": revised})
    assert len(mail.outbox) == 2
    told = mail.outbox[-1]
    assert told.to == ["alice@example.org"]
    assert "has revised your letter of support" in told.subject
    assert "download it again" in told.body
    # The same letter sent again (a double click) tells nobody anything.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"letter": revised})
    assert len(mail.outbox) == 2


def test_a_letter_revised_after_the_candidate_confirmed_asks_them_to_confirm_again(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora, qualification="fellowship")
    url = letter_url(relationship)
    first = write_letter(client, dora, relationship)
    login(client, alice)
    # Alice reads the letter she confirms with.
    assert f'href="{url}?download=1">download it</a> and read it' in (
        client.get(complete_url(relationship)).text
    )
    client.post(complete_url(relationship))
    login(client, dora)
    # The mentor is told before saving what a change does.
    assert "Alice has confirmed that mentoring is complete" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"letter": first + "She leads a reading programme."})
    relationship.refresh_from_db()
    # Alice confirmed with the first letter in view: she reads the new one first.
    assert relationship.candidate_completion_at is None
    told = mail.outbox[-1]
    assert told.to == ["alice@example.org"]
    assert "confirm again" in told.body
    # The mentor's confirmation now waits on Alice, as any other would.
    client.post(complete_url(relationship))
    relationship.refresh_from_db()
    assert relationship.is_active
    login(client, alice)
    assert "Dora has confirmed that your mentoring is complete" in (
        client.get("/mentoring/").text
    )
