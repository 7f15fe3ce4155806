"""An officer stops the sending of an allocation part way: after a confirmation,
what was sent stays as it is, the rest is never sent, and the run says so."""

from django.core import mail
from django.test import TestCase

from mentorscheme.audit.models import AuditEntry
from mentorscheme.mentoring.models import MentoringRequest
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight.models import AllocationRun
from tests.oversight.test_allocation import propose
from tests.oversight.test_allocation_sending import (
    publish_without_sending,
    run_queued,
)
from tests.personas import login


def one_pair_sent(client, run, monkeypatch):
    """Publish ``run``; the worker has sent its first pair of two so far.
    Returns the queued sending task (the rest)."""
    monkeypatch.setattr(oversight, "SEND_BATCH", 1)
    queued = publish_without_sending(client, run)
    assert oversight._send_batch(run.pk) is True
    mail.outbox.clear()
    return queued


def stop(client, run, **data):
    return client.post(f"/oversight/allocations/{run.pk}/stop/", data)


def test_an_officer_stops_sending_the_rest_after_confirming(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    queued = one_pair_sent(client, run, monkeypatch)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Stop sending the rest…" in page

    confirmation = stop(client, run)
    assert confirmation.status_code == 200
    text = confirmation.text
    assert f"Stop sending allocation {run.pk}?" in text
    assert (
        "The 1 pair not sent yet is never sent, and nobody is emailed about it. "
        "Its candidate stays waiting: start a new allocation" in text
    )
    assert (
        "What was sent stays as it is (1 request so far): the mentor can still "
        "accept or decline it." in text
    )
    assert "The rest cannot be sent afterwards." in text
    assert "No, keep sending" in text
    run.refresh_from_db()
    assert run.status == "publishing"  # nothing changed before the yes

    response = stop(client, run, confirmed="yes")
    assert response["Location"] == f"/oversight/allocations/{run.pk}/"
    page = client.get(response["Location"]).text
    assert "Sending was stopped. 1 sent, 0 skipped, 0 failed; 1 pair not sent." in page
    assert f"Allocation run {run.pk}: sending stopped part way" in page
    assert "1 sent, 0 skipped, 0 failed; 1 not sent, and never will be" in page
    assert "Send the rest" not in page and "Stop sending the rest" not in page
    assert "data-progress-url" not in page
    run.refresh_from_db()
    assert run.status == "stopped" and run.stopped_at is not None
    assert not run.sending_stopped()
    entry = AuditEntry.objects.get(action="allocation_published")
    assert entry.actor == olivia.user
    assert entry.details | {"mode": None} == {
        "mode": None,
        "published": 1,
        "skipped": 0,
        "failed": 0,
        "removed": 0,
        "stopped": True,
        "not_sent": 1,
    }
    assert mail.outbox == []  # the officer who stopped it is who published it

    # The worker takes up the rest later: it sends nothing more, and tells
    # nobody that the allocation was sent.
    run_queued(queued)
    assert MentoringRequest.objects.count() == 1
    run.refresh_from_db()
    assert run.status == "stopped" and len(run.published) == 1
    assert mail.outbox == []
    # Nor can it be sent, or stopped, again.
    with TestCase.captureOnCommitCallbacks(execute=False) as again:
        response = client.post(f"/oversight/allocations/{run.pk}/publish/", follow=True)
    assert again == []
    assert "Sending this allocation was stopped part way" in response.text
    response = client.post(
        f"/oversight/allocations/{run.pk}/stop/", {"confirmed": "yes"}, follow=True
    )
    assert "its sending was stopped already" in response.text


def test_sending_that_stopped_on_an_error_can_be_stopped_for_good(
    client, olivia, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    queued = one_pair_sent(client, run, monkeypatch)
    oversight._sending_stopped(run.pk)
    page = client.get(f"/oversight/allocations/{run.pk}/").text
    assert "Send the rest" in page and "Stop sending the rest…" in page
    stop(client, run, confirmed="yes")
    run_queued(queued)
    run.refresh_from_db()
    assert run.status == "stopped" and run.error == ""
    assert MentoringRequest.objects.count() == 1


def test_whoever_published_is_told_when_someone_else_stopped_the_sending(
    client, olivia, sam, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    one_pair_sent(client, run, monkeypatch)
    with TestCase.captureOnCommitCallbacks(execute=True):
        oversight.allocation_run_stop_sending(run=run, by=sam)
    [told] = mail.outbox
    assert told.to == [olivia.user.email]
    assert (
        told.subject == f"[Mentor Scheme] Sending allocation run {run.pk} was stopped"
    )
    assert f"{sam} stopped sending the matches of your allocation" in told.body
    assert "after 1 of 2 pairs: 1 sent, 0 skipped by the scheme's rules" in told.body
    assert "The other 1 pair will not be sent" in told.body
    assert "Send the rest" not in told.body


def test_only_a_run_being_sent_can_be_stopped(client, olivia, london, waiting, bob):
    run = propose(client, olivia, london)
    response = client.post(
        f"/oversight/allocations/{run.pk}/stop/", {"confirmed": "yes"}, follow=True
    )
    assert "it awaits review; discard it instead" in response.text
    assert AllocationRun.objects.get(pk=run.pk).status == "proposed"


def test_an_officer_of_another_region_cannot_stop_the_sending(
    client, olivia, oscar, london, waiting, bob, monkeypatch
):
    run = propose(client, olivia, london)
    one_pair_sent(client, run, monkeypatch)
    login(client, oscar)
    assert stop(client, run, confirmed="yes").status_code == 404
    assert AllocationRun.objects.get(pk=run.pk).status == "publishing"


def test_the_candidates_not_sent_are_in_the_next_allocation(
    client, olivia, london, waiting, bob, monkeypatch
):
    """As the confirmation says: the candidate whose pair was not sent is still
    waiting, and a new allocation for the region proposes them; the one whose
    request was sent waits for the mentor's answer instead."""
    run = propose(client, olivia, london)
    one_pair_sent(client, run, monkeypatch)
    stop(client, run, confirmed="yes")
    [sent] = run.kept_pairs()[:1]
    [not_sent] = run.kept_pairs()[1:]
    again = propose(client, olivia, london)
    assert again.pk != run.pk and again.status == "proposed"
    proposed = {p["candidate_id"] for p in again.proposal["pairs"]}
    assert not_sent["candidate_id"] in proposed
    assert sent["candidate_id"] not in proposed


def test_a_sending_with_every_pair_done_is_finished_not_stopped(
    client, olivia, london, waiting, bob, monkeypatch
):
    """The last batch was sent as the officer asked to stop: nothing is left to
    stop, and the run is finished as published, with the officer's email."""
    run = propose(client, olivia, london)
    queued = one_pair_sent(client, run, monkeypatch)
    assert oversight._send_batch(run.pk) is True  # the second, and last, pair
    response = stop(client, run, confirmed="yes")
    page = client.get(response["Location"]).text
    assert "Every pair has been sent or skipped already" in page
    run_queued(queued)
    run.refresh_from_db()
    assert run.status == "published"
    [told] = [m for m in mail.outbox if m.to == [olivia.user.email]]
    assert "2 of 2 pairs sent" in told.body
