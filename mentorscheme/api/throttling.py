"""Rate limits per token or per signed-in user, counted in Django's cache.

The cache is the database (see settings), so the count holds across app servers.
Each window is a fixed slice of time; the count is approximate under heavy
concurrency (the database cache's increment is a read then a write), which is
enough to stop a runaway client.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from ninja.throttling import BaseThrottle

DEFAULT_RATE = "600/m"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate() -> tuple[int, int]:
    """(requests, seconds) from the API_RATE_LIMIT setting, e.g. "600/m"."""
    count, unit = getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE).split("/")
    return int(count), _PERIODS[unit[0]]


class PrincipalRateThrottle(BaseThrottle):
    def allow_request(self, request) -> bool:
        limit, period = rate()
        principal = getattr(request, "auth", None)
        who = str(principal) if principal else f"ip:{self.get_ident(request)}"
        key = f"api-rate:{who}:{int(time.time() // period)}"
        if cache.add(key, 1, timeout=period + 1):
            return True
        try:
            return cache.incr(key) <= limit
        except ValueError:  # the window expired in between
            cache.set(key, 1, timeout=period + 1)
            return True

    def wait(self) -> float:
        _, period = rate()
        return max(1, math.ceil(period - time.time() % period))
