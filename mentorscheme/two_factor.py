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
_OPEN_PREFIXES = ("/accounts/", "/static/")


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
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.namespace == "api" and match.url_name != "openapi-view"

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
        return Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()
