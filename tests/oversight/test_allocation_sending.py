"""Sending a published allocation in the background: progress on the run's page,
the officer's email when it is done, and sending that stops part way and is
carried on without sending any pair twice."""

import datetime
import html

from django.core import mail
from django.db import OperationalError
from django.test import TestCase
from django.utils import timezone

from mentorscheme.audit.models import AuditEntry
from mentorscheme.locking import RowsBusy
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRequest
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight import views
from mentorscheme.oversight.models import AllocationRun
from mentorscheme.scheme.models import Enrolment
from tests import factories as f
from tests.oversight.test_allocation import confirmed, propose
from tests.personas import login


def publish_without_sending(client, run):
    """Publish ``run`` whose sending task has not run yet (or whose worker is
    busy); returns the queued callbacks: the task, once the request commits."""
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        response = client.post(
            f"/oversight/allocations/{run.pk}/publish/", confirmed(run)
        )
    assert response["Location"] == f"/oversight/allocations/{run.pk}/"
    return queued


def run_queued(queued):
    with TestCase.captureOnCommitCallbacks(execute=True):
        for callback in queued:
            callback()


def test_publishing_sends_in_the_background_and_the_page_shows_how_far_it_got(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    queued = publish_without_sending(client, run)
    # The request only queued the sending: nothing is sent yet.
    assert not MentoringRequest.objects.exists()
    run.refresh_from_db()
    assert run.status == "publishing" and run.published_by == olivia.user
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Allocation run" in page and "being sent" in page
    assert "Waiting to start sending" in page
    assert "we will email you when every pair is sent or skipped" in page
    assert "data-progress-url" in page
    assert "Send 2 matches" not in page
    progress = client.get(f"/oversight/allocations/{run.pk}/?progress=json").json()
    assert progress["status"] == "publishing" and progress["running"] is True

    run_queued(queued)
    assert MentoringRequest.objects.filter(mentor=bob.mentor_profile).count() == 2
    run.refresh_from_db()
    assert run.status == "published" and run.published_at is not None
    assert run.progress == {
        "stage": "done",
        "done": 2,
        "total": 2,
        "sent": 2,
        "skipped": 0,
        "failed": 0,
    }
    progress = client.get(f"/oversight/allocations/{run.pk}/?progress=json").json()
    assert progress["running"] is False
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "as requests to the mentors: 2 sent, 0 skipped" in page
    assert "data-progress-url" not in page
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert told.subject == f"[Mentor Scheme] Allocation run {run.pk} has been sent"
    assert "2 of 2 pairs sent, 0 skipped" in told.body
    assert f"/oversight/allocations/{run.pk}/" in told.body


def test_the_page_counts_the_pairs_done_while_they_are_sent(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    publish_without_sending(client, run)
    # The worker has sent one batch of one pair so far.
    assert oversight._send_batch(run.pk) is True
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "1 of 2 pairs done: 1 sent, 0 skipped, 0 failed so far." in page
    assert "Request sent" in page  # what was sent so far is listed already
    assert MentoringRequest.objects.count() == 1


def test_the_officer_is_told_why_pairs_were_skipped(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    bob.mentor_profile.accepting = False
    bob.mentor_profile.save()
    run_queued(publish_without_sending(client, run))
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "0 of 2 pairs sent, 2 skipped" in told.body
    assert "Why pairs were skipped:\n- 2: " in told.body
    assert "not taking on new candidates" in told.body


def test_publishing_again_while_it_is_being_sent_is_refused(
    client, olivia, london, waiting, bob
):
    run = propose(client, olivia, london)
    queued = publish_without_sending(client, run)
    with TestCase.captureOnCommitCallbacks(execute=False) as twice:
        response = client.post(
            f"/oversight/allocations/{run.pk}/publish/", confirmed(run), follow=True
        )
    assert "already being sent" in response.text
    assert twice == []  # no second sending queued
    run_queued(queued)
    assert MentoringRequest.objects.count() == 2


def test_sending_that_stops_part_way_is_carried_on_without_sending_a_pair_twice(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    create = mentoring.request_create
    calls = []

    def fails_the_second_time(**kwargs):
        calls.append(kwargs["enrolment"].pk)
        if len(calls) == 2:
            raise OperationalError("the database went away")
        return create(**kwargs)

    monkeypatch.setattr(mentoring, "request_create", fails_the_second_time)
    run_queued(publish_without_sending(client, run))
    first, second = (p["candidate_id"] for p in run.kept_pairs())
    assert list(MentoringRequest.objects.values_list("enrolment", flat=True)) == [first]
    run.refresh_from_db()
    assert run.status == "publishing"
    assert [o["candidate_id"] for o in run.published] == [first]
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Sending stopped" in page
    assert "1 of 2 pairs done: 1 sent, 0 skipped, 0 failed so far." in page
    assert "none will be sent twice" in page
    assert "Send the rest" in page and "data-progress-url" not in page
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "stopped after 1 of 2 pairs: 1 sent, 0 skipped" in told.body
    # Only the pair sent was emailed about; the one rolled back was not.
    first_email = Enrolment.objects.get(pk=first).member.email
    assert {m.to[0] for m in mail.outbox} == {olivia.user.email, bob.email, first_email}

    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"/oversight/allocations/{run.pk}/publish/")
    assert response.status_code == 302
    assert sorted(
        MentoringRequest.objects.values_list("enrolment", flat=True)
    ) == sorted([first, second])
    assert calls == [first, second, second]
    run.refresh_from_db()
    assert run.status == "published" and run.error == ""
    assert [o["outcome"] for o in run.published] == ["requested", "requested"]
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "2 of 2 pairs sent, 0 skipped" in told.body


def minutes_pass(run, minutes: int) -> None:
    """Let ``minutes`` go by since the run's progress last moved."""
    AllocationRun.objects.filter(pk=run.pk).update(
        progress_at=timezone.now() - datetime.timedelta(minutes=minutes)
    )


def worker_dies_after_one_pair(client, run, monkeypatch):
    """Publish ``run``; its worker takes the sending up, sends one pair, and dies."""
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    publish_without_sending(client, run)
    oversight._sending_taken_up(run.pk)
    assert oversight._send_batch(run.pk) is True


def test_sending_whose_worker_died_can_be_carried_on(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    worker_dies_after_one_pair(client, run, monkeypatch)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Send the rest" not in page
    minutes_pass(run, 6)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Sending stopped" in page and "Send the rest" in page
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/oversight/allocations/{run.pk}/publish/")
    run.refresh_from_db()
    assert run.status == "published"
    assert MentoringRequest.objects.count() == 2


def test_the_officer_is_emailed_once_when_the_sending_worker_died(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    worker_dies_after_one_pair(client, run, monkeypatch)
    mail.outbox.clear()
    assert oversight.allocation_runs_stop_stalled_sending() == 0  # not yet
    minutes_pass(run, 6)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert oversight.allocation_runs_stop_stalled_sending() == 1
        assert oversight.allocation_runs_stop_stalled_sending() == 0  # told once
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "nothing moved for more than 5 minutes" in told.body
    assert "stopped after 1 of 2 pairs: 1 sent, 0 skipped" in told.body
    assert "Send the rest" in told.body
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Send the rest" in page
    assert MentoringRequest.objects.count() == 1


def test_a_sending_waiting_behind_other_tasks_has_not_stopped(
    client, olivia, london, waiting, bob
):
    """The worker is busy with a long queue of other tasks: the sending waits its
    turn, and nobody is told that it stopped. Once the worker takes it up, the
    clock starts from then."""
    run = propose(client, olivia, london)
    queued = publish_without_sending(client, run)
    mail.outbox.clear()
    minutes_pass(run, 45)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert oversight.allocation_runs_stop_stalled_sending() == 0
    assert mail.outbox == []
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Sending stopped" not in page and "Send the rest" not in page
    assert "Waiting to start sending: other work queued before it" in page
    assert "data-progress-url" in page

    taken_up = timezone.now()
    oversight._sending_taken_up(run.pk)
    run.refresh_from_db()
    assert run.progress_at >= taken_up and not run.sending_stopped()
    assert not run.sending_stopped(taken_up + datetime.timedelta(minutes=4))
    assert run.sending_stopped(taken_up + datetime.timedelta(minutes=6))
    run_queued(queued)
    run.refresh_from_db()
    assert run.status == "published"
    assert MentoringRequest.objects.count() == 2
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "has been sent" in told.subject


def test_sending_the_rest_waits_its_turn_in_the_queue_without_a_false_alarm(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    worker_dies_after_one_pair(client, run, monkeypatch)
    minutes_pass(run, 6)
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        client.post(f"/oversight/allocations/{run.pk}/publish/")
    minutes_pass(run, 30)  # the queue is long
    mail.outbox.clear()
    assert oversight.allocation_runs_stop_stalled_sending() == 0
    assert mail.outbox == []
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "1 of 2 pairs done: 1 sent, 0 skipped, 0 failed so far. Waiting to send" in (
        page
    )
    assert "Send the rest" not in page
    run_queued(queued)
    run.refresh_from_db()
    assert run.status == "published"
    assert MentoringRequest.objects.count() == 2


def test_a_sender_stopped_on_the_way_then_carried_on_leaves_no_error(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    queued = publish_without_sending(client, run)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert oversight._send_batch(run.pk) is True
        oversight._sending_stopped(run.pk)
    run.refresh_from_db()
    assert run.error and run.sending_stopped()
    run_queued(queued)
    run.refresh_from_db()
    assert run.status == "published" and run.error == ""


def test_a_late_second_sender_sends_nothing_again(client, olivia, london, waiting, bob):
    run = propose(client, olivia, london)
    run_queued(publish_without_sending(client, run))
    assert oversight.allocation_run_send(run_id=run.pk).status == "published"
    assert MentoringRequest.objects.count() == 2
    told = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert len(told) == 1


def test_a_batch_whose_rows_are_busy_a_moment_is_tried_again(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    monkeypatch.setattr(oversight, "BUSY_PAUSE", 0)
    send_batch = oversight._send_batch
    tries = []

    def busy_at_first(run_id):
        tries.append(run_id)
        if len(tries) == 1:
            raise RowsBusy()
        return send_batch(run_id)

    monkeypatch.setattr(oversight, "_send_batch", busy_at_first)
    run_queued(publish_without_sending(client, run))
    run.refresh_from_db()
    assert run.status == "published" and len(tries) == 3
    assert MentoringRequest.objects.count() == 2


def test_a_pair_that_always_fails_is_marked_failed_and_the_rest_are_sent(
    client, olivia, london, waiting, bob, monkeypatch
):
    """A pair whose data makes sending it raise an unexpected error (not a
    refusal by the rules) fails alone: it is rolled back and marked failed with
    words for the officer, and the pairs after it are sent."""
    run = propose(client, olivia, london)
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    broken = waiting["alice"].pk
    assert run.kept_pairs()[0]["candidate_id"] == broken  # the first pair fails
    create = mentoring.request_create

    def fails_for_alice(**kwargs):
        request = create(**kwargs)  # written, then the error: nothing may stay
        if kwargs["enrolment"].pk == broken:
            raise ValueError("unexpected data")
        return request

    monkeypatch.setattr(mentoring, "request_create", fails_for_alice)
    run_queued(publish_without_sending(client, run))
    run.refresh_from_db()
    assert run.status == "published" and run.error == ""
    outcomes = {o["candidate_id"]: o for o in run.published}
    assert outcomes[broken]["outcome"] == "failed"
    assert outcomes[waiting["carl"].pk]["outcome"] == "requested"
    assert list(MentoringRequest.objects.values_list("enrolment", flat=True)) == [
        waiting["carl"].pk
    ]
    assert run.progress | {"stage": "done"} == {
        "stage": "done",
        "done": 2,
        "total": 2,
        "sent": 1,
        "skipped": 0,
        "failed": 1,
    }
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "as requests to the mentors: 1 sent, 0 skipped, 1 failed" in page
    assert "<strong>Failed:</strong> Not sent because of an error on our side" in page
    assert "the candidate is still waiting for a mentor" in page
    assert "Send the rest" not in page
    # Nobody was told of the pair rolled back.
    assert not [m for m in mail.outbox if m.to == ["alice@example.org"]]
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert told.subject == f"[Mentor Scheme] Allocation run {run.pk} has been sent"
    assert "1 of 2 pairs sent, 0 skipped by the scheme's rules, 1 failed." in told.body
    assert "1 pair could not be sent because of an error on our side" in told.body
    entry = AuditEntry.objects.get(action="allocation_published")
    assert entry.details["failed"] == 1 and entry.details["published"] == 1


def test_a_failed_pair_is_not_tried_again_when_the_rest_is_sent(
    client, olivia, london, waiting, bob, monkeypatch
):
    """Sending stopped (the database went away) after a pair failed: sending the
    rest sends the pairs not done, not the failed one again."""
    run = propose(client, olivia, london)
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    broken = waiting["alice"].pk
    create = mentoring.request_create
    calls = []

    def fails(**kwargs):
        calls.append(kwargs["enrolment"].pk)
        if kwargs["enrolment"].pk == broken:
            raise KeyError("unexpected data")
        if len(calls) == 2:
            raise OperationalError("the database went away")
        return create(**kwargs)

    monkeypatch.setattr(mentoring, "request_create", fails)
    run_queued(publish_without_sending(client, run))
    run.refresh_from_db()
    assert run.status == "publishing" and run.sending_stopped()
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "1 of 2 pairs done: 0 sent, 0 skipped, 1 failed so far." in page
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "stopped after 1 of 2 pairs: 0 sent, 0 skipped, 1 failed" in told.body
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/oversight/allocations/{run.pk}/publish/")
    run.refresh_from_db()
    assert run.status == "published"
    assert calls == [broken, waiting["carl"].pk, waiting["carl"].pk]
    assert [o["outcome"] for o in run.published] == ["failed", "requested"]


def test_a_pair_the_database_refuses_fails_alone_and_the_batch_carries_on(
    client, olivia, london, waiting, bob, monkeypatch
):
    """An error of the database about one pair's data (here a column left
    empty) rolls back that pair only: on PostgreSQL too, the batch's other
    pairs are sent in the same transaction."""
    run = propose(client, olivia, london)
    broken = waiting["alice"].pk
    create = mentoring.request_create

    def refused_for_alice(**kwargs):
        if kwargs["enrolment"].pk == broken:
            MentoringRequest.objects.create(
                enrolment=kwargs["enrolment"], mentor=kwargs["mentor"], message=None
            )
        return create(**kwargs)

    monkeypatch.setattr(mentoring, "request_create", refused_for_alice)
    run_queued(publish_without_sending(client, run))
    run.refresh_from_db()
    assert run.status == "published"
    assert sorted(o["outcome"] for o in run.published) == ["failed", "requested"]
    assert list(MentoringRequest.objects.values_list("enrolment", flat=True)) == [
        waiting["carl"].pk
    ]


def test_the_officer_can_list_only_the_pairs_not_sent_page_by_page(
    client, olivia, london, waiting, bob, monkeypatch
):
    """Among hundreds of pairs sent, the few skipped or failed are the ones an
    officer follows up: the run's page lists them alone, page after page."""
    run = propose(client, olivia, london)
    create = mentoring.request_create
    failing = waiting["carl"].pk

    def fails_for_carl(**kwargs):
        if kwargs["enrolment"].pk == failing:
            raise ValueError("unexpected data")
        return create(**kwargs)

    monkeypatch.setattr(mentoring, "request_create", fails_for_carl)
    run_queued(publish_without_sending(client, run))
    url = f"/oversight/allocations/{run.pk}/"
    page = client.get(url).text
    assert "Request sent" in page and "<strong>Failed:</strong>" in page
    assert "Show only the 1 pair not sent (skipped or failed)" in page
    page = client.get(url, {"shown": "not-sent"}).text
    assert "<strong>Failed:</strong>" in page and "Request sent" not in page
    assert "Showing only the 1 pair not sent" in page and "Show every pair" in page

    monkeypatch.setattr(views, "RUN_PAGE_SIZE", 1)
    run.refresh_from_db()
    run.published = [
        *run.published,
        {**run.published[0], "outcome": "skipped", "reason": "Gone away."},
    ]
    run.save()
    page = client.get(url, {"shown": "not-sent"}).text
    assert "Page 1 of 2." in page
    assert 'href="?shown=not-sent&amp;outcomes=2"' in page
    page = client.get(url, {"shown": "not-sent", "outcomes": 2}).text
    assert "<strong>Skipped:</strong> Gone away." in page


def test_the_list_of_runs_says_which_sending_stopped(
    client, olivia, london, waiting, bob, monkeypatch
):
    """An officer who has not read the email sees it in the list of runs: the
    run is not "being sent" any more, and waits for them."""
    run = propose(client, olivia, london)
    worker_dies_after_one_pair(client, run, monkeypatch)
    listed = client.get("/oversight/allocations/").text
    assert "Being sent" in listed and "Sending stopped" not in listed
    minutes_pass(run, 6)
    listed = client.get("/oversight/allocations/").text
    assert "Being sent" not in listed
    assert (
        f'<strong>Sending stopped:</strong> <a href="/oversight/allocations/{run.pk}/'
        '#progress">send the rest, or stop it' in listed
    )


def test_another_officer_sends_the_rest_if_only_a_pair_sent_is_theirs_to_decline(
    client, olivia, london, waiting, bob, monkeypatch
):
    """Olivia published; the worker died after Alice's pair. Opal, another
    officer of the region, is Alice's line manager: Alice's pair is decided and
    sent already, so Opal may send the rest, but not a pair of her own report."""
    opal = f.MemberFactory(first_name="Opal", last_name="Oak", email="opal@e.org")
    f.award(opal, "chartership")
    f.with_account(opal, totp=True)
    f.appoint(opal, "london")
    alice = waiting["alice"].member
    alice.line_manager = opal
    alice.save()
    run = propose(client, olivia, london)
    assert run.kept_pairs()[0]["candidate_id"] == waiting["alice"].pk
    worker_dies_after_one_pair(client, run, monkeypatch)
    minutes_pass(run, 6)

    carl = waiting["carl"].member
    carl.line_manager = opal
    carl.save()
    login(client, opal)
    page = html.unescape(
        client.post(f"/oversight/allocations/{run.pk}/publish/", follow=True).text
    )
    assert (
        "You cannot send the rest of this allocation. Carl Clark with Bob Baker: "
        "You are Carl Clark's line manager, so you cannot decide this. Ask another "
        "support officer of the region, or the registration team, to send the rest."
        in page
    )
    assert "Alice Archer with" not in page and "Take that pair out" not in page

    carl.line_manager = None
    carl.save()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(f"/oversight/allocations/{run.pk}/publish/")
    run.refresh_from_db()
    assert run.status == "published"
    assert MentoringRequest.objects.count() == 2
