"""The site's navigation, for every page (a template context processor).

It lives here, above every app whose pages it lists, because who sees which page is
decided by those apps' access rules.
"""

import functools
from dataclasses import dataclass

from django.urls import get_script_prefix, get_urlconf, reverse

from mentorscheme.members.access import roles_for
from mentorscheme.mentors.access import can_review_mentors, can_use_directory
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.oversight.access import can_allocate, can_oversee


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool = False


@functools.lru_cache(maxsize=128)
def _address(script_prefix: str, urlconf, name: str) -> str:
    """The page's address (the same for every request under one script prefix and
    URLconf): reversed once, not for every item of every page."""
    return reverse(name)


def _item(request, label: str, name: str, *, exact: bool = False) -> NavItem:
    url = _address(get_script_prefix(), get_urlconf(), name)
    path = request.path
    current = path == url if exact else path.startswith(url)
    return NavItem(label, url, current)


def navigation(request):
    """The site's navigation for this person: a few main pages, the rest under "More".

    Built once here so the wide bar and the narrow menu list the same pages.
    """
    roles = roles_for(request.user)
    main, more = [], []
    if not roles.is_authenticated:
        main = [
            _item(request, "Guidance", "guidance:index"),
            _item(request, "Training and events", "training:index"),
            _item(request, "Contact us", "contact:form"),
        ]
        return {"nav_main": main, "nav_more": more}
    main.append(_item(request, "Home", "home", exact=True))
    if roles.is_candidate:
        main.append(_item(request, "Your mentoring", "mentoring:home", exact=True))
    if can_use_directory(roles):
        main.append(_item(request, "Find a mentor", "mentoring:directory"))
    if roles.member is not None and roles.member.is_current:
        status = getattr(roles.member, "roles_mentor_status", None)
        label = (
            "Your candidates"
            if status == MentorStatus.LISTED
            else "Your mentor application"
            if roles.is_mentor
            else "Become a mentor"
        )
        main.append(_item(request, label, "mentors:home", exact=True))
    main.append(_item(request, "Training", "training:index"))
    if can_oversee(roles):
        main.append(_item(request, "Dashboard", "oversight:dashboard", exact=True))
        if can_review_mentors(roles):  # the mentors' side
            main.append(_item(request, "Mentor applications", "mentors:review_list"))
        more.append(_item(request, "Member records", "members:register"))
        if can_allocate(roles):  # the candidates' side
            more.append(_item(request, "Allocations", "oversight:allocations"))
        more.append(_item(request, "Reports", "oversight:reports"))
    if roles.is_staff:
        more.append(_item(request, "Feedback", "contact:triage"))
        more.append(_item(request, "Scheme administration", "oversight:scheme"))
        more.append(_item(request, "Emails sent", "notifications:outbox"))
        more.append(_item(request, "API tokens", "api_tokens"))
    more.append(_item(request, "Guidance", "guidance:index"))
    more.append(_item(request, "Contact us", "contact:form"))
    return {"nav_main": main, "nav_more": more}
