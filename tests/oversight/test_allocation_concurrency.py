"""Two starts of an allocation for the same regions at once (a double click); two
senders of one run at once; a mentor answering while their run is sent."""

import threading
import time

import pytest
from django.db import connections, transaction

from mentorscheme.audit.models import AuditEntry
from mentorscheme.locking import RowsBusy
from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.oversight import services
from mentorscheme.oversight.models import AllocationRun, RunStatus
from tests import factories as f
from tests.races import together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_starts_at_once_make_one_run(monkeypatch):
    london = frozenset({f.region("london").pk})
    looked_up = services._open_run_for

    def slow_look_up(region_ids):
        found = looked_up(region_ids)
        time.sleep(0.3)  # the other start runs meanwhile
        return found

    monkeypatch.setattr(services, "_open_run_for", slow_look_up)
    barrier = threading.Barrier(2)
    results = []

    def start():
        try:
            barrier.wait()
            results.append(services.allocation_run_start(by=None, region_ids=london))
        except services.RunAlreadyOpen as already:
            results.append(already)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [run] = AllocationRun.objects.all()
    refused = [r for r in results if isinstance(r, services.RunAlreadyOpen)]
    assert len(results) == 2 and len(refused) == 1
    assert refused[0].run == run


def _run_being_sent(pairs: int, *, capacity: int):
    """A mentor, ``pairs`` candidates, and a run proposing them all to the mentor,
    published: its pairs wait to be sent."""
    member = f.MemberFactory()
    f.award(member, "fellowship")
    profile = f.mentor_profile(member, capacity=capacity)
    enrolments = [f.enrol(f.MemberFactory()) for _ in range(pairs)]
    run = AllocationRun.objects.create(
        status=RunStatus.PUBLISHING,
        mode="requests",
        proposal={
            "pairs": [
                {"candidate_id": e.pk, "mentor_id": profile.pk, "score": 1.0}
                for e in enrolments
            ]
        },
    )
    return run, profile


def _slow_pairs(monkeypatch, seconds: float):
    """Send one pair per transaction, each taking ``seconds``."""
    monkeypatch.setattr(services, "SEND_BATCH", 1)
    publish_pair = services._publish_pair

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return publish_pair(*args, **kwargs)

    monkeypatch.setattr(services, "_publish_pair", slow)


def test_two_senders_of_one_run_send_each_pair_once(monkeypatch):
    """Sending carried on while the first sender is still at work (a worker
    thought dead) sends each pair once."""
    run, profile = _run_being_sent(4, capacity=6)
    _slow_pairs(monkeypatch, 0.1)
    together(
        lambda: services.allocation_run_send(run_id=run.pk),
        lambda: services.allocation_run_send(run_id=run.pk),
    )
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    candidates = [o["candidate_id"] for o in run.published]
    assert sorted(candidates) == sorted(p["candidate_id"] for p in run.kept_pairs())
    assert {o["outcome"] for o in run.published} == {"requested"}
    assert MentoringRequest.objects.filter(mentor=profile).count() == 4
    assert AuditEntry.objects.filter(action="allocation_published").count() == 1


def test_a_mentor_answering_while_a_run_is_sent_waits_for_one_batch_only(
    monkeypatch, settings
):
    """Each batch of pairs is a transaction of its own: a mentor accepting a
    request while their run is sent waits for the batch under way, not for the
    whole run (which takes longer than the lock timeout here)."""
    settings.LOCK_TIMEOUT_MS = 1000
    run, profile = _run_being_sent(6, capacity=8)
    request = MentoringRequest.objects.create(
        enrolment=f.enrol(f.MemberFactory()), mentor=profile, message="Hello"
    )
    _slow_pairs(monkeypatch, 0.3)

    def accept_meanwhile():
        time.sleep(0.5)  # the sending is under way
        return mentoring_services.request_accept(
            request=request, mentor=profile, confirms_not_line_manager=True
        )

    results = together(
        lambda: services.allocation_run_send(run_id=run.pk), accept_meanwhile
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert MentoringRelationship.objects.get(mentor=profile).request == request
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    assert [o["outcome"] for o in run.published] == ["requested"] * 6


def test_a_second_sender_leaves_a_run_another_holds_to_it(monkeypatch):
    """A sender finding the run held by another (a task delivered twice) leaves
    the sending to that one: it neither waits to send the same pairs after it nor
    tells the officer that sending stopped."""
    run, profile = _run_being_sent(2, capacity=4)
    monkeypatch.setattr(services, "BUSY_PAUSE", 0.05)
    holding, release = threading.Event(), threading.Event()

    def hold_the_run():
        with transaction.atomic():
            AllocationRun.objects.select_for_update().get(pk=run.pk)
            holding.set()
            release.wait(timeout=10)

    def second_sender():
        assert holding.wait(timeout=10)
        try:
            return services.allocation_run_send(run_id=run.pk)
        finally:
            release.set()

    results = together(hold_the_run, second_sender)
    assert not [r for r in results if isinstance(r, Exception)], results
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHING
    assert run.error == "" and run.progress.get("stage") != "stopped"
    assert not MentoringRequest.objects.filter(mentor=profile).exists()
    services.allocation_run_send(run_id=run.pk)  # the first sender carries on
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    assert MentoringRequest.objects.filter(mentor=profile).count() == 2


def test_stopping_while_a_batch_is_sent_waits_for_it_and_no_batch_follows(
    monkeypatch,
):
    """An officer stops the sending while a batch is under way: the stop waits
    for that batch, whose pairs are recorded as sent, and no batch starts after
    it; every request sent is in the run's record, and none is missing."""
    run, profile = _run_being_sent(6, capacity=8)
    monkeypatch.setattr(services, "SEND_BATCH", 1)
    monkeypatch.setattr(services, "BUSY_PAUSE", 0.05)
    publish_pair = services._publish_pair
    under_way = threading.Event()

    def slow(*args, **kwargs):
        under_way.set()
        time.sleep(0.5)  # the stop is asked for meanwhile, and waits
        return publish_pair(*args, **kwargs)

    monkeypatch.setattr(services, "_publish_pair", slow)

    def stop_meanwhile():
        assert under_way.wait(timeout=10)
        return services.allocation_run_stop_sending(run=run, by=None)

    results = together(
        lambda: services.allocation_run_send(run_id=run.pk), stop_meanwhile
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    run.refresh_from_db()
    assert run.status == RunStatus.STOPPED
    # The batch under way when the stop came is recorded; the pairs after the
    # stop are not sent (a batch may slip in between, none after the stop).
    assert 1 <= len(run.published) <= 2
    sent = MentoringRequest.objects.filter(mentor=profile)
    assert sorted(o["request_id"] for o in run.published) == sorted(
        sent.values_list("pk", flat=True)
    )
    assert run.progress["done"] == run.progress["sent"] == len(run.published)
    assert AuditEntry.objects.filter(action="allocation_published").count() == 1


def test_stopping_during_a_batch_longer_than_the_lock_timeout_changes_nothing(
    monkeypatch, settings
):
    """The stop cannot wait for a batch that takes longer than the lock
    timeout: it is refused with "try again" and the sending goes on."""
    settings.LOCK_TIMEOUT_MS = 200
    run, profile = _run_being_sent(2, capacity=4)
    _slow_pairs(monkeypatch, 0.8)

    def stop_meanwhile():
        time.sleep(0.3)
        return services.allocation_run_stop_sending(run=run, by=None)

    results = together(
        lambda: services.allocation_run_send(run_id=run.pk), stop_meanwhile
    )
    assert [type(r) for r in results if isinstance(r, Exception)] == [RowsBusy]
    run.refresh_from_db()
    assert run.status == RunStatus.PUBLISHED
    assert MentoringRequest.objects.filter(mentor=profile).count() == 2
