"""Who is up to date with the regulations: reads only.

A mentor is up to date for a version of the regulations when briefed on it (a
recording watched, a briefing or webinar attended). When a new version takes effect,
a mentor briefed on the version before it still counts for the grace period staff
set, so that publishing a version never drops every mentor from the list at once.
For a candidate, what matters is the version *their* enrolment is under.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from mentorscheme.scheme.models import RegulationsVersion, SchemeSettings
from mentorscheme.training.models import (
    BriefingAcknowledgement,
    RegulationsBriefing,
    TrainingEvent,
)

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


@dataclass(frozen=True)
class RegulationsTable:
    """Every version of the regulations, newest first, as the rules' records need
    them: for each, the version a briefing on which also counts for it today (the
    one before it, within its grace period), and the version in force."""

    #: (version id, the previous version's id while its grace lasts, else None)
    versions: tuple[tuple[int, int | None], ...]
    in_force_id: int | None

    def up_to_date_for(self, acknowledged) -> frozenset[int]:
        """The versions a mentor briefed on ``acknowledged`` is up to date with."""
        return frozenset(
            pk
            for pk, grace in self.versions
            if pk in acknowledged or (grace is not None and grace in acknowledged)
        )


def regulations_table(
    today: datetime.date | None = None, versions: list | None = None
) -> RegulationsTable:
    """Every version with its grace (``briefing_counts``, the one rule): one query
    for the versions, unless given (newest first), and one for the settings while a
    grace period may run."""
    today = today or timezone.localdate()
    if versions is None:
        versions = list(
            RegulationsVersion.objects.order_by("-effective_from").only(
                "pk", "effective_from"
            )
        )
    rows = []
    for i, version in enumerate(versions):
        counts = briefing_counts(versions[i + 1 :], version, today)
        rows.append((version.pk, counts[1] if len(counts) > 1 else None))
    in_force_id = next((v.pk for v in versions if v.effective_from <= today), None)
    return RegulationsTable(versions=tuple(rows), in_force_id=in_force_id)


def acknowledged_versions(member_ids) -> dict[int, set[int]]:
    """The versions each of these members was briefed on (one query)."""
    found: dict[int, set[int]] = {}
    rows = BriefingAcknowledgement.objects.filter(member_id__in=member_ids)
    for member_id, regulations_id in rows.values_list("member_id", "regulations_id"):
        found.setdefault(member_id, set()).add(regulations_id)
    return found


def up_to_date_versions(
    member_ids, table: RegulationsTable | None = None
) -> dict[int, frozenset[int]]:
    """For each member, the versions they are up to date with today."""
    table = table or regulations_table()
    return {
        member_id: table.up_to_date_for(versions)
        for member_id, versions in acknowledged_versions(member_ids).items()
    }


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


def with_briefing_to_watch(versions):
    """``versions`` (of the regulations) with ``has_briefing``: whether there is a
    briefing on each to have watched, one published or a briefing or webinar that
    has happened, with its recording (attending an event counts by itself, once
    recorded)."""
    now = timezone.now()
    return versions.annotate(
        has_briefing=Exists(
            RegulationsBriefing.objects.filter(
                regulations=OuterRef("pk"), published_at__lte=now
            )
        )
        | Exists(
            TrainingEvent.objects.filter(
                regulations=OuterRef("pk"), is_cancelled=False, ends_at__lte=now
            ).exclude(recording_url="")
        )
    )


def versions_with_briefing_to_watch(version_ids) -> set[int]:
    """Which of these versions of the regulations have a briefing to have watched
    (``with_briefing_to_watch``), in one query."""
    return set(
        with_briefing_to_watch(RegulationsVersion.objects.filter(pk__in=version_ids))
        .filter(has_briefing=True)
        .values_list("pk", flat=True)
    )


def has_briefing_to_watch(regulations_id: int) -> bool:
    return regulations_id in versions_with_briefing_to_watch([regulations_id])
