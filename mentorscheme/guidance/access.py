"""Who may edit the guidance pages."""

from mentorscheme.members.access import Roles


def can_edit_guidance(roles: Roles) -> bool:
    return roles.is_staff
