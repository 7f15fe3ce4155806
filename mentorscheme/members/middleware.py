import time

from django.conf import settings
from django.shortcuts import redirect

from mentorscheme.members import access

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
    """Staff and support officers must use TOTP two-factor authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            if self._is_api_call(request):
                return self._api_problem(request)
            return redirect("mfa_activate_totp")
        return self.get_response(request)

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
    def _api_problem(request):
        """An API client gets a problem detail it can read, not a page to go to."""
        from django.urls import reverse

        from mentorscheme.api.problems import ApiProblem, response_for

        where = request.build_absolute_uri(reverse("mfa_activate_totp"))
        return response_for(
            request,
            ApiProblem(
                "forbidden",
                "Set up two-factor authentication before using the API: staff and "
                f"Mentor Support Officers must. Do it at {where}.",
            ),
        )

    def _must_set_up(self, request) -> bool:
        user = request.user
        if not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return False
        roles = access.roles_for(user)
        if not access.requires_two_factor(roles):
            return False
        if roles.has_totp is not None:
            return not roles.has_totp
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()
