"""Who may issue and revoke API tokens."""

from mentorscheme.api.models import Scope
from mentorscheme.members.access import Roles

#: The permission (Django's, given in the admin to a user or a group) a member of
#: staff needs to make a token that may rewrite the member register.
REGISTER_WRITER_PERMISSION = "api.issue_register_token"

#: What a member of staff without it reads when they try.
REGISTER_SCOPE_REFUSED = (
    "Only staff given the permission “Can make API tokens that create and update "
    "members” may make a token that creates and updates members: it rewrites the "
    "member register. Ask an administrator of the site to give you the permission, "
    "or to make the token."
)


def can_manage_api_tokens(roles: Roles) -> bool:
    return roles.is_staff


def may_give_scopes(user, scopes) -> bool:
    """Whether ``user`` may make a token with these scopes; ``None`` is the site's
    own setup (the shell), which answers to nobody on the site."""
    if Scope.MEMBERS_WRITE not in scopes or user is None:
        return True
    return user.is_staff and user.has_perm(REGISTER_WRITER_PERMISSION)
