"""Two starts of an allocation for the same regions at once (a double click)."""

import threading
import time

import pytest
from django.db import connections

from mentorscheme.oversight import services
from mentorscheme.oversight.models import AllocationRun
from tests import factories as f

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
