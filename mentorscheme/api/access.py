"""Who may issue and revoke API tokens."""

from mentorscheme.members.access import Roles


def can_manage_api_tokens(roles: Roles) -> bool:
    return roles.is_staff
