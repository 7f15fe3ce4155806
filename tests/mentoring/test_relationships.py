import datetime

import pytest
from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import Agreement, MentoringRelationship, NotesAccess
from mentorscheme.scheme.models import Enrolment, SchemeSettings
from tests import factories as f
from tests.personas import login, mentor


def pair(alice, dora):
    return MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(),
        mentor=dora.mentor_profile,
        started_on=datetime.date(2026, 1, 1),
    )


AGREEMENT = {
    "goals": "Submit a Chartership portfolio by June.",
    "frequency": "Monthly, an hour",
    "meeting_modes": ["zoom"],
    "confidentiality": "What we discuss stays between us.",
}


def test_both_confirm_the_agreement_and_revisions_keep_versions(client, alice, dora):
    relationship = pair(alice, dora)
    login(client, alice)
    client.post(f"/mentoring/relationships/{relationship.pk}/agreement/", AGREEMENT)
    first = Agreement.objects.get()
    assert first.candidate_confirmed_at and not first.mentor_confirmed_at
    login(client, dora)
    client.post(f"/mentoring/agreements/{first.pk}/confirm/")
    first.refresh_from_db()
    assert first.is_confirmed
    client.post(
        f"/mentoring/relationships/{relationship.pk}/agreement/",
        {**AGREEMENT, "frequency": "Every two weeks"},
    )
    assert list(relationship.agreements.values_list("version", "frequency")) == [
        (2, "Every two weeks"),
        (1, "Monthly, an hour"),
    ]
    response = client.post(f"/mentoring/agreements/{first.pk}/confirm/", follow=True)
    assert "A newer version" in response.text


def test_an_agreement_left_unconfirmed_cannot_be_confirmed_once_the_mentoring_ended(
    client, alice, dora
):
    relationship = pair(alice, dora)
    login(client, alice)
    client.post(f"/mentoring/relationships/{relationship.pk}/agreement/", AGREEMENT)
    agreement = Agreement.objects.get()
    # The candidate ends it while the mentor still has the agreement open.
    client.post(
        f"/mentoring/relationships/{relationship.pk}/end/",
        {"reason": "Moving on", "confirmed": "yes"},
    )
    login(client, dora)
    response = client.post(
        f"/mentoring/agreements/{agreement.pk}/confirm/", follow=True
    )
    assert "This mentoring relationship has ended." in response.text
    assert "You have confirmed the agreement." not in response.text
    agreement.refresh_from_db()
    assert agreement.mentor_confirmed_at is None


def test_an_agreement_saved_again_unchanged_stays_confirmed_and_nobody_is_asked(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora)
    url = f"/mentoring/relationships/{relationship.pk}/agreement/"
    login(client, alice)
    client.post(url, AGREEMENT)
    first = Agreement.objects.get()
    login(client, dora)
    client.post(f"/mentoring/agreements/{first.pk}/confirm/")
    mail.outbox.clear()
    # Alice's browser sends the same agreement again (back button, double click).
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, AGREEMENT, follow=True)
    assert "Nothing has changed in the agreement" in response.text
    assert list(relationship.agreements.values_list("version", flat=True)) == [1]
    first.refresh_from_db()
    assert first.is_confirmed
    assert mail.outbox == []


def test_the_other_side_saving_the_agreement_unchanged_confirms_it(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora)
    url = f"/mentoring/relationships/{relationship.pk}/agreement/"
    login(client, alice)
    client.post(url, AGREEMENT)
    mail.outbox.clear()
    login(client, dora)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {**AGREEMENT, "goals": "  Submit a Chartership portfolio by June. "}
        )
    agreement = Agreement.objects.get()
    assert agreement.is_confirmed
    assert mail.outbox == []


def test_an_agreement_needs_confidentiality(client, alice, dora):
    relationship = pair(alice, dora)
    login(client, alice)
    response = client.post(
        f"/mentoring/relationships/{relationship.pk}/agreement/",
        {**AGREEMENT, "confidentiality": ""},
    )
    assert response.status_code == 400
    assert "confidentiality statement" in response.text
    assert not Agreement.objects.exists()


def test_meetings_are_logged_and_private_to_the_pair(client, alice, dora, olivia):
    relationship = pair(alice, dora)
    login(client, dora)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/meetings/new/",
        {
            "held_on": "2026-02-01",
            "mode": "zoom",
            "duration_minutes": "60",
            "notes": "Talked about evidence.",
            "action_points": "Draft the statement.",
        },
    )
    assert relationship.meetings.count() == 1
    login(client, olivia)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/").text
    assert "Talked about evidence." not in page
    refused = client.post(
        f"/mentoring/relationships/{relationship.pk}/open-notes/",
        {"reason": "x"},
        follow=True,
    )
    assert "Give a reason of at least a few words" in refused.text
    assert not NotesAccess.objects.exists()
    why = {"reason": "The candidate asked me to check progress."}
    url = f"/mentoring/relationships/{relationship.pk}/open-notes/"
    asked = client.post(url, why).text
    assert "Open the meeting notes of Alice Archer and Dora Davies?" in asked
    assert "Alice Archer and Dora Davies are each emailed" in asked
    assert not NotesAccess.objects.exists()
    client.post(url, why | {"confirmed": "yes"})
    assert (
        "Talked about evidence."
        in client.get(f"/mentoring/relationships/{relationship.pk}/").text
    )
    login(client, alice)
    assert (
        "The candidate asked me to check progress."
        in client.get(f"/mentoring/relationships/{relationship.pk}/").text
    )


def test_opening_the_notes_emails_each_of_the_pair_their_own_message(
    alice, dora, olivia, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora)
    relationship.status = "ended_early"
    relationship.ended_on = timezone.localdate() - datetime.timedelta(days=400)
    relationship.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.notes_access_open(
            relationship=relationship,
            officer=olivia.user,
            reason="A complaint was received.",
        )
    assert sorted(m.to for m in mail.outbox) == [
        ["alice@example.org"],
        ["dora@example.org"],
    ]
    assert not any(m.cc or m.bcc for m in mail.outbox)


def test_a_meeting_in_the_future_is_refused(client, alice, dora):
    relationship = pair(alice, dora)
    login(client, alice)
    response = client.post(
        f"/mentoring/relationships/{relationship.pk}/meetings/new/",
        {"held_on": "2099-01-01", "mode": "zoom", "duration_minutes": "60"},
    )
    assert response.status_code == 400 and "in the future" in response.text
    assert not relationship.meetings.exists()


def test_an_officer_of_another_region_cannot_see_the_pair(client, alice, dora, oscar):
    relationship = pair(alice, dora)
    login(client, oscar)
    assert client.get(f"/mentoring/relationships/{relationship.pk}/").status_code == 404


def test_either_side_ends_with_a_reason_and_the_candidate_can_look_again(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = pair(alice, dora)
    login(client, alice)
    client.post(f"/mentoring/relationships/{relationship.pk}/end/", {"reason": ""})
    relationship.refresh_from_db()
    assert relationship.is_active
    url = f"/mentoring/relationships/{relationship.pk}/end/"
    check = client.post(url, {"reason": "Moving on"})
    assert "End your mentoring with Dora Davies?" in check.text
    assert "Dora Davies is emailed that the mentoring has ended" in check.text
    relationship.refresh_from_db()
    assert relationship.is_active  # nothing happens before the second click
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Moving on", "confirmed": "yes"})
    relationship.refresh_from_db()
    assert (relationship.status, relationship.ended_by) == ("ended_early", "candidate")
    assert mail.outbox[-1].to == ["dora@example.org"]
    directory = client.get("/mentoring/directory/").text
    assert "Bob" not in directory  # nobody else listed; the history stays:
    assert "Dora Davies" in client.get("/mentoring/").text


@pytest.mark.parametrize(
    "status, next_step",
    [
        ("enrolled", "Find a new mentor at http://127.0.0.1:8000/mentoring/"),
        ("submitted", "so there is no mentor to find now"),
    ],
)
def test_a_mentor_ending_the_mentoring_tells_the_candidate_what_comes_next(
    client, alice, dora, django_capture_on_commit_callbacks, status, next_step
):
    relationship = pair(alice, dora)
    Enrolment.objects.filter(pk=relationship.enrolment_id).update(status=status)
    login(client, dora)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentoring/relationships/{relationship.pk}/end/",
            {"reason": "I am changing jobs.", "confirmed": "yes"},
        )
    told = mail.outbox[-1]
    assert told.to == ["alice@example.org"]
    assert "Dora Davies has ended the mentoring relationship" in told.body
    assert next_step in told.body


def test_ending_the_mentoring_says_what_comes_next_to_whoever_ends_it(
    client, alice, dora
):
    relationship = pair(alice, dora)
    url = f"/mentoring/relationships/{relationship.pk}/end/"
    login(client, alice)
    asked = client.post(url, {"reason": "Moving on"}).text
    assert "You can then ask another mentor" in asked
    assert "The candidate can then ask" not in asked
    login(client, dora)
    asked = client.post(url, {"reason": "Moving on"}).text
    assert "Alice can then ask another mentor" in asked


def test_candidate_home_shows_the_next_step(client, alice, dora):
    login(client, alice)
    assert "Find a mentor" in client.get("/mentoring/").text
    relationship = pair(alice, dora)
    assert "Write your mentoring agreement" in client.get("/mentoring/").text
    assert (
        f"/mentoring/relationships/{relationship.pk}/agreement/"
        in client.get("/mentoring/").text
    )


def test_enrolment_is_bound_to_the_regulations_in_force(client, db):
    member = f.MemberFactory()
    f.with_account(member)
    login(client, member)
    client.post(
        "/mentoring/enrol/",
        {"qualification": f.qualification("certification").pk, "line_manager": "none"},
    )
    enrolment = Enrolment.objects.get(member=member)
    assert enrolment.regulations.effective_from == datetime.date(2013, 12, 2)
    response = client.post(
        "/mentoring/enrol/",
        {"qualification": f.qualification("certification").pk, "line_manager": "none"},
    )
    assert "already enrolled" in response.text


def test_asking_for_help_flags_the_candidate_to_the_region_officer(
    client, alice, olivia, django_capture_on_commit_callbacks
):
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentoring/help/", {"message": "I work nights."})
    assert alice.enrolments.get().help_flags.get().why == "asked"
    assert mail.outbox[-1].to == ["olivia@example.org"]


def test_reminders_then_expiry_with_a_moved_clock(
    db, alice, dora, django_capture_on_commit_callbacks
):
    request = services.request_create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile, message="Hi"
    )
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requests_remind_and_expire(
            now=start + datetime.timedelta(days=8)
        ) == {"reminded": 1, "expired": 0}
    assert services.requests_remind_and_expire(
        now=start + datetime.timedelta(days=8)
    ) == {"reminded": 0, "expired": 0}
    assert "Reminder" in mail.outbox[-1].subject
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requests_remind_and_expire(
            now=start + datetime.timedelta(days=15)
        ) == {"reminded": 0, "expired": 1}
    request.refresh_from_db()
    assert request.status == "expired"
    assert services.requests_remind_and_expire(
        now=start + datetime.timedelta(days=15)
    ) == {"reminded": 0, "expired": 0}


def test_a_shorter_expiry_keeps_the_date_a_reminder_gave_and_a_lower_limit_is_named(
    db, alice, dora, django_capture_on_commit_callbacks
):
    request = services.request_create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile, message="Hi"
    )
    start = request.waiting_since
    with django_capture_on_commit_callbacks(execute=True):
        services.requests_remind_and_expire(now=start + datetime.timedelta(days=9))
    promised = start + datetime.timedelta(days=14)
    assert promised.strftime("%-d %B %Y") in mail.outbox[-1].body
    SchemeSettings.objects.filter(pk=1).update(expire_after_days=8)
    assert services.requests_remind_and_expire(
        now=start + datetime.timedelta(days=10)
    ) == {"reminded": 0, "expired": 0}
    request.refresh_from_db()
    assert request.status == "pending"
    assert services.requests_remind_and_expire(now=promised) == {
        "reminded": 0,
        "expired": 1,
    }
    # A limit lowered while requests are open: the refusal names the new limit.
    for name in ("Ames", "Byrne"):
        services.request_create(
            enrolment=alice.enrolments.get(),
            mentor=mentor(last_name=name).mentor_profile,
            message="Hi",
        )
    SchemeSettings.objects.filter(pk=1).update(open_request_limit=1)
    with pytest.raises(
        services.MentoringError,
        match="You have 2 open requests, and the most allowed at once is 1",
    ):
        services.request_create(
            enrolment=alice.enrolments.get(), mentor=dora.mentor_profile, message="Hi"
        )


@pytest.mark.parametrize(
    "accepting, told",
    [
        (True, "The place is free again for another candidate."),
        (False, "Your listing is paused, so candidates can ask you once you resume"),
    ],
)
def test_a_mentor_whose_candidate_ends_the_mentoring_reads_that_the_place_is_free(
    client, alice, dora, django_capture_on_commit_callbacks, accepting, told
):
    relationship = pair(alice, dora)
    dora.mentor_profile.accepting = accepting
    dora.mentor_profile.save(update_fields=["accepting"])
    login(client, alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/mentoring/relationships/{relationship.pk}/end/",
            {"reason": "Moving on", "confirmed": "yes"},
        )
    (email,) = [m for m in mail.outbox if m.to == ["dora@example.org"]]
    assert told in email.body


def test_completing_and_ending_early_are_told_apart_on_the_page(client, alice, dora):
    relationship = pair(alice, dora)
    page = login(client, dora).get(f"/mentoring/relationships/{relationship.pk}/")
    text = page.text
    complete = text.index("<h3>When the mentoring is complete</h3>")
    early = text.index("<h3>Ending it early</h3>")
    # The reason asked for belongs to ending early, not to completing.
    assert complete < text.index("Confirm that mentoring is complete") < early
    assert early < text.index("Why is the mentoring ending?")
    assert "your confirmation is part of Alice’s submission" in text
