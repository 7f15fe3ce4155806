"""Who may erase a member's personal data."""

from mentorscheme.members.access import Roles


def can_erase_members(roles: Roles) -> bool:
    """Erasing a member's personal data on request is for the registration team."""
    return roles.is_staff
