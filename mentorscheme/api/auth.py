"""Who is calling the API: an integration token, or a member signed in to the site.

Either way the caller becomes a ``Principal`` with roles (from ``members.access``, as
on the site) and scopes. A token acts for a system, never for a person; a session
acts for its member, and its scopes follow from their roles.
"""

from dataclasses import dataclass

from django.conf import settings
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from mentorscheme.api import services
from mentorscheme.api.models import IntegrationToken, Scope
from mentorscheme.api.problems import ApiProblem
from mentorscheme.members import officers
from mentorscheme.members.access import ANONYMOUS, Roles, roles_for
from mentorscheme.mentors.access import can_use_directory

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Principal:
    roles: Roles
    scopes: frozenset[str]
    user: object = None
    token: IntegrationToken | None = None

    def __str__(self):
        # The rate limit counts per str(principal).
        return f"token:{self.token.prefix}" if self.token else f"user:{self.user.pk}"

    @property
    def member(self):
        return self.roles.member

    @property
    def person(self):
        """The signed-in person this call acts for; None for an integration token,
        which acts for a system (``created_by`` only says who made it)."""
        return None if self.token else self.user

    @classmethod
    def for_token(cls, token: IntegrationToken) -> "Principal":
        return cls(roles=ANONYMOUS, scopes=frozenset(token.scopes), token=token)

    @classmethod
    def for_user(cls, user) -> "Principal":
        roles = roles_for(user)
        scopes = {Scope.READ}
        if can_use_directory(roles):
            scopes.add(Scope.DIRECTORY_READ)
        if roles.is_staff:
            scopes.add(Scope.MEMBERS_WRITE)
        return cls(roles=roles, scopes=frozenset(scopes), user=user)


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = services.token_authenticate(token)
        if found is None:
            # A token that was sent but is wrong is refused outright, rather than
            # falling back to a browser session that happens to be there.
            raise ApiProblem(
                "unauthenticated",
                "The token is not valid, or it has been revoked.",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return Principal.for_token(found)


class SessionAuth(APIKeyCookie):
    """The site's own sign-in, with Django's CSRF check on every change."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request):
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request, key):
        user = request.user
        if not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise ApiProblem("csrf")
        return Principal.for_user(user)


def require_scope(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes:
        raise ApiProblem(
            "forbidden",
            f"This needs the {str(scope)!r} scope."
            if principal.token
            else "Your role does not allow this.",
        )


def refuse_own_case(principal: Principal, subject) -> None:
    """A person may not change their own record, or that of someone they
    line-manage, as on the site; an integration token (the membership database)
    may."""
    reason = officers.conflict_reason(principal.person, subject)
    if reason:
        raise ApiProblem(
            "forbidden", f"{reason} Another member of the registration team records it."
        )


def require_member(principal: Principal):
    """The signed-in, current member this call acts for."""
    member = principal.member
    if principal.token is not None or member is None:
        raise ApiProblem(
            "forbidden",
            "This acts for a member: sign in to the site as that member. Integration "
            "tokens cannot use it.",
        )
    if not member.is_current:
        raise ApiProblem("forbidden", "Your membership is not current.")
    return member
