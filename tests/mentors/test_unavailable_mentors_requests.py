"""A mentor who lapses or pauses cannot accept: their waiting requests are closed,
with a reason the candidate reads, and free the candidate's place in the limit."""

import datetime

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRequest, RequestStatus
from mentorscheme.mentors.models import MentorStatus
from tests import factories as f
from tests.personas import login, mentor


def ask(candidate, profile, message="Hello, would you mentor me?"):
    return mentoring.request_create(
        enrolment=candidate.enrolments.get(), mentor=profile, message=message
    )


def run_periodic(capture, **options):
    mail.outbox.clear()
    with capture(execute=True):
        call_command("run_periodic", **options)


def test_a_lapsed_mentors_waiting_requests_are_closed_once_with_a_reason(
    client, bob, alice, django_capture_on_commit_callbacks
):
    others = [f.MemberFactory(email=f"cand{i}@example.org") for i in range(3)]
    for other in others:
        f.with_account(other)
        f.enrol(other)
    asked = [ask(alice, bob.mentor_profile)] + [
        ask(other, bob.mentor_profile) for other in others
    ]
    mentoring.request_ask_more(
        request=asked[1], mentor=bob.mentor_profile, message="Which sector?"
    )
    bob.membership_status = "lapsed"
    bob.save()

    run_periodic(django_capture_on_commit_callbacks)
    for request in asked:
        request.refresh_from_db()
        assert request.status == RequestStatus.WITHDRAWN
        assert "registration has lapsed" in request.closed_reason
    told = sorted(m.to[0] for m in mail.outbox if "closed" in m.subject)
    assert told == sorted(["alice@example.org", *(o.email for o in others)])

    run_periodic(django_capture_on_commit_callbacks)
    assert not [m for m in mail.outbox if "closed" in m.subject]  # told once

    page = login(client, alice).get(f"/mentoring/requests/{asked[0].pk}/")
    assert "Why this request was closed" in page.text
    assert "registration has lapsed" in page.text


def test_the_closed_request_frees_the_candidates_place_in_the_limit(
    bob, alice, django_capture_on_commit_callbacks
):
    for _ in range(2):
        ask(alice, mentor().mentor_profile)
    ask(alice, bob.mentor_profile)  # three open: the limit
    bob.membership_status = "lapsed"
    bob.save()
    run_periodic(django_capture_on_commit_callbacks)
    assert ask(alice, mentor().mentor_profile).status == RequestStatus.PENDING


def test_no_reminder_goes_to_a_mentor_who_cannot_accept(
    bob, alice, django_capture_on_commit_callbacks
):
    # Requests left open by a lapse recorded before the closing existed.
    request = ask(alice, bob.mentor_profile)
    bob.membership_status = "lapsed"
    bob.save()
    bob.mentor_profile.status = MentorStatus.LAPSED
    bob.mentor_profile.save()
    eight_days_on = (timezone.now() + datetime.timedelta(days=8)).date()
    run_periodic(django_capture_on_commit_callbacks, today=eight_days_on)
    assert "bob@example.org" not in [m.to[0] for m in mail.outbox]
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert request.reminded_at is None


def test_a_listed_mentor_is_still_reminded(
    bob, alice, django_capture_on_commit_callbacks
):
    # The negative control for the test above.
    ask(alice, bob.mentor_profile)
    eight_days_on = (timezone.now() + datetime.timedelta(days=8)).date()
    run_periodic(django_capture_on_commit_callbacks, today=eight_days_on)
    assert "bob@example.org" in [m.to[0] for m in mail.outbox]


def test_a_mentor_who_pauses_closes_their_waiting_requests(
    client, bob, alice, django_capture_on_commit_callbacks
):
    request = ask(alice, bob.mentor_profile)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        login(client, bob).post("/mentors/accepting/", {"accepting": "no"})
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert "paused" in request.closed_reason
    assert [m.to[0] for m in mail.outbox] == ["alice@example.org"]


def test_a_paused_mentors_requests_left_open_are_closed_by_the_periodic_run(
    bob, alice, django_capture_on_commit_callbacks
):
    request = ask(alice, bob.mentor_profile)
    type(bob.mentor_profile).objects.filter(pk=bob.mentor_profile.pk).update(
        accepting=False
    )
    run_periodic(django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert "paused" in request.closed_reason


def test_requests_to_an_available_mentor_stay_open(
    bob, alice, django_capture_on_commit_callbacks
):
    request = ask(alice, bob.mentor_profile)
    run_periodic(django_capture_on_commit_callbacks)
    assert MentoringRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING
    assert mentoring.requests_to_unavailable_mentors_close() == 0
