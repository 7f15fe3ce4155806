"""Publishing a reviewed allocation: mentors' places, what the officer confirmed,
runs started twice, and what each person is told."""

import datetime
import html
import importlib
import json
import re

from django.apps import apps
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight.models import AllocationRun
from tests.oversight.conftest import candidate, listed_mentor
from tests.oversight.test_allocation import (
    CONFIRMED,
    post_run,
    propose,
    publish,
    stall,
    start_without_working_out,
)
from tests.personas import login


def test_a_mentor_who_filled_up_since_the_proposal_gets_no_more_requests_than_places(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    assert {p["mentor_id"] for p in run.proposal["pairs"]} == {bob.mentor_profile.pk}
    # Bob (two places) takes a candidate on himself before the officer publishes.
    MentoringRelationship.objects.create(
        enrolment=candidate(first_name="Own", last_name="Choice"),
        mentor=bob.mentor_profile,
    )
    page = publish(client, run).text
    assert "1 sent, 1 skipped" in page
    assert "<strong>Skipped:</strong> The mentor has no free place left" in page
    [request] = MentoringRequest.objects.filter(mentor=bob.mentor_profile)
    run.refresh_from_db()
    assert [o["outcome"] for o in run.published] == ["requested", "skipped"]
    # The run keeps ids and reasons, not names: an erased mentor leaves none.
    assert "Bob" not in json.dumps(run.published)
    # The one request sent can be accepted.
    mentoring.request_accept(
        request=request, mentor=bob.mentor_profile, confirms_not_line_manager=True
    )


def test_a_later_run_does_not_give_away_places_held_by_an_earlier_runs_requests(
    client, olivia, london, waiting, bob
):
    first = propose(client, olivia, london)
    publish(client, first)
    assert MentoringRequest.objects.filter(mentor=bob.mentor_profile).count() == 2
    candidate(first_name="Dan", last_name="Dale")
    second = propose(client, olivia, london)
    # Bob's two places are held by the first run's requests, still unanswered.
    assert bob.mentor_profile.pk not in {
        p["mentor_id"] for p in second.proposal["pairs"]
    }
    assert second.inputs["free_places"] == 0
    assert second.inputs["places_held"] == 2
    page = client.get(f"/oversight/allocations/{second.pk}/").text
    assert (
        "Not counted: 2 places held by requests an earlier allocation sent, still "
        "unanswered" in page
    )


def test_a_pair_cannot_be_put_back_once_its_mentors_place_is_given_away(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    other = listed_mentor(profile={"capacity": 1})
    carl, alice = waiting["carl"].pk, waiting["alice"].pk
    base = f"/oversight/allocations/{run.pk}"
    client.post(f"{base}/pairs/{carl}/", {"mentor": other.pk})
    client.post(f"{base}/pair/", {"candidate": carl, "action": "remove", "page": 1})
    client.post(f"{base}/pairs/{alice}/", {"mentor": other.pk})
    response = client.post(
        f"{base}/pair/",
        {"candidate": carl, "action": "restore", "page": 1},
        follow=True,
    )
    assert "This pair cannot be put back" in response.text
    assert "no longer has a free place for this candidate" in response.text
    run.refresh_from_db()
    assert run.removed_candidate_ids == {carl}
    assert [p["mentor_id"] for p in run.kept_pairs()] == [other.pk]


def test_a_pair_is_put_back_while_its_mentor_still_has_the_place(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    base = f"/oversight/allocations/{run.pk}"
    carl = waiting["carl"].pk
    client.post(f"{base}/pair/", {"candidate": carl, "action": "remove", "page": 1})
    client.post(f"{base}/pair/", {"candidate": carl, "action": "restore", "page": 1})
    run.refresh_from_db()
    assert run.removed == []


def test_publishing_sends_the_pairs_the_officer_confirmed_or_asks_again(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    dee = listed_mentor(first_name="Dee", last_name="Dunn", profile={"capacity": 1})
    url = f"/oversight/allocations/{run.pk}/publish/"
    page = client.post(url, {}).text
    assert "Carl Clark with Bob Baker" in page
    kept = re.search(r'name="kept" value="(\w+)"', page)[1]
    # Meanwhile another officer of the region gives Carl another mentor.
    oversight.allocation_run_change_mentor(
        run=run, candidate_id=waiting["carl"].pk, mentor_id=dee.pk, by=None
    )
    response = client.post(url, {**CONFIRMED, "kept": kept})
    assert not MentoringRequest.objects.exists()
    page = html.unescape(response.text)
    assert "changed after you were shown them" in page
    assert "Carl Clark with Dee Dunn" in page  # asked again, about what is current
    kept = re.search(r'name="kept" value="(\w+)"', page)[1]
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url, {**CONFIRMED, "kept": kept})
    sent = MentoringRequest.objects.get(enrolment=waiting["carl"])
    assert sent.mentor == dee


def test_publishing_without_the_confirmed_pairs_asks_to_confirm_them(
    client, olivia, london, waiting
):
    run = propose(client, olivia, london)
    page = client.post(f"/oversight/allocations/{run.pk}/publish/", CONFIRMED).text
    assert "Send 2 matches?" in page
    assert not MentoringRequest.objects.exists()


def test_starting_a_run_twice_leads_to_the_run_already_started(
    client, olivia, london, waiting
):
    run, _ = start_without_working_out(client, olivia, london)
    response = post_run(client, {"region": london.pk})
    assert response["Location"] == f"/oversight/allocations/{run.pk}/"
    page = client.get(response["Location"]).text
    assert "An allocation for the same regions is already being worked out" in page
    assert AllocationRun.objects.get() == run


def test_a_proposal_awaiting_review_is_shown_rather_than_worked_out_again(
    client, olivia, london, waiting, staff
):
    run = propose(client, olivia, london)
    response = post_run(client, {"region": london.pk})
    assert response["Location"] == f"/oversight/allocations/{run.pk}/"
    assert "already waiting for review" in client.get(response["Location"]).text
    # Another set of regions, or the same once discarded, starts a new run.
    login(client, staff)
    post_run(client, {"region": ""})
    oversight.allocation_run_discard(run=run, by=olivia.user)
    propose(client, olivia, london)
    assert AllocationRun.objects.count() == 3


def test_a_run_that_stalled_does_not_stop_another_starting(
    client, olivia, london, waiting
):
    run, _ = start_without_working_out(client, olivia, london)
    stall(run)
    assert propose(client, olivia, london) != run


def test_the_mentor_is_told_the_scheme_suggested_the_match_not_the_candidate(
    client, olivia, london, waiting, alice, bob, django_capture_on_commit_callbacks
):
    run = propose(client, olivia, london)
    publish(client, run)
    to_bob = next(
        m for m in mail.outbox if m.to == [bob.email] and "Alice" in m.subject
    )
    assert to_bob.subject == (
        "[Mentor Scheme] The scheme suggests you as mentor for Alice Archer"
    )
    assert "Candidate Support Officers (or the registration team)" in to_bob.body
    assert "Alice did not choose you or write to you" in to_bob.body
    assert "has asked you" not in to_bob.body and "wrote" not in to_bob.body
    request = MentoringRequest.objects.get(enrolment=waiting["alice"])
    assert f"/mentoring/requests/{request.pk}/" in to_bob.body
    login(client, bob)
    page = html.unescape(client.get(f"/mentoring/requests/{request.pk}/").text)
    assert "The scheme suggests you as mentor for Alice Archer" in page
    assert "How this request came about" in page
    assert "Alice did not choose you or write a message" in page
    assert "Alice’s message" not in page
    login(client, alice)
    page = html.unescape(client.get(f"/mentoring/requests/{request.pk}/").text)
    assert "Request to Bob Baker, sent by the scheme" in page
    assert "You did not write to Bob" in page
    # A reminder says the same.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mentoring.requests_remind_and_expire(
            now=timezone.now() + datetime.timedelta(days=8)
        )
    reminder = next(m for m in mail.outbox if alice.full_name in m.body)
    assert "the scheme suggested you as mentor for Alice Archer" in reminder.body
    assert "asked you to be their mentor" not in reminder.body


def test_a_candidates_own_request_still_says_they_asked(
    alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mentoring.request_create(
            enrolment=alice.enrolments.get(),
            mentor=bob.mentor_profile,
            message="I work in a school library.",
        )
    [to_bob] = mail.outbox
    assert (
        to_bob.subject == "[Mentor Scheme] Alice Archer would like you as their mentor"
    )
    assert "has asked you to be their mentor. They wrote:" in to_bob.body


def test_a_candidate_waiting_on_an_allocations_request_is_not_allocated_again(
    client, olivia, london, waiting
):
    first = propose(client, olivia, london)
    publish(client, first)
    listed_mentor(first_name="Dee", last_name="Dunn", profile={"capacity": 3})
    second = propose(client, olivia, london)
    proposed = {p["candidate_id"] for p in second.proposal["pairs"]}
    proposed |= {u["candidate_id"] for u in second.proposal["unmatched"]}
    assert proposed == {waiting["fran"].pk}
    assert second.inputs["candidates_waiting"] == 1
    assert second.inputs["candidates_awaiting_allocation_requests"] == 2
    page = html.unescape(client.get(f"/oversight/allocations/{second.pk}/").text)
    assert (
        "Not counted: 2 waiting for a mentor's answer to a request an earlier "
        "allocation sent them" in page
    )


def test_a_pair_whose_candidate_another_allocation_asked_for_since_is_skipped(
    client, olivia, london, waiting, staff, bob
):
    listed_mentor(first_name="Dee", last_name="Dunn", profile={"capacity": 3})
    mine = propose(client, olivia, london)
    login(client, staff)
    post_run(client, {"region": ""})
    national = AllocationRun.objects.latest("pk")
    publish(client, national)
    asked = set(MentoringRequest.objects.values_list("enrolment_id", flat=True))
    assert asked >= {waiting["alice"].pk, waiting["carl"].pk}
    login(client, olivia)
    publish(client, mine)
    mine.refresh_from_db()
    assert {o["outcome"] for o in mine.published} == {"skipped"}
    assert {o["reason"] for o in mine.published} == {
        "The candidate is waiting for a mentor's answer to a request another "
        "allocation sent them since."
    }
    assert MentoringRequest.objects.count() == len(asked)


def test_an_allocation_with_every_pair_taken_out_has_nothing_to_send(
    client, olivia, london, waiting, bob
):
    """Sending no pair would only mark the run published and email the officer
    that nothing was sent: the page offers to put a pair back or discard it."""
    run = propose(client, olivia, london)
    for pair in run.kept_pairs():
        client.post(
            f"/oversight/allocations/{run.pk}/pair/",
            {"candidate": pair["candidate_id"], "action": "remove", "page": "1"},
        )
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "every proposed pair has been taken out" in page
    assert "Send 0 matches" not in page and "Discard this allocation" in page
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True) as queued:
        response = client.post(f"/oversight/allocations/{run.pk}/publish/", follow=True)
    assert queued == []
    assert "There is no pair to send" in response.text
    assert "Check before you go on" not in response.text
    run.refresh_from_db()
    assert run.status == "proposed" and mail.outbox == []


def test_the_officers_email_counts_no_place_left_as_one_reason_old_runs_too():
    named = "Bob Baker" + oversight.NO_PLACE_LEFT.removeprefix("The mentor")
    outcomes = [
        {"outcome": "skipped", "reason": named},  # as runs sent before kept it
        {"outcome": "skipped", "reason": oversight.NO_PLACE_LEFT},
        {"outcome": "skipped", "reason": "The candidate's enrolment is closed."},
        {"outcome": "requested"},
    ]
    assert oversight.skip_reasons(outcomes) == [
        (oversight.NO_PLACE_LEFT, 2),
        ("The candidate's enrolment is closed.", 1),
    ]


def test_upgrading_takes_mentors_names_out_of_older_runs_skip_reasons():
    named = "Bob Baker" + oversight.NO_PLACE_LEFT.removeprefix("The mentor")
    run = AllocationRun.objects.create(
        published=[
            {"outcome": "skipped", "reason": named},
            {"outcome": "skipped", "reason": "The candidate has a mentor already."},
            {"outcome": "requested"},
        ]
    )
    upgrade = importlib.import_module(
        "mentorscheme.oversight.migrations.0010_skip_reasons_without_names"
    )
    upgrade.forget_names(apps, None)
    run.refresh_from_db()
    assert "Bob Baker" not in json.dumps(run.published)
    assert [outcome.get("reason") for outcome in run.published] == [
        oversight.NO_PLACE_LEFT,
        "The candidate has a mentor already.",
        None,
    ]
