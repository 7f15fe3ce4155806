"""Who is up to date with the regulations: reads only.

A mentor is up to date for a version of the regulations when briefed on it (a
recording watched, a briefing or webinar attended). When a new version takes effect,
a mentor briefed on the version before it still counts for the grace period staff
set, so that publishing a version never drops every mentor from the list at once.
For a candidate, what matters is the version *their* enrolment is under.
"""

import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from mentorscheme.scheme.models import RegulationsVersion, SchemeSettings
from mentorscheme.training.models import BriefingAcknowledgement

#: The longest grace period staff may set (days); a version older than this needs
#: no look at the settings, which keeps busy pages at their usual query count.
MAX_GRACE_DAYS = 365


def briefing_counts(versions: list, regulations, today: datetime.date) -> list[int]:
    """``versions`` newest first; the ids a briefing on which counts for ``regulations``."""
    if regulations is None:
        return []
    ids = [regulations.pk]
    since = (today - regulations.effective_from).days
    if 0 <= since < MAX_GRACE_DAYS:
        previous = next(
            (v for v in versions if v.effective_from < regulations.effective_from), None
        )
        if previous is not None and since < SchemeSettings.load().briefing_grace_days:
            ids.append(previous.pk)
    return ids


def counting_versions(
    regulations: RegulationsVersion | None, today: datetime.date | None = None
) -> list[int]:
    """The versions a briefing on which counts as up to date with ``regulations``."""
    if regulations is None:
        return []
    today = today or timezone.localdate()
    versions = list(
        RegulationsVersion.objects.filter(
            effective_from__lt=regulations.effective_from
        ).order_by("-effective_from")[:1]
    )
    return briefing_counts(versions, regulations, today)


def in_force(today: datetime.date | None = None) -> RegulationsVersion | None:
    return RegulationsVersion.in_force_on(today or timezone.localdate())


def up_to_date_expression(
    member_ref: str = "member_id",
    regulations: RegulationsVersion | None = None,
    today: datetime.date | None = None,
):
    """An ``Exists`` for annotating: briefed on ``regulations`` (default: in force)."""
    today = today or timezone.localdate()
    if regulations is None:
        # One query for the version in force and the one before it.
        versions = list(
            RegulationsVersion.objects.filter(effective_from__lte=today).order_by(
                "-effective_from"
            )[:2]
        )
        regulations = versions[0] if versions else None
        ids = briefing_counts(versions[1:], regulations, today)
    else:
        ids = counting_versions(regulations, today)
    return Exists(
        BriefingAcknowledgement.objects.filter(
            member=OuterRef(member_ref), regulations_id__in=ids
        )
    )


def is_briefed(member, regulations, today: datetime.date | None = None) -> bool:
    return BriefingAcknowledgement.objects.filter(
        member=member, regulations_id__in=counting_versions(regulations, today)
    ).exists()
