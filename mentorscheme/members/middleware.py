from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone
from django.utils.cache import patch_cache_control

#: When the sign-in was last renewed (seconds since the epoch), kept in the session.
RENEWED_KEY = "_renewed_at"


def renewal_interval(idle_timeout: int) -> float:
    """How long a sign-in may go between renewals: a minute, or a tenth of a short timeout."""
    return min(60.0, idle_timeout / 10)


class IdleSessionMiddleware:
    """End a sign-in after ``SESSION_COOKIE_AGE`` seconds without a request.

    Saving the session on every request would renew it too, but at the price of a
    database write per page view. Renewing it when the last renewal is over a minute
    old keeps the timeout idle (it ends between ``age`` less a minute and ``age``
    after the last request) with at most one write a minute for each signed-in user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or not session.keys():
            return response
        # The session's expiry is reckoned from timezone.now() too (Django's session
        # store): one clock for both.
        now = timezone.now().timestamp()
        last = session.get(RENEWED_KEY, 0)
        if now - last >= renewal_interval(settings.SESSION_COOKIE_AGE):
            session[RENEWED_KEY] = now  # marks it modified: saved with a new expiry
        return response


def passed_second_factor(request) -> bool:
    """Whether this session gave a second factor (allauth's record of its sign-in)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class PrivateResponseMiddleware:
    """Nothing shown to a signed-in person, an API caller or on an account page is
    kept by a shared cache or on disk: ``Cache-Control: private, no-store`` (pages
    and answers carrying personal data set it themselves too, e.g. a calendar feed
    reached by its token).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._is_personal(request):
            mark_private(response)
        return response

    @staticmethod
    def _is_personal(request) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        if _is_account_page(request):
            return True
        if "HTTP_AUTHORIZATION" in request.META:
            return True
        session = getattr(request, "session", None)
        return session is not None and SESSION_KEY in session


def _is_account_page(request) -> bool:
    """allauth's pages: signed out, they still name the address an emailed link
    confirms, or carry a sign-in halfway through."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.func.__module__.startswith("allauth.")


def mark_private(response):
    """Keep ``response`` out of shared caches and off disk."""
    patch_cache_control(response, private=True, no_store=True)
    return response
