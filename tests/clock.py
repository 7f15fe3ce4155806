"""A test clock: moves what ``django.utils.timezone.now`` says, never sleeps.

The scheme reads the time through ``timezone.now()`` (and ``timezone.localdate()``,
which calls it), so moving it moves "today" for the services, the pages and a live
server running in the test's process.
"""

import datetime

import pytest
from django.utils import timezone


class Clock:
    def __init__(self, real):
        self._real = real
        self.offset = datetime.timedelta()

    def now(self):
        return self._real() + self.offset

    def move(self, **delta) -> None:
        """Move the clock forward (or back, with negative values)."""
        self.offset += datetime.timedelta(**delta)

    def move_to(self, when: datetime.datetime) -> None:
        self.offset = when - self._real()


@pytest.fixture
def clock(monkeypatch):
    clock = Clock(timezone.now)
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock
