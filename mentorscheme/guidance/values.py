"""Values staff can change, named in guidance so a page never goes out of date.

A page writes ``{{ open_request_limit }}`` and readers see the number in force today.
Only the names below are replaced (no template language runs on staff's text); an
unknown name is left as written, so a typo shows on the page instead of vanishing.
"""

import datetime
import re

from django.conf import settings as site_settings
from django.utils import timezone

from mentorscheme.scheme.models import (
    Qualification,
    RegulationsVersion,
    SchemeSettings,
)

_TOKEN = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")

#: Names a guidance page may use, with what they mean (shown to editors).
NAMES = {
    "open_request_limit": "How many requests a candidate may have open at once",
    "reminder_after_days": "Days before an unanswered request is chased",
    "expire_after_days": "Days before an unanswered request expires",
    "regulations_name": "The name of the regulations in force today",
    "regulations_date": "The day the regulations in force took effect",
    "lapse_grace_days": "Days a mentoring carries on after a membership lapsed",
    "qualifications_without_mentors": "The qualifications whose candidates have no "
    "mentor (for example Revalidation), or none",
}


def current(today: datetime.date | None = None) -> dict[str, str]:
    settings = SchemeSettings.load()
    regulations = RegulationsVersion.in_force_on(today or timezone.localdate())
    values = {
        "open_request_limit": _number(settings.open_request_limit),
        "reminder_after_days": str(settings.reminder_after_days),
        "expire_after_days": str(settings.expire_after_days),
        "lapse_grace_days": str(site_settings.LAPSE_GRACE_DAYS),
        "qualifications_without_mentors": _listed(
            Qualification.objects.filter(is_active=True, uses_mentors=False)
            .order_by("name")
            .values_list("name", flat=True)
        ),
    }
    if regulations is not None:
        values["regulations_name"] = regulations.name
        values["regulations_date"] = (
            f"{regulations.effective_from.day} {regulations.effective_from:%B %Y}"
        )
    return values


def _listed(names) -> str:
    """ "A", "A and B", "A, B and C"; "none" for no name."""
    names = list(names)
    if not names:
        return "none"
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _number(n: int) -> str:
    words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight"]
    return words[n] if 0 <= n < len(words) else str(n)


def fill(text: str, values: dict[str, str]) -> str:
    return _TOKEN.sub(lambda m: values.get(m.group(1), m.group(0)), text)
