"""The site's two-factor gate: staff and support officers give their second factor
in every session before they reach anything.

It answers a page with a redirect to the step still owed and an API call with the
API's problem detail, so it sits here, above both the members and the api apps.
"""

from allauth.mfa.models import Authenticator
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from mentorscheme.api.problems import ApiProblem, response_for
from mentorscheme.members.access import requires_two_factor, roles_for
from mentorscheme.members.middleware import passed_second_factor

# Pages a staff member or officer can still reach before setting up two-factor.
_SET_UP_PREFIX = "/accounts/"
# All a session that gave only its password may reach once two-factor is set up:
# giving the code, and signing out. Not the other account pages, where the password
# alone would show the recovery codes (one passes as the code) or swap the
# authenticator for a new one (whose first code counts as given).
_BEFORE_THE_CODE = ("mfa_reauthenticate", "account_logout")


class RequireTwoFactorMiddleware:
    """Staff and support officers must pass TOTP two-factor *in this session*.

    Having set up an authenticator is not enough: allauth records how the session
    signed in (``get_authentication_records``), and a session that gave only a
    password (the Django admin's own sign-in before it was routed through allauth,
    or anything else that calls ``login()``) is sent to give a code before it
    reaches anything, its own account pages included, and the API answers it with
    a problem detail.
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
        match = _match(request)
        return match is not None and (
            match.namespace == "api" and match.url_name != "openapi-view"
        )

    @staticmethod
    def _api_problem(request, missing: str):
        """An API client gets a problem detail it can read, not a page to go to."""
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
        if not user.is_authenticated or request.path.startswith("/static/"):
            return None
        roles = roles_for(user)
        if not requires_two_factor(roles):
            return None
        if not self._has_totp(user, roles):
            if request.path.startswith(_SET_UP_PREFIX):
                return None
            return "mfa_activate_totp"
        if passed_second_factor(request):
            return None
        match = _match(request)
        if match is not None and match.url_name in _BEFORE_THE_CODE:
            return None
        return "mfa_reauthenticate"

    @staticmethod
    def _has_totp(user, roles) -> bool:
        if roles.has_totp is not None:
            return roles.has_totp
        return Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()


def _match(request):
    """The URL pattern the request is for (the middleware runs before Django
    resolves it), or None for an address the site does not have."""
    try:
        return resolve(request.path_info)
    except Resolver404:
        return None
