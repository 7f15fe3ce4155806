"""Bulk allocation runs: propose, review, take pairs out, publish, and refusals."""

import datetime
import html
import io

from django.core import mail
from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from mentorscheme.audit.models import AuditEntry
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import (
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
)
from mentorscheme.oversight import selectors
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight.models import AllocationRun
from mentorscheme.scheme.models import SchemeSettings
from tests import factories as f
from tests.oversight.conftest import listed_mentor
from tests.personas import login

CONFIRMED = {"confirmed": "yes"}


def confirmed(run) -> dict:
    """The "yes" of the confirmation page, for the pairs the run keeps now."""
    run = AllocationRun.objects.get(pk=run.pk)
    return {**CONFIRMED, "kept": run.kept_pairs_digest()}


def post_run(client, data):
    """Start a run; the background task runs once the request's transaction
    commits (tasks run at once in tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/oversight/allocations/", data)


def publish(client, run):
    """Confirm and publish ``run``; the task sending its pairs runs once the
    request's transaction commits (tasks run at once in tests). Returns the run's
    page as it is afterwards."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/oversight/allocations/{run.pk}/publish/", confirmed(run)
        )
    assert response["Location"] == f"/oversight/allocations/{run.pk}/"
    return client.get(response["Location"])


def propose(client, persona, region, *, keep_mail=False) -> AllocationRun:
    """Start a run and let it finish; the email saying it is ready is dropped
    unless ``keep_mail``."""
    login(client, persona)
    response = post_run(client, {"region": region.pk})
    if not keep_mail:
        mail.outbox.clear()
    run = AllocationRun.objects.latest("pk")
    assert response["Location"] == f"/oversight/allocations/{run.pk}/"
    return run


def test_an_allocation_is_proposed_reviewed_and_published_as_requests(
    client, olivia, london, waiting, bob, django_capture_on_commit_callbacks
):
    run = propose(client, olivia, london, keep_mail=True)
    assert run.status == "proposed"
    assert run.created_by == olivia.user
    assert list(run.regions.all()) == [london]
    assert run.inputs["candidates_waiting"] == 3
    assert run.inputs["allocation_mode"] == "requests"
    pairs = {p["candidate_id"]: p["mentor_id"] for p in run.proposal["pairs"]}
    mentor_id = bob.mentor_profile.pk
    assert pairs == {waiting["alice"].pk: mentor_id, waiting["carl"].pk: mentor_id}
    [unmatched] = run.proposal["unmatched"]
    assert unmatched["candidate_id"] == waiting["fran"].pk
    assert not MentoringRequest.objects.exists()
    # Only the officer is told, that the proposal is ready.
    [ready] = mail.outbox
    assert ready.to == [olivia.user.email]
    assert f"Allocation run {run.pk} is ready for review" in ready.subject
    assert f"/oversight/allocations/{run.pk}/" in ready.body
    assert "2 proposed pairs, 1 candidate without a proposed mentor" in ready.body

    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Alice Archer" in page and "Carl Clark" in page and "Bob Baker" in page
    assert "has 2 free places" in page
    assert "Fran Ford" in page and "No mentor may mentor this candidate" in page
    assert "Sid Scott" not in page and "Rae Reval" not in page

    response = client.post(
        f"/oversight/allocations/{run.pk}/pair/",
        {"candidate": waiting["carl"].pk, "action": "remove", "page": "1"},
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.removed_candidate_ids == {waiting["carl"].pk}
    assert "(taken out)" in client.get(f"/oversight/allocations/{run.pk}/").text

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/oversight/allocations/{run.pk}/publish/", confirmed(run)
        )
    assert response.status_code == 302
    request = MentoringRequest.objects.get()
    assert request.enrolment == waiting["alice"]
    assert request.mentor == bob.mentor_profile
    assert request.from_allocation is True
    assert request.status == "pending"
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        (
            "alice@example.org",
            "[Mentor Scheme] We have asked Bob Baker to mentor you",
        ),
        (
            "bob@example.org",
            "[Mentor Scheme] The scheme suggests you as mentor for Alice Archer",
        ),
        (
            "olivia@example.org",
            f"[Mentor Scheme] Allocation run {run.pk} has been sent",
        ),
    ]
    # Bulk allocation is the candidates' side's work, and the emails say so.
    to_alice = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert "Candidate Support Officers (or the registration team)" in to_alice.body
    assert "Mentor Support Officer" not in to_alice.body + request.message
    run.refresh_from_db()
    assert run.status == "published"
    assert run.mode == "requests"
    assert run.published_by == olivia.user
    assert run.published == [
        {
            "candidate_id": waiting["alice"].pk,
            "mentor_id": mentor_id,
            "outcome": "requested",
            "request_id": request.pk,
        }
    ]
    entry = AuditEntry.objects.get(action="allocation_published")
    assert entry.actor == olivia.user
    assert entry.details == {
        "mode": "requests",
        "published": 1,
        "skipped": 0,
        "failed": 0,
        "removed": 1,
    }
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Request sent" in page
    assert "Send 1 match" not in page


def test_a_bulk_allocation_leaves_out_a_candidate_whose_portfolio_is_submitted(
    olivia, sam, waiting
):
    carl = waiting["carl"]
    mentoring.enrolment_set_status(enrolment=carl, status="submitted", by=sam)
    assert carl not in selectors.waiting_enrolments(None)
    run = oversight.allocation_run_create(by=olivia.user, region_ids=None)
    proposed = [p["candidate_id"] for p in run.proposal["pairs"]]
    proposed += [u["candidate_id"] for u in run.proposal["unmatched"]]
    assert carl.pk not in proposed and waiting["alice"].pk in proposed


def test_publishing_twice_is_refused_and_changes_nothing(
    client, olivia, london, waiting
):
    run = propose(client, olivia, london)
    publish(client, run)
    assert MentoringRequest.objects.count() == 2
    response = client.post(
        f"/oversight/allocations/{run.pk}/publish/", confirmed(run), follow=True
    )
    assert "matches have already been sent" in response.text
    assert MentoringRequest.objects.count() == 2
    assert AuditEntry.objects.filter(action="allocation_published").count() == 1
    response = client.post(
        f"/oversight/allocations/{run.pk}/pair/",
        {"candidate": waiting["alice"].pk},
        follow=True,
    )
    assert "matches have already been sent" in response.text


def test_direct_mode_makes_the_match_and_closes_other_requests(
    client, olivia, london, alice, bob
):
    SchemeSettings.objects.update(allocation_mode="direct")
    dora = listed_mentor(region="wales", first_name="Dora", email="dora@example.org")
    enrolment = alice.enrolments.get()
    MentoringRequest.objects.create(enrolment=enrolment, mentor=dora, message="Hi")
    run = propose(client, olivia, london)
    assert run.proposal["pairs"][0]["mentor_id"] == bob.mentor_profile.pk
    mail.outbox.clear()
    publish(client, run)
    relationship = MentoringRelationship.objects.get()
    assert relationship.enrolment == enrolment
    assert relationship.mentor == bob.mentor_profile
    assert relationship.status == RelationshipStatus.ACTIVE
    assert MentoringRequest.objects.get().status == "withdrawn"
    subjects = {
        m.to[0]: m.subject.removeprefix("[Mentor Scheme] ") for m in mail.outbox
    }
    assert subjects == {
        "alice@example.org": "You have a mentor: Bob Baker",
        "bob@example.org": "A new candidate to mentor: Alice Archer",
        "dora@example.org": subjects["dora@example.org"],
        "olivia@example.org": f"Allocation run {run.pk} has been sent",
    }
    assert "withdrawn" in subjects["dora@example.org"].lower()
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "Email: bob@example.org" in bodies["alice@example.org"]
    assert "Email: alice@example.org" in bodies["bob@example.org"]
    run.refresh_from_db()
    assert run.mode == "direct"
    assert run.published[0]["outcome"] == "matched"
    assert "Matched" in client.get(f"/oversight/allocations/{run.pk}/").text


def test_a_pair_no_longer_allowed_is_skipped_with_the_reason(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    bob.mentor_profile.accepting = False
    bob.mentor_profile.save()
    page = publish(client, run).text
    assert "0 sent, 2 skipped" in page
    assert "not taking on new candidates" in page
    assert not MentoringRequest.objects.exists()
    run.refresh_from_db()
    assert [o["outcome"] for o in run.published] == ["skipped", "skipped"]


def test_a_candidate_asked_for_further_information_is_allocated_one_submitted_is_not(
    client, olivia, london, waiting, bob, sam
):
    carl, fran = waiting["carl"], waiting["fran"]
    for status in ("submitted", "further_info"):
        mentoring.enrolment_set_status(enrolment=carl, status=status, by=sam)
    mentoring.enrolment_set_status(enrolment=fran, status="submitted", by=sam)
    run = propose(client, olivia, london)
    assert run.inputs["candidates_waiting"] == 2
    pairs = {p["candidate_id"] for p in run.proposal["pairs"]}
    assert pairs == {waiting["alice"].pk, carl.pk}
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Carl Clark" in page and "Fran Ford" not in page


def test_the_run_counts_only_the_candidates_with_a_request_open(
    client, olivia, london, waiting, bob
):
    other = listed_mentor(region="wales")
    mentoring.request_create(
        enrolment=waiting["alice"], mentor=other, message="Please?"
    )
    declined = mentoring.request_create(
        enrolment=waiting["carl"], mentor=other, message="Please?"
    )
    mentoring.request_decline(request=declined, mentor=other, reason="full")
    run = propose(client, olivia, london)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "3 (1 with requests open)" in page


def test_a_pair_whose_candidate_submitted_meanwhile_is_skipped_in_the_officers_words(
    client, olivia, london, waiting, bob, sam
):
    run = propose(client, olivia, london)
    mentoring.enrolment_set_status(
        enrolment=waiting["alice"], status="submitted", by=sam
    )
    publish(client, run)
    run.refresh_from_db()
    outcomes = {o["candidate_id"]: o for o in run.published}
    assert outcomes[waiting["alice"].pk]["outcome"] == "skipped"
    assert outcomes[waiting["alice"].pk]["reason"] == (
        "The candidate's portfolio is submitted, and mentoring supports preparing "
        "it, so a new mentoring cannot start."
    )
    assert outcomes[waiting["carl"].pk]["outcome"] == "requested"


def test_a_pair_whose_candidate_found_a_mentor_meanwhile_is_skipped(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    other = listed_mentor(region="wales")
    request = mentoring.request_create(
        enrolment=waiting["alice"], mentor=other, message="Please?"
    )
    mentoring.request_accept(
        request=request, mentor=other, confirms_not_line_manager=True
    )
    publish(client, run)
    run.refresh_from_db()
    outcomes = {o["candidate_id"]: o for o in run.published}
    assert outcomes[waiting["alice"].pk]["outcome"] == "skipped"
    assert outcomes[waiting["alice"].pk]["reason"] == (
        "The candidate already has a mentor for this enrolment."
    )
    assert outcomes[waiting["carl"].pk]["outcome"] == "requested"


def test_a_taken_out_pair_can_be_put_back(client, olivia, london, waiting):
    run = propose(client, olivia, london)
    url = f"/oversight/allocations/{run.pk}/pair/"
    client.post(url, {"candidate": waiting["alice"].pk, "action": "remove"})
    client.post(url, {"candidate": waiting["alice"].pk, "action": "restore"})
    run.refresh_from_db()
    assert run.removed == []
    assert len(run.kept_pairs()) == 2


def test_a_discarded_run_sends_nothing_and_cannot_be_published(
    client, olivia, london, waiting
):
    run = propose(client, olivia, london)
    client.post(f"/oversight/allocations/{run.pk}/discard/", CONFIRMED)
    run.refresh_from_db()
    assert run.status == "discarded"
    response = client.post(
        f"/oversight/allocations/{run.pk}/publish/", confirmed(run), follow=True
    )
    assert "was discarded" in response.text
    assert not MentoringRequest.objects.exists()


def test_staff_run_the_whole_country(client, staff, waiting):
    login(client, staff)
    post_run(client, {"region": ""})
    run = AllocationRun.objects.get()
    assert run.all_regions is True
    assert run.inputs["candidates_waiting"] == 4
    page = client.get("/oversight/allocations/").text
    assert "All regions" in page


def test_an_officer_of_several_regions_runs_them_all_at_once(client, olivia, waiting):
    f.appoint(olivia, "scotland")
    login(client, olivia)
    post_run(client, {"region": ""})
    run = AllocationRun.objects.get()
    assert run.all_regions is False
    assert {r.code for r in run.regions.all()} == {"london", "scotland"}
    assert run.inputs["candidates_waiting"] == 4


def test_a_run_is_worked_out_in_the_background_with_its_progress_shown(
    client, olivia, london, waiting
):
    login(client, olivia)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = client.post(
            "/oversight/allocations/", {"region": london.pk}, follow=True
        )
    # The request only starts the run: nothing is worked out inside it.
    run = AllocationRun.objects.get()
    assert run.status == "running" and run.proposal == {}
    assert "is being worked out" in response.text
    assert "Being worked out" in response.text
    assert "Waiting to start." in response.text
    assert "Publish" not in response.text
    assert len(queued) == 1

    # What the page's progress line reads while the engine works.
    AllocationRun.objects.filter(pk=run.pk).update(
        progress={"stage": "solve", "rounds": 2, "matched": 1, "candidates": 3}
    )
    polled = client.get(f"/oversight/allocations/{run.pk}/?progress=json").json()
    assert polled["running"] is True
    assert polled["text"] == (
        "Finding the best allocation: round 2, 1 of 3 candidates matched so far."
    )

    with TestCase.captureOnCommitCallbacks(execute=True):
        queued[0]()
    run.refresh_from_db()
    assert run.status == "proposed" and run.finished_at is not None
    assert run.progress["rounds"] >= 1 and run.progress["matched"] == 2
    polled = client.get(f"/oversight/allocations/{run.pk}/?progress=json").json()
    assert polled["running"] is False
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Send 2 matches" in page and "Being worked out" not in page
    [ready] = mail.outbox
    assert ready.to == [olivia.user.email]


def test_a_run_that_fails_says_so_and_tells_the_officer(
    client, olivia, london, waiting, monkeypatch
):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(selectors, "allocation_proposal", broken)
    run = propose(client, olivia, london, keep_mail=True)
    assert run.status == "failed"
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Could not be worked out" in page
    assert "error on our side" in page and "Publish" not in page
    [failed] = mail.outbox
    assert failed.to == [olivia.user.email]
    assert "could not be worked out" in failed.subject


def test_sending_an_allocation_first_says_who_is_emailed_and_sends_nothing(
    client, olivia, london, waiting
):
    run = propose(client, olivia, london)
    response = client.post(f"/oversight/allocations/{run.pk}/publish/")
    assert response.status_code == 200
    page = response.text
    assert "Send 2 matches?" in page
    assert "Alice Archer with Bob Baker" in page and "Carl Clark with Bob Baker" in page
    assert "Emails go to 1 mentor (their requests) and to 2 candidates" in page
    assert 'name="confirmed" value="yes"' in page
    assert not MentoringRequest.objects.exists() and not mail.outbox
    run.refresh_from_db()
    assert run.status == "proposed"


def test_discarding_asks_first(client, olivia, london, waiting):
    run = propose(client, olivia, london)
    page = client.post(f"/oversight/allocations/{run.pk}/discard/").text
    assert "Discard allocation" in page and "Nothing is sent" in page
    run.refresh_from_db()
    assert run.status == "proposed"


def test_a_pair_is_given_another_mentor_from_the_suggestions(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    other = listed_mentor(profile={"capacity": 1})  # listed after the proposal
    carl = waiting["carl"].pk
    url = f"/oversight/allocations/{run.pk}/pairs/{carl}/"
    page = client.get(url).text
    assert "Another mentor for Carl Clark" in page
    assert f'value="{other.pk}"' in page
    assert f'value="{bob.mentor_profile.pk}"' not in page  # the pair's own mentor
    response = client.post(url, {"mentor": other.pk})
    assert response.status_code == 302
    run.refresh_from_db()
    pairs = {p["candidate_id"]: p["mentor_id"] for p in run.proposal["pairs"]}
    assert pairs[carl] == other.pk
    # Its one place is now this run's: Alice cannot be given it as well.
    alice = waiting["alice"].pk
    page = client.get(f"/oversight/allocations/{run.pk}/pairs/{alice}/").text
    assert f'value="{other.pk}"' not in page
    response = client.post(
        f"/oversight/allocations/{run.pk}/pairs/{alice}/", {"mentor": other.pk}
    )
    assert "cannot take this candidate now" in response.text
    run.refresh_from_db()
    assert {p["candidate_id"]: p["mentor_id"] for p in run.proposal["pairs"]}[
        alice
    ] == bob.mentor_profile.pk


def start_without_working_out(client, persona, region, *, taken_up=True):
    """Start a run whose worker took it up and is still at it (or died), or
    with ``taken_up`` False one still waiting in the queue; returns the run and
    the queued task."""
    login(client, persona)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        client.post("/oversight/allocations/", {"region": region.pk})
    run = AllocationRun.objects.latest("pk")
    assert run.status == "running"
    if taken_up:
        oversight._RunProgress(run.pk)("load candidates", 0, 0)
        run.refresh_from_db()
    return run, queued[0]


def stall(run, minutes=16):
    AllocationRun.objects.filter(pk=run.pk).update(
        progress_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def test_a_run_not_yet_proposed_cannot_be_published_or_discarded_by_a_post(
    client, olivia, london, waiting
):
    run, task = start_without_working_out(client, olivia, london)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Discard this allocation" not in page
    for action in ("publish", "discard"):
        response = client.post(
            f"/oversight/allocations/{run.pk}/{action}/", CONFIRMED, follow=True
        )
        assert "still being worked out" in response.text
        run.refresh_from_db()
        assert run.status == "running"
    with TestCase.captureOnCommitCallbacks(execute=True):
        task()
    run.refresh_from_db()
    assert run.status == "proposed"


def test_a_failed_run_cannot_be_published(client, olivia, london, waiting, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(selectors, "allocation_proposal", broken)
    run = propose(client, olivia, london)
    assert run.status == "failed"
    response = client.post(
        f"/oversight/allocations/{run.pk}/publish/", confirmed(run), follow=True
    )
    assert "could not be worked out" in response.text
    run.refresh_from_db()
    assert run.status == "failed" and run.published_at is None


def test_a_stalled_run_can_be_discarded_and_its_late_result_is_dropped(
    client, olivia, london, waiting
):
    run, task = start_without_working_out(client, olivia, london)
    stall(run)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "seems to have stopped" in page and "more than 15 minutes" in page
    assert "Discard this allocation" in page
    asked = client.post(f"/oversight/allocations/{run.pk}/discard/").text
    assert "Discard allocation" in asked and "stopped being worked out" in asked
    run.refresh_from_db()
    assert run.status == "running"
    client.post(f"/oversight/allocations/{run.pk}/discard/", CONFIRMED)
    run.refresh_from_db()
    assert run.status == "discarded"
    with TestCase.captureOnCommitCallbacks(execute=True):
        task()
    run.refresh_from_db()
    assert run.status == "discarded" and run.proposal == {}
    assert not mail.outbox


def test_the_periodic_work_fails_a_stalled_run_and_tells_who_started_it(
    client, olivia, london, waiting
):
    stalled, task = start_without_working_out(client, olivia, london)
    stall(stalled)
    moving, _ = start_without_working_out(client, olivia, london)
    stall(moving, minutes=5)
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
    stalled.refresh_from_db()
    moving.refresh_from_db()
    assert stalled.status == "failed" and moving.status == "running"
    page = client.get(f"/oversight/allocations/{stalled.pk}/").text
    assert "Could not be worked out" in page
    assert "nothing moved for more than 15 minutes" in page
    [failed] = mail.outbox
    assert failed.to == [olivia.user.email]
    assert "could not be worked out" in failed.subject
    assert "nothing moved for more than 15 minutes" in failed.body
    # The worker, had it only been slow, finds the run failed and leaves it so.
    with TestCase.captureOnCommitCallbacks(execute=True):
        task()
    stalled.refresh_from_db()
    assert stalled.status == "failed" and stalled.proposal == {}


def test_a_run_waiting_behind_other_tasks_is_not_failed_and_may_be_discarded(
    client, olivia, london, waiting
):
    """The worker is busy with a long queue of other tasks: the run waits its
    turn, the periodic work does not fail it, and nobody is told it failed.
    Nothing is worked out yet, so the officer may discard it (and start again)."""
    run, task = start_without_working_out(client, olivia, london, taken_up=False)
    stall(run, minutes=45)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
    run.refresh_from_db()
    assert run.status == "running" and mail.outbox == []
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Waiting to start for 45 minutes" in page
    assert "seems to have stopped" not in page
    assert "Discard this allocation" in page
    asked = client.post(f"/oversight/allocations/{run.pk}/discard/").text
    assert "The allocation is not worked out: it will not be" in asked
    client.post(f"/oversight/allocations/{run.pk}/discard/", CONFIRMED)
    run.refresh_from_db()
    assert run.status == "discarded"
    with TestCase.captureOnCommitCallbacks(execute=True):
        task()  # the worker's turn comes: it drops the run
    run.refresh_from_db()
    assert run.status == "discarded" and run.proposal == {} and not mail.outbox


def test_a_run_no_worker_takes_up_says_the_worker_may_have_stopped(
    client, olivia, london, waiting
):
    """Work is taken up within minutes while the task worker runs: a run still
    waiting after ten tells the officer that the worker may have stopped, and
    to tell the staff (whose dashboard says so too), live as the page polls."""
    run, _ = start_without_working_out(client, olivia, london, taken_up=False)
    stall(run, minutes=5)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Waiting to start." in page
    assert "It is waiting its turn behind other work" in page
    assert "worker may have stopped" not in page

    stall(run, minutes=12)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "It is waiting its turn behind other work" not in page
    assert (
        "Waiting to start for 12 minutes, longer than work usually waits:"
        " the task worker may have stopped." in page
    )
    assert "if it is still waiting, tell them" in page
    assert "Discard this allocation" in page
    polled = client.get(f"/oversight/allocations/{run.pk}/?progress=json").json()
    assert polled["running"] is True
    assert "the task worker may have stopped" in polled["text"]


class WorkerKilled(BaseException):
    """The worker's process is killed: nothing of the run's code runs after."""


def test_a_run_taken_up_late_is_judged_stalled_from_then(
    client, olivia, london, waiting, monkeypatch
):
    """The clock starts when the worker takes the run up: the periodic work run
    meanwhile leaves it be, and fails it once it has not moved since."""
    run, task = start_without_working_out(client, olivia, london, taken_up=False)
    stall(run, minutes=45)
    failed_meanwhile = []

    def killed_while_working_out(region_ids, progress=None):
        failed_meanwhile.append(oversight.allocation_runs_fail_stalled())
        raise WorkerKilled

    monkeypatch.setattr(selectors, "allocation_proposal", killed_while_working_out)
    task()  # the runner records the task failed; no more of the run's code runs
    assert failed_meanwhile == [0]
    run.refresh_from_db()
    assert run.status == "running" and not run.is_stalled()
    stall(run, minutes=16)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert oversight.allocation_runs_fail_stalled() == 1
    run.refresh_from_db()
    assert run.status == "failed"


def test_an_officer_who_mentors_cannot_choose_themselves_as_a_candidates_mentor(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    own = f.mentor_profile(olivia, capacity=2)
    carl = waiting["carl"].pk
    url = f"/oversight/allocations/{run.pk}/pairs/{carl}/"
    assert f'value="{own.pk}"' not in client.get(url).text  # never suggested
    page = html.unescape(client.post(url, {"mentor": own.pk}).text)
    assert (
        "This is your own case, so you cannot decide it. Another support officer of "
        "the region, or the registration team, chooses this candidate's mentor." in page
    )
    run.refresh_from_db()
    pairs = {p["candidate_id"]: p["mentor_id"] for p in run.proposal["pairs"]}
    assert pairs[carl] == bob.mentor_profile.pk


def test_an_officer_cannot_publish_a_match_for_someone_they_line_manage(
    client, olivia, london, waiting, django_capture_on_commit_callbacks
):
    carl = waiting["carl"].member
    carl.line_manager = olivia
    carl.save()
    run = propose(client, olivia, london)
    # Choosing him another mentor is not offered either, and says why.
    page = html.unescape(
        client.get(f"/oversight/allocations/{run.pk}/pairs/{waiting['carl'].pk}/").text
    )
    assert "You are Carl Clark's line manager, so you cannot decide this." in page
    assert 'name="mentor"' not in page
    url = f"/oversight/allocations/{run.pk}/publish/"
    # Not even asked to confirm: refused at once, and nothing is sent.
    for data in ({}, CONFIRMED):
        page = html.unescape(client.post(url, data, follow=True).text)
        assert (
            "You cannot send this allocation's matches. Carl Clark with Bob Baker: "
            "You are Carl Clark's line manager, so you cannot decide this. Take "
            "that pair out and send the rest, or ask another support officer of "
            "the region, or the registration team, to send them." in page
        )
    run.refresh_from_db()
    assert run.status == "proposed"
    assert not MentoringRequest.objects.exists()
    client.post(
        f"/oversight/allocations/{run.pk}/pair/",
        {"candidate": waiting["carl"].pk, "action": "remove"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, confirmed(run))
    run.refresh_from_db()
    assert run.status == "published"
    assert MentoringRequest.objects.get().enrolment == waiting["alice"]


def test_the_reasons_for_a_pair_read_about_the_candidate(
    client, olivia, london, waiting
):
    # The reasons are kept as the candidate reads them ("meets in ways you chose").
    waiting["alice"].meeting_modes = ["email"]
    waiting["alice"].save(update_fields=["meeting_modes"])
    run = propose(client, olivia, london)
    stored = [r["text"] for p in run.proposal["pairs"] for r in p["reasons"]]
    assert "meets in ways you chose: email" in stored
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "meets in ways the candidate chose: email" in page
    assert "you chose" not in page
