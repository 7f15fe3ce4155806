"""Rate limits per token, per signed-in person, or per client address.

Counted by allauth's rate limiter in Django's cache, which lives in the database (see
settings), so the count holds across app servers, and each check-and-count happens
under a lock, so simultaneous calls cannot all slip under the limit. An anonymous
caller's address is read as ``TRUSTED_PROXY_COUNT`` says, like every other limit.
"""

import math
import threading
import time

from allauth.account.adapter import get_adapter
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.cache import cache
from ninja.throttling import BaseThrottle

DEFAULT_RATE = "600/m"
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_APP, _ACTION = "mentorscheme.api", "api"


def rate() -> tuple[int, int]:
    """(requests, seconds) from the API_RATE_LIMIT setting, e.g. "600/m"."""
    count, unit = getattr(settings, "API_RATE_LIMIT", DEFAULT_RATE).split("/")
    return int(count), _PERIODS[unit[0]]


def _config() -> dict[str, str]:
    limit, period = rate()
    return {_ACTION: f"{limit}/{period}s/key"}


class PrincipalRateThrottle(BaseThrottle):
    """One instance serves every request: what ``wait`` reports is kept per thread."""

    def __init__(self):
        self._refused = threading.local()

    def allow_request(self, request) -> bool:
        key = self._who(request)
        allowed = ratelimit.consume(
            request,
            app=_APP,
            action=_ACTION,
            config=_config(),
            key=key,
            limit_get=True,
        )
        if not allowed:
            self._refused.wait = self._seconds_to_wait(request, key)
        return bool(allowed)

    @staticmethod
    def _who(request) -> str:
        principal = getattr(request, "auth", None)
        if principal:
            return str(principal)
        return f"ip:{get_adapter(request).get_client_ip(request)}"

    def wait(self) -> float:
        return getattr(self._refused, "wait", 1)

    @staticmethod
    def _seconds_to_wait(request, key: str) -> int:
        """Seconds until the oldest call in the window stops counting."""
        _, period = rate()
        (limit_rate,) = ratelimit.get_rates(app=_APP, action=_ACTION, config=_config())
        cache_key = ratelimit.get_cache_key(
            request, app=_APP, action=_ACTION, rate=limit_rate, key=key
        )
        history = cache.get(cache_key) or [time.time()]
        return max(1, math.ceil(history[-1] + period - time.time()))
