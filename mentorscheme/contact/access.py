"""Who may read and triage the feedback sent through the contact form."""

from mentorscheme.members.access import Roles


def can_triage_feedback(roles: Roles) -> bool:
    return roles.is_staff
