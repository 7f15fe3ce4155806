"""The rows the dashboard counts (``MentorFigures``, ``EnrolmentFigures``), kept up to
date by the services that change what they count, in the same transaction.

A region's mentors and candidates are a small share of the members of the region, but
the region is the member's, so counting them from the records themselves joins every
member of the region (about 40 ms for two regions of 200,000 members). These rows
carry the region beside what the dashboard counts: one per mentor profile and one per
enrolment, worked out again from the records whenever a service says it changed them.

A row is locked before it is worked out, so two transactions changing the same mentor
take turns: the second works the row out once the first has committed, from what the
first wrote. Rows are locked in key order, mentors before enrolments, and the services
say what they changed once they have made their own changes, so these locks come last.
``rebuild`` works every row out from scratch (the ``figures_rebuild`` command, a
migrated database that has records but no rows yet, the demo data); a register import works every row out
and keeps those that changed.
"""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from mentorscheme.locking import lock_rows
from mentorscheme.members.models import MembershipStatus
from mentorscheme.mentoring import selectors as mentoring_selectors
from mentorscheme.mentoring.models import MentoringRelationship, RelationshipStatus
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.oversight.models import EnrolmentFigures, MentorFigures
from mentorscheme.scheme.models import (
    PREPARING_STATUSES,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
)

#: Rows worked out per query.
SLICE = 1000

MENTOR_FIELDS = [
    "region",
    "listed",
    "accepting",
    "capacity",
    "active",
    "membership_lapsed",
]
ENROLMENT_FIELDS = ["region", "qualification", "waiting_since"]


def _mentor_rows(profiles) -> list[MentorFigures]:
    rows = profiles.annotate(
        active=Count(
            "relationships", filter=Q(relationships__status=RelationshipStatus.ACTIVE)
        )
    ).values_list(
        "pk",
        "member__region_id",
        "status",
        "accepting",
        "capacity",
        "member__membership_status",
        "active",
    )
    return [
        MentorFigures(
            mentor_id=pk,
            region_id=region_id,
            listed=status == MentorStatus.LISTED,
            accepting=accepting,
            capacity=capacity,
            active=active,
            membership_lapsed=membership == MembershipStatus.LAPSED,
        )
        for (
            pk,
            region_id,
            status,
            accepting,
            capacity,
            membership,
            active,
        ) in rows.order_by()
    ]


def _enrolment_rows(enrolments) -> list[EnrolmentFigures]:
    """Waiting: preparing the portfolio (``PREPARING_STATUSES``), on a qualification that
    uses mentors, the member current, no mentor now and no completed mentoring;
    since enrolment, since the last mentoring ended, or since the assessors asked
    for further information (before, the portfolio was with them: nobody waited)."""
    last_ended = (
        MentoringRelationship.objects.filter(
            enrolment=OuterRef("pk"), ended_on__isnull=False
        )
        .order_by("-ended_on")
        .values("ended_on")[:1]
    )
    asked_again = (
        EnrolmentChange.objects.filter(
            enrolment=OuterRef("pk"), to_status=EnrolmentStatus.FURTHER_INFO
        )
        .order_by("-at")
        .values("at")[:1]
    )
    rows = enrolments.annotate(
        mentored=mentoring_selectors.mentored(),
        last_ended=Subquery(last_ended),
        asked_again=Subquery(asked_again),
    ).values_list(
        "pk",
        "member__region_id",
        "qualification_id",
        "status",
        "qualification__uses_mentors",
        "member__membership_status",
        "enrolled_on",
        "mentored",
        "last_ended",
        "asked_again",
    )
    found = []
    for (
        pk,
        region_id,
        qualification_id,
        status,
        uses_mentors,
        membership,
        enrolled_on,
        mentored,
        last_ended,
        asked_again,
    ) in rows.order_by():
        waiting = (
            status in PREPARING_STATUSES
            and uses_mentors
            and membership == MembershipStatus.CURRENT
            and not mentored
        )
        since = max(enrolled_on, last_ended or enrolled_on)
        if status == EnrolmentStatus.FURTHER_INFO and asked_again:
            since = max(since, timezone.localdate(asked_again))
        found.append(
            EnrolmentFigures(
                enrolment_id=pk,
                region_id=region_id,
                qualification_id=qualification_id,
                waiting_since=since if waiting else None,
            )
        )
    return found


def _save(model, rows: list, key: str, fields: list[str]) -> None:
    model.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=[key], update_fields=fields
    )


def _refresh(model, source, key: str, fields, work_out, ids: Iterable) -> None:
    ids = sorted({pk for pk in ids if pk is not None})
    for start in range(0, len(ids), SLICE):
        chunk = ids[start : start + SLICE]
        # Locked first, then worked out: a transaction that changed these rows and
        # committed meanwhile is seen whole.
        lock_rows(model, chunk)
        _save(model, work_out(source.filter(pk__in=chunk)), key, fields)


def mentors_changed(*, mentor_ids: Iterable[int]) -> None:
    _refresh(
        MentorFigures,
        MentorProfile.objects.all(),
        "mentor",
        MENTOR_FIELDS,
        _mentor_rows,
        mentor_ids,
    )


def enrolments_changed(*, enrolment_ids: Iterable[int]) -> None:
    _refresh(
        EnrolmentFigures,
        Enrolment.objects.all(),
        "enrolment",
        ENROLMENT_FIELDS,
        _enrolment_rows,
        enrolment_ids,
    )


def counts_changed(*, mentor_ids: Iterable[int] = (), enrolment_ids=()) -> None:
    """What the services below oversight call (through ``mentors.changes``)."""
    mentors_changed(mentor_ids=mentor_ids)
    enrolments_changed(enrolment_ids=enrolment_ids)


def members_changed(*, member_ids: Iterable[int]) -> None:
    """These members' region or membership changed: their rows follow."""
    member_ids = list(member_ids)
    counts_changed(
        mentor_ids=MentorProfile.objects.filter(member_id__in=member_ids).values_list(
            "pk", flat=True
        ),
        enrolment_ids=Enrolment.objects.filter(member_id__in=member_ids).values_list(
            "pk", flat=True
        ),
    )


def region_moved(*, source, target) -> None:
    """Every member of ``source`` moved to ``target`` (a merge). The rows are locked
    in key order first, mentors before enrolments, as the services lock them."""
    for model in (MentorFigures, EnrolmentFigures):
        lock_rows(model.objects.filter(region=source).only("pk"))
        model.objects.filter(region=source).update(region=target)


def missing() -> bool:
    """Whether records are there whose rows are not (a database migrated from before
    the rows existed): the mentors or the enrolments have rows only all together."""
    return (not MentorFigures.objects.exists() and MentorProfile.objects.exists()) or (
        not EnrolmentFigures.objects.exists() and Enrolment.objects.exists()
    )


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Work every row out again from the records; returns how many rows there are."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Services that would work a row out meanwhile wait for this to finish.
            cursor.execute(
                f"LOCK TABLE {MentorFigures._meta.db_table}, "
                f"{EnrolmentFigures._meta.db_table} IN EXCLUSIVE MODE"
            )
    MentorFigures.objects.all().delete()
    EnrolmentFigures.objects.all().delete()
    counts = {}
    for model, source, work_out in (
        (MentorFigures, MentorProfile.objects.all(), _mentor_rows),
        (EnrolmentFigures, Enrolment.objects.all(), _enrolment_rows),
    ):
        ids = list(source.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), SLICE):
            chunk = ids[start : start + SLICE]
            model.objects.bulk_create(
                work_out(source.filter(pk__gte=chunk[0], pk__lte=chunk[-1]))
            )
        counts[model._meta.model_name] = len(ids)
    return counts


def _differing(model, work_out, source, fields) -> list[int]:
    """The keys of rows that working out afresh would change (or add)."""
    kept = {
        row[0]: row[1:]
        for row in model.objects.values_list("pk", *[_column(model, f) for f in fields])
    }
    return [
        row.pk
        for row in work_out(source)
        if kept.get(row.pk) != tuple(getattr(row, _column(model, f)) for f in fields)
    ]


def _column(model, name: str) -> str:
    return model._meta.get_field(name).attname


def import_written() -> None:
    """An import rewrote regions and memberships in bulk, around the models: the
    rows it changed are worked out again, and only those are locked, so the
    services carry on with every other mentor and candidate meanwhile."""
    counts_changed(
        mentor_ids=_differing(
            MentorFigures, _mentor_rows, MentorProfile.objects.all(), MENTOR_FIELDS
        ),
        enrolment_ids=_differing(
            EnrolmentFigures, _enrolment_rows, Enrolment.objects.all(), ENROLMENT_FIELDS
        ),
    )
