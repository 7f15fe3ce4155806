import time

from allauth.account.authentication import get_authentication_records
from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME, SESSION_KEY
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from mentorscheme.members.access import requires_two_factor, roles_for

# Pages a staff member or officer can still reach before setting up two-factor.
_OPEN_PREFIXES = ("/accounts/", "/static/")


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
        now = time.time()
        last = session.get(RENEWED_KEY, 0)
        if now - last >= renewal_interval(settings.SESSION_COOKIE_AGE):
            session[RENEWED_KEY] = now  # marks it modified: saved with a new expiry
        return response


class RequireTwoFactorMiddleware:
    """Staff and support officers must pass TOTP two-factor *in this session*.

    Having set up an authenticator is not enough: allauth records how the session
    signed in (``get_authentication_records``), and a session that gave only a
    password (the Django admin's own sign-in before it was routed through allauth,
    or anything else that calls ``login()``) is sent to give a code before it
    reaches anything, and the API answers it with a problem detail.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        missing = self._missing_step(request)
        if missing is None:
            return self.get_response(request)
        if self._is_api_call(request):
            return self._api_problem(request, missing)
        if missing == "mfa_reauthenticate":
            return redirect_to_login(
                request.get_full_path(), reverse(missing), REDIRECT_FIELD_NAME
            )
        return redirect(missing)

    @staticmethod
    def _is_api_call(request) -> bool:
        """An endpoint of the JSON API (not its HTML docs, nor the tokens page)."""
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.namespace == "api" and match.url_name != "openapi-view"

    @staticmethod
    def _api_problem(request, missing: str):
        """An API client gets a problem detail it can read, not a page to go to."""
        from mentorscheme.api.problems import ApiProblem, response_for

        where = request.build_absolute_uri(reverse(missing))
        if missing == "mfa_reauthenticate":
            detail = (
                "This session signed in without its second factor. Staff and "
                "Mentor Support Officers must give a two-factor code before using "
                f"the API: do it at {where}."
            )
        else:
            detail = (
                "Set up two-factor authentication before using the API: staff and "
                f"Mentor Support Officers must. Do it at {where}."
            )
        return response_for(request, ApiProblem("forbidden", detail))

    def _missing_step(self, request) -> str | None:
        """The URL name of the two-factor step this session still owes, if any."""
        user = request.user
        if not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return None
        roles = roles_for(user)
        if not requires_two_factor(roles):
            return None
        if not self._has_totp(user, roles):
            return "mfa_activate_totp"
        if not passed_second_factor(request):
            return "mfa_reauthenticate"
        return None

    @staticmethod
    def _has_totp(user, roles) -> bool:
        if roles.has_totp is not None:
            return roles.has_totp
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()


def passed_second_factor(request) -> bool:
    """Whether this session gave a second factor (allauth's record of its sign-in)."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


class PrivateResponseMiddleware:
    """Nothing shown to a signed-in person or an API caller is kept by a shared cache
    or on disk: ``Cache-Control: private, no-store`` (pages and answers carrying
    personal data set it themselves too, e.g. a calendar feed reached by its token).
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
        if "HTTP_AUTHORIZATION" in request.META:
            return True
        session = getattr(request, "session", None)
        return session is not None and SESSION_KEY in session


def mark_private(response):
    """Keep ``response`` out of shared caches and off disk."""
    patch_cache_control(response, private=True, no_store=True)
    return response
