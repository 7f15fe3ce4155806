from django.shortcuts import redirect

from mentorscheme.members import access

# Pages a staff member or officer can still reach before setting up two-factor.
_OPEN_PREFIXES = ("/accounts/", "/static/")


class RequireTwoFactorMiddleware:
    """Staff and support officers must use TOTP two-factor authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._must_set_up(request):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    def _must_set_up(self, request) -> bool:
        user = request.user
        if not user.is_authenticated or request.path.startswith(_OPEN_PREFIXES):
            return False
        if not access.requires_two_factor(access.roles_for(user)):
            return False
        from allauth.mfa.models import Authenticator

        return not Authenticator.objects.filter(
            user=user, type=Authenticator.Type.TOTP
        ).exists()
