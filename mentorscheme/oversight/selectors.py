"""Reads for oversight: the officer dashboard and bulk allocation proposals.

``region_ids`` is a set of region ids, or None for every region (staff). Every
function here runs a fixed number of queries however big the region is: numbers
are counted by the database or from one list of plain values.
"""

import bisect
import datetime
import itertools
import operator
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from django.core.cache import cache
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.template.defaultfilters import pluralize
from django.utils import timezone

from mentorscheme.matching import engine
from mentorscheme.members import officers
from mentorscheme.members.models import (
    LineManagerDeclaration,
    Member,
    MembershipStatus,
    Region,
    RegistrationAward,
)
from mentorscheme.mentoring import selectors as mentoring_selectors
from mentorscheme.mentoring.models import (
    OPEN_REQUEST_STATUSES,
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors import directory
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.oversight import charts
from mentorscheme.oversight.models import EnrolmentFigures, MentorFigures, RunStatus
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import (
    OPEN_ENROLMENT_STATUSES,
    PREPARING_STATUSES,
    Enrolment,
    SchemeSettings,
)
from mentorscheme.scheme.records import WEIGHT_NAMES
from mentorscheme.training import currency
from mentorscheme.training.models import (
    HELD_STATUSES,
    PLACE_STATUSES,
    Booking,
    BookingStatus,
    TrainingEvent,
)

LAPSING_WITHIN_DAYS = 60
FLAG_EXPIRED_REQUESTS = 2
FLAG_WITHIN_DAYS = 180
TREND_MONTHS = 12
WAITING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, 180), (181, 365), (366, None))
LOAD_BUCKETS = ("0", "1", "2", "3 or more")
LOAD_LABELS = ["No candidates", "1 candidate", "2 candidates", "3 or more candidates"]
LIST_LIMIT = 50
#: How long the dashboard's figures over whole regions are kept: they are counted
#: at most once a minute for each set of regions, however many officers open the
#: page.
FIGURES_MAX_AGE = datetime.timedelta(seconds=60)
#: A mentor's columns the dashboard's lists of mentors show (reading no more keeps
#: each list's query cheap to build: Django hashes every column an ordered query
#: selects).
MENTOR_LIST_COLUMNS = (
    "member",
    "status",
    "member__first_name",
    "member__last_name",
    "member__membership_status",
    "member__region__name",
)


def in_regions(queryset, path: str, region_ids):
    """Restrict ``queryset`` to rows whose ``path`` region is in ``region_ids``."""
    if region_ids is None:
        return queryset
    return queryset.filter(**{f"{path}__in": region_ids})


# -- waiting candidates --------------------------------------------------------------


def waiting_enrolments(region_ids):
    """Enrolments still preparing a portfolio (``PREPARING_STATUSES``) on
    qualifications that use mentors, member current, no mentor and no completed
    mentoring (``mentoring.selectors.mentored``).

    "Current" is asked as "no member of another status" (an index lookup for each
    enrolment) rather than as a join, which would scan every member of the body.
    """
    not_current = Member.objects.filter(pk=OuterRef("member_id")).exclude(
        membership_status=MembershipStatus.CURRENT
    )
    enrolments = Enrolment.objects.filter(
        ~mentoring_selectors.mentored(),
        ~Exists(not_current),
        status__in=PREPARING_STATUSES,
        qualification__uses_mentors=True,
    )
    return in_regions(enrolments, "member__region_id", region_ids)


def _median(counted: list[tuple[int, int]], total: int) -> float:
    """The median of ``total`` values given as ``(value, how many)``, in ascending
    order of value."""
    first, second = (total - 1) // 2, total // 2  # the middle one, or two
    low, seen = None, 0
    for value, n in counted:
        seen += n
        if low is None and seen > first:
            low = value
        if seen > second:
            return (low + value) / 2
    raise ValueError("fewer values than counted")


def waiting_labels() -> list[str]:
    return [
        f"Over {low - 1} days" if high is None else f"{low}–{high} days"
        for low, high in WAITING_BUCKETS
    ]


#: The last day of each band of time waited but the last (WAITING_BUCKETS).
BAND_ENDS = [high for _, high in WAITING_BUCKETS if high is not None]


def demand(region_ids, today: datetime.date) -> dict:
    """Who is waiting for a mentor, for how long, by qualification.

    A candidate who changed mentor waits from the day their last relationship
    ended, not from enrolment. Counted by the database from the enrolments' rows of
    figures (see ``oversight.figures``): how many started waiting on each day, for
    each qualification (a row for each day, not for each candidate).
    """
    waiting = EnrolmentFigures.objects.filter(waiting_since__isnull=False)
    rows = (
        in_regions(waiting, "region_id", region_ids)
        .values_list("qualification__name", "waiting_since")
        .annotate(n=Count("pk"))
        # Each qualification's days together, shortest wait first: one pass over
        # a few thousand rows on a national dashboard, nothing to sort.
        .order_by("qualification__name", "-waiting_since")
    )
    bands = [0] * len(WAITING_BUCKETS)
    summary = []
    for name, group in itertools.groupby(rows, key=operator.itemgetter(0)):
        counted = [(max((today - since).days, 0), n) for _, since, n in group]
        total = 0
        for days, n in counted:
            bands[bisect.bisect_left(BAND_ENDS, days)] += n
            total += n
        summary.append(
            {
                "qualification": name,
                "waiting": total,
                "median_days": round(_median(counted, total)),
                "longest_days": counted[-1][0],
            }
        )
    summary.sort(key=operator.itemgetter("qualification"))
    return {
        "waiting_total": sum(bands),
        "by_qualification": summary,
        "waiting_chart": charts.bar_chart(
            id="waiting-chart",
            title="Candidates waiting for a mentor, by time waited",
            labels=waiting_labels(),
            values=bands,
            unit=("candidate", "candidates"),
        ),
    }


# -- mentors --------------------------------------------------------------------------


def mentors_in(region_ids):
    return in_regions(MentorProfile.objects.all(), "member__region_id", region_ids)


def listed_in(region_ids):
    """The listed mentors' rows of figures in the regions (their region is on the
    row: no need to go through every member of the regions), as mentor ids."""
    listed = MentorFigures.objects.filter(listed=True)
    return in_regions(listed, "region_id", region_ids).values("mentor")


def supply(region_ids) -> dict:
    """Listed mentors, paused, free places, full, by load: counted from the mentors'
    rows of figures (see ``oversight.figures``), one count for each kind of mentor."""
    listed = MentorFigures.objects.filter(listed=True)
    rows = (
        in_regions(listed, "region_id", region_ids)
        .values_list("capacity", "accepting", "active")
        .annotate(n=Count("pk"))
        .order_by()
    )
    loads = Counter()
    listed_count = paused = free = full = 0
    for capacity, accepting, active, n in rows:
        listed_count += n
        paused += n * (not accepting)
        if accepting:
            free += n * max(capacity - active, 0)
        full += n * (active >= capacity)
        loads[LOAD_BUCKETS[min(active, 3)]] += n
    return {
        "listed": listed_count,
        "paused": paused,
        "free_places": free,
        "full": full,
        "load_chart": charts.bar_chart(
            id="load-chart",
            title="Listed mentors by number of candidates they mentor now",
            labels=LOAD_LABELS,
            values=[loads[label] for label in LOAD_BUCKETS],
            unit=("mentor", "mentors"),
        ),
    }


def lapsing_mentors(region_ids, today: datetime.date):
    """Listed mentors about to stop holding registration, or whose membership lapsed.

    "About to" means: an award leaves the register within 60 days and no award will
    still be on it then. The few mentors concerned are found first, on indexes (an
    award's removal date; the listed mentors' rows of figures, which carry the
    region and say whose membership lapsed), then their profiles.
    """
    horizon = today + datetime.timedelta(days=LAPSING_WITHIN_DAYS)
    listed = listed_in(region_ids)
    ending = RegistrationAward.objects.filter(
        removed_on__gt=today, removed_on__lte=horizon
    ).values("member_id")
    lasting = RegistrationAward.objects.filter(
        Q(removed_on__isnull=True) | Q(removed_on__gt=horizon),
        member=OuterRef("member_id"),
    )
    first_removal = (
        RegistrationAward.objects.filter(
            member=OuterRef("member_id"), removed_on__gt=today
        )
        .order_by("removed_on")
        .values("removed_on")[:1]
    )
    return (
        MentorProfile.objects.filter(
            Q(pk__in=listed.filter(membership_lapsed=True))
            | (Q(pk__in=listed, member_id__in=ending) & ~Exists(lasting))
        )
        .filter(status=MentorStatus.LISTED)
        .select_related("member__region")
        .only(*MENTOR_LIST_COLUMNS)
        .annotate(lapses_on=Subquery(first_removal))
        .order_by(F("lapses_on").asc(nulls_first=True), "member__last_name", "pk")
    )


def flagged_mentors(region_ids, now: datetime.datetime):
    """Mentors who let two or more requests expire unanswered in the last 180 days.

    Counted from the recently expired requests (an index on status and closing
    time), not across every mentor's requests.
    """
    since = now - datetime.timedelta(days=FLAG_WITHIN_DAYS)
    expired = MentoringRequest.objects.filter(
        status=RequestStatus.EXPIRED, closed_at__gte=since
    )
    counted = (
        expired.filter(mentor=OuterRef("pk"))
        .values("mentor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    repeated = (
        expired.values("mentor")
        .annotate(n=Count("pk"))
        .filter(n__gte=FLAG_EXPIRED_REQUESTS)
        .values("mentor")
    )
    return (
        mentors_in(region_ids)
        .exclude(status=MentorStatus.RETIRED)
        .filter(pk__in=repeated)
        .annotate(expired=Subquery(counted, output_field=IntegerField()))
        .select_related("member__region")
        .only(*MENTOR_LIST_COLUMNS, "accepting", "last_active_at")
        .order_by("-expired", "member__last_name", "pk")
    )


def stuck_mentors(region_ids, now: datetime.datetime):
    """Approved mentors reminded to book the training or workshop they still need
    who still hold no booking for an event to come: the region's officer may help."""
    booked = Booking.objects.filter(
        member=OuterRef("member"),
        status__in=HELD_STATUSES,
        event__is_cancelled=False,
        event__starts_at__gt=now,
    )
    return (
        mentors_in(region_ids)
        .filter(
            status__in=[
                MentorStatus.APPROVED,
                MentorStatus.TRAINED,
                MentorStatus.WORKSHOP_ATTENDED,
            ],
            steps_reminded_at__isnull=False,
        )
        .exclude(Exists(booked))
        .select_related("member__region")
        .only(*MENTOR_LIST_COLUMNS, "steps_reminded_at", "steps_reminders")
        .order_by("steps_reminded_at", "pk")
    )


def applications_to_review(region_ids) -> int:
    """Applications, and evidence of training done elsewhere, waiting for review:
    few, found on the mentors' status index before their members' regions."""
    return mentors_in(region_ids).filter(mentor_selectors.waiting_for_review()).count()


# -- candidates, events, trend --------------------------------------------------------


def open_help_flags(region_ids):
    flags = HelpFlag.objects.filter(resolved_at__isnull=True).select_related(
        "enrolment__member__region", "enrolment__qualification"
    )
    return in_regions(flags, "enrolment__member__region_id", region_ids).order_by(
        "created_at", "pk"
    )


def help_flag_counts(region_ids) -> dict[str, int]:
    """How many candidates' flags are open in all, and how many of them asked.
    Their regions are read from the enrolments' figures rows (kept with the
    enrolments, their members' moves included), not by joining every member of the
    regions: a count over thousands of flags in a few milliseconds."""
    flags = HelpFlag.objects.filter(resolved_at__isnull=True)
    if region_ids is not None:
        flags = flags.filter(
            enrolment_id__in=EnrolmentFigures.objects.filter(
                region_id__in=region_ids
            ).values("enrolment_id")
        )
    return flags.aggregate(
        total=Count("pk"), asked=Count("pk", filter=Q(why=HelpFlag.Why.ASKED))
    )


#: A help flag's row on the dashboard, beside its own columns.
_HELP_FLAG_ROW = {
    "member_id": F("enrolment__member_id"),
    "first_name": F("enrolment__member__first_name"),
    "last_name": F("enrolment__member__last_name"),
    "email": F("enrolment__member__email"),
    "region": F("enrolment__member__region__name"),
    "qualification": F("enrolment__qualification__name"),
}
_WHY = dict(HelpFlag.Why.choices)


#: The open help flags as the dashboard's rows, oldest first, built once a process.
_OPEN_HELP_FLAG_ROWS = (
    HelpFlag.objects.filter(resolved_at__isnull=True)
    .order_by("created_at", "pk")
    .values(
        "pk",
        "why",
        "message",
        "relationship_id",
        "created_at",
        "enrolment_id",
        **_HELP_FLAG_ROW,
    )
)


def help_flag_rows(region_ids, limit: int) -> list[dict]:
    """The oldest open help flags of these regions, as plain rows for the dashboard:
    the candidate's name, address and region, the qualification and why (the page
    lists fifty, and reading them as model instances, four to a flag, and following
    their links in the template took a third of its time)."""
    flags = in_regions(_OPEN_HELP_FLAG_ROWS, "enrolment__member__region_id", region_ids)
    rows = list(flags[:limit])
    for row in rows:
        row["name"] = f"{row['first_name']} {row['last_name']}"
        row["why_label"] = _WHY.get(row["why"], row["why"])
    return rows


def _with_replacement_suggestions(flags) -> None:
    """The mentor who left, and suggested new mentors, on each flag of a candidate
    whose mentor left, for all of them at once (a fixed number of queries however
    many there are). The flag's words name nobody: the mentor comes from the
    records, the last mentoring of the enrolment to end early."""
    left = [f for f in flags if f["why"] == HelpFlag.Why.MENTOR_LEFT]
    if not left:
        return
    ended = (
        MentoringRelationship.objects.filter(
            enrolment_id__in=[f["enrolment_id"] for f in left],
            status=RelationshipStatus.ENDED_EARLY,
        )
        .select_related("mentor__member")
        .only("enrolment", "mentor__member__first_name", "mentor__member__last_name")
        .order_by("enrolment", "ended_on", "pk")
    )
    departed = {r.enrolment_id: r.mentor.member for r in ended}  # the last wins
    for flag in left:
        flag["departed_mentor"] = departed.get(flag["enrolment_id"])
    records = mentoring_selectors.candidate_records(
        Enrolment.objects.filter(pk__in=[f["enrolment_id"] for f in left])
    )
    suggested = directory.suggestions_for(records)
    for flag in left:
        flag["suggestions"] = suggested.get(flag["enrolment_id"], [])


#: The events of ``upcoming_events`` and ``registers_to_take`` with what the
#: dashboard shows of them, built once a process: building them took longer than
#: running them, on every view of a dashboard.
_EVENTS_WITH_PLACES_TAKEN = (
    TrainingEvent.objects.filter(is_cancelled=False)
    .select_related("region")
    .only("kind", "title", "region__name", "starts_at", "capacity")
    .annotate(
        # The same count as the event's own pages: every place taken.
        booked=Count(
            "bookings",
            filter=Q(bookings__status__in=PLACE_STATUSES),
        )
    )
    .order_by("starts_at", "pk")
)
_EVENTS_WITH_UNRECORDED_PLACES = (
    TrainingEvent.objects.filter(is_cancelled=False)
    .select_related("region")
    .only("kind", "title", "region__name", "ends_at")
    .annotate(
        unrecorded=Count("bookings", filter=Q(bookings__status=BookingStatus.BOOKED))
    )
    .filter(unrecorded__gt=0)
    .order_by("ends_at", "pk")
)


def upcoming_events(region_ids, now: datetime.datetime):
    # Events still to come or under way (the register is taken once they start).
    return in_regions(
        _EVENTS_WITH_PLACES_TAKEN.filter(ends_at__gte=now), "region_id", region_ids
    )


def registers_to_take(region_ids, now: datetime.datetime):
    """Events over with places whose attendance is not recorded, oldest first:
    until it is, nobody booked on them is counted as trained, or briefed."""
    return in_regions(
        _EVENTS_WITH_UNRECORDED_PLACES.filter(ends_at__lt=now), "region_id", region_ids
    )


def _months(today: datetime.date, count: int) -> list[datetime.date]:
    """The first days of the last ``count`` months, oldest first, this month last."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(datetime.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _month_of(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def trend(region_ids, today: datetime.date) -> dict:
    months = _months(today, TREND_MONTHS)
    start = months[0]
    start_at = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    requests = MentoringRequest.objects.filter(created_at__gte=start_at)
    matches = MentoringRelationship.objects.filter(started_on__gte=start)
    if region_ids is not None:
        # The candidates' regions, from their enrolments' rows of figures rather
        # than from every member of the regions.
        enrolments = EnrolmentFigures.objects.filter(region_id__in=region_ids)
        requests = requests.filter(enrolment_id__in=enrolments.values("enrolment"))
        matches = matches.filter(enrolment_id__in=enrolments.values("enrolment"))
    counted = []
    for queryset, field in ((requests, "created_at"), (matches, "started_on")):
        rows = (
            queryset.annotate(month=TruncMonth(field))
            .values("month")
            .annotate(n=Count("pk"))
            .order_by()
        )
        per_month = Counter()
        for row in rows:
            per_month[_month_of(row["month"])] += row["n"]
        counted.append([per_month[m] for m in months])
    labels = [m.strftime("%b %Y") for m in months]
    return {
        "trend_chart": charts.line_chart(
            id="trend-chart",
            title="New mentoring requests and new matches, last 12 months",
            labels=labels,
            series=[("New requests", counted[0]), ("New matches", counted[1])],
        )
    }


def dashboard(
    region_ids,
    *,
    help_region_ids,
    mentor_region_ids=None,
    today: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> dict:
    """``help_region_ids``: the regions whose candidates' help flags are listed, the
    candidates' side of ``region_ids`` (None: every region); ``mentor_region_ids``
    likewise the mentors' side, whose applications and events are listed.

    What someone acts on (the candidates who need help, the applications waiting
    for review, the events coming up) is read afresh; the figures over whole
    regions may be up to a minute old (``figures``)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    looks_after_candidates = help_region_ids is None or bool(help_region_ids)
    flags = []
    if looks_after_candidates:
        flags = help_flag_rows(help_region_ids, LIST_LIMIT + 1)
        _with_replacement_suggestions(flags[:LIST_LIMIT])
    help_counts = {"total": len(flags), "asked": 0}
    if len(flags) > LIST_LIMIT:  # more than are shown: count them all
        help_counts = help_flag_counts(help_region_ids)
    else:
        help_counts["asked"] = sum(1 for f in flags if f["why"] == HelpFlag.Why.ASKED)
    mentors_side = {"applications": 0, "events": [], "registers": []}
    if mentor_region_ids is None or mentor_region_ids:
        mentors_side = {
            "applications": applications_to_review(mentor_region_ids),
            "events": list(upcoming_events(mentor_region_ids, now)[:10]),
            "registers": list(registers_to_take(mentor_region_ids, now)[:LIST_LIMIT]),
        }
    return {
        **figures(region_ids, today, now),
        **mentors_side,
        "help_flags": flags[:LIST_LIMIT],
        "more_help_flags": len(flags) > LIST_LIMIT,
        "help_counts": help_counts,
        "today": today,
    }


def figures_key(region_ids, today: datetime.date) -> str:
    """The cache key of the figures of these regions (None: every region) today."""
    regions = "all" if region_ids is None else ",".join(map(str, sorted(region_ids)))
    return f"oversight:figures:1:{today.isoformat()}:{regions}"


def figures(region_ids, today: datetime.date, now: datetime.datetime) -> dict:
    """The dashboard's figures over whole regions: supply, demand, the monthly trend,
    and the mentors lapsing soon or not answering requests, with ``counted_at``.

    Counting them is most of the dashboard's work, and none of them is something an
    officer acts on within the minute, so they are counted at most once a minute for
    each set of regions and kept in the cache (shared by every app server) for the
    others who open the page meanwhile; the page says when they were counted."""
    key = figures_key(region_ids, today)
    counted = cache.get(key)
    # The age is checked here too, by the scheme's clock: the cache's own expiry
    # only clears the value away.
    if counted is None or now - counted["counted_at"] >= FIGURES_MAX_AGE:
        counted = count_figures(region_ids, today, now)
        cache.set(key, counted, FIGURES_MAX_AGE.total_seconds())
    return _named(counted)


def _named(counted: dict) -> dict:
    """The figures with the listed mentors' names and regions, read now: the cache
    keeps no names (an erasure or a change of name shows at once, and none lingers
    in the cache)."""
    lists = ("lapsing", "flagged_mentors", "stuck_mentors")
    ids = {row["member_id"] for name in lists for row in counted[name]}
    # Plain values: the names of some fifty members, not fifty model instances.
    members = {
        pk: {"name": f"{first_name} {last_name}", "region": region}
        for pk, first_name, last_name, region in Member.objects.filter(
            pk__in=ids
        ).values_list("pk", "first_name", "last_name", "region__name")
    }
    no_longer_on_record = {"name": "", "region": ""}

    def named(row: dict) -> dict:
        return {**row, **members.get(row["member_id"], no_longer_on_record)}

    return {**counted, **{name: [named(r) for r in counted[name]] for name in lists}}


def count_figures(region_ids, today: datetime.date, now: datetime.datetime) -> dict:
    """The figures of ``figures``, counted now from the rows of figures the services
    keep (``oversight.figures``) and a few indexes: plain values, to keep."""
    return {
        "supply": supply(region_ids),
        "demand": demand(region_ids, today),
        **trend(region_ids, today),
        "lapsing": [
            _mentor_row(
                p,
                lapses_on=p.lapses_on,
                membership_lapsed=p.member.membership_status == MembershipStatus.LAPSED,
            )
            for p in lapsing_mentors(region_ids, today)[:LIST_LIMIT]
        ],
        "flagged_mentors": [
            _mentor_row(
                p,
                status=p.get_status_display()
                + (" (paused)" if p.is_listed and not p.accepting else ""),
                expired=p.expired,
                last_active_at=p.last_active_at,
            )
            for p in flagged_mentors(region_ids, now)[:LIST_LIMIT]
        ],
        "stuck_mentors": [
            _mentor_row(
                p,
                status=p.get_status_display(),
                reminded_at=p.steps_reminded_at,
                reminders=p.steps_reminders,
            )
            for p in stuck_mentors(region_ids, now)[:LIST_LIMIT]
        ],
        "counted_at": now,
    }


def _mentor_row(profile, **more) -> dict:
    # Their id, not their name: ``figures`` reads the names when it shows them.
    return {"member_id": profile.member_id, **more}


# -- bulk allocation -----------------------------------------------------------------

#: Above this many waiting candidates, records are loaded in slices of this size.
LOAD_SLICE = 5000


def _open_allocation_requests():
    return MentoringRequest.objects.filter(
        from_allocation=True, status__in=OPEN_REQUEST_STATUSES
    )


def awaiting_allocation_answer(enrolment_ids) -> set[int]:
    """Those of these enrolments that have an allocation's request still open."""
    ids = sorted(set(enrolment_ids))
    found = set()
    for start in range(0, len(ids), LOAD_SLICE):
        found |= set(
            _open_allocation_requests()
            .filter(enrolment_id__in=ids[start : start + LOAD_SLICE])
            .values_list("enrolment_id", flat=True)
        )
    return found


def _allocation_request_open():
    """Whether the enrolment at ``OuterRef("pk")`` has an allocation's request
    still open: it waits for that mentor's answer, not for another allocation."""
    return Exists(_open_allocation_requests().filter(enrolment=OuterRef("pk")))


def _candidate_records(region_ids, progress) -> list:
    enrolments = waiting_enrolments(region_ids).filter(~_allocation_request_open())
    ids = list(enrolments.order_by("pk").values_list("pk", flat=True))
    records = []
    for start in range(0, len(ids), LOAD_SLICE):
        chunk = ids[start : start + LOAD_SLICE]
        part = enrolments.filter(pk__gte=chunk[0], pk__lte=chunk[-1])
        records += mentoring_selectors.candidate_records(part)
        progress("load candidates", min(start + LOAD_SLICE, len(ids)), len(ids))
    return records


def _with_open_requests(region_ids) -> int:
    """How many of the candidates an allocation considers have a request open: a
    mentor they were declined by is left out of the allocation too, but that is no
    request."""
    open_requests = MentoringRequest.objects.filter(
        enrolment=OuterRef("pk"), status__in=OPEN_REQUEST_STATUSES
    )
    return (
        waiting_enrolments(region_ids)
        .filter(~_allocation_request_open(), Exists(open_requests))
        .count()
    )


def _reasons(reasons) -> list[dict]:
    return [
        {"code": r.code, "text": r.text, "warning": bool(r.warning)} for r in reasons
    ]


def _places_held() -> Counter:
    """Places held by allocation requests still open, by mentor: an officer sent
    each for one of the mentor's places (``mentor_free_places``)."""
    return Counter(
        dict(
            _open_allocation_requests()
            .values("mentor")
            .annotate(n=Count("pk"))
            .values_list("mentor", "n")
        )
    )


def _listed_mentor_records(taken: Counter) -> list:
    """Records of the listed mentors as an allocation sees them: a place in
    ``taken`` is not free."""
    return [
        replace(m, active_mentees=m.active_mentees + taken[m.id]) if taken[m.id] else m
        for m in mentor_selectors.mentor_records(
            MentorProfile.objects.filter(status=MentorStatus.LISTED)
        )
    ]


def allocation_proposal(
    region_ids, *, progress: Callable[[str, int, int], None] | None = None
) -> dict:
    """Run the engine over the waiting candidates in ``region_ids`` (None: all)
    against every listed mentor, anywhere (mentoring is remote). Writes nothing.

    The result is plain JSON: inputs (counts), pairs and unmatched, each with
    reasons, and the engine's stats.
    """
    progress = progress or (lambda stage, done, total: None)
    candidates = _candidate_records(region_ids, progress)
    held = _places_held()
    mentors = _listed_mentor_records(held)
    progress("load mentors", len(mentors), len(mentors))
    settings = SchemeSettings.load()
    result = engine.allocate(candidates, mentors, settings.weights(), progress=progress)
    open_mentors = [m for m in mentors if eligibility.can_take_anyone(m)]
    by_id = {c.id: c for c in candidates}
    return {
        "inputs": {
            "candidates_waiting": len(candidates),
            "candidates_with_open_requests": _with_open_requests(region_ids),
            "candidates_awaiting_allocation_requests": waiting_enrolments(region_ids)
            .filter(_allocation_request_open())
            .count(),
            "mentors_listed": len(mentors),
            "mentors_with_free_places": len(open_mentors),
            "free_places": sum(m.free_places for m in open_mentors),
            "places_held": sum(held[m.id] for m in mentors),
            "weights": {
                name: getattr(settings, f"weight_{name}") for name in WEIGHT_NAMES
            },
        },
        "pairs": [
            {
                "candidate_id": p.candidate_id,
                "candidate_member_id": by_id[p.candidate_id].member_id,
                "mentor_id": p.mentor_id,
                "score": round(p.score, 4),
                "reasons": _reasons(p.reasons),
            }
            for p in result.pairs
        ],
        "unmatched": [
            {
                "candidate_id": u.candidate_id,
                "candidate_member_id": by_id[u.candidate_id].member_id,
                "code": u.code,
                "reason": u.reason,
            }
            for u in result.unmatched
        ],
        "matched": result.matched,
        "total_score": round(result.total_score, 4),
        "stats": {k: v for k, v in result.stats.items() if not k.startswith("ms_")},
    }


def mentor_free_places(mentor_ids) -> dict[int, int]:
    """How many more candidates an allocation may give each of these mentors: their
    capacity less the candidates they mentor now and the allocation requests still
    open to them (an officer sent each for one of the mentor's places). A mentor
    no longer on record is left out."""
    held = (
        _open_allocation_requests()
        .filter(mentor=OuterRef("pk"))
        .values("mentor")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ids = sorted(set(mentor_ids))
    free = {}
    for start in range(0, len(ids), LOAD_SLICE):
        rows = (
            MentorProfile.objects.filter(pk__in=ids[start : start + LOAD_SLICE])
            .annotate(
                active=Coalesce(Subquery(mentoring_selectors.mentor_places_taken()), 0),
                held=Coalesce(Subquery(held), 0),
            )
            .values_list("pk", "capacity", "active", "held")
        )
        free |= {pk: capacity - active - held for pk, capacity, active, held in rows}
    return free


def run_people(pairs, unmatched) -> dict:
    """Names and regions for some of a run's candidates and mentors, in two queries."""
    enrolment_ids = {p["candidate_id"] for p in [*pairs, *unmatched]}
    mentor_ids = {p["mentor_id"] for p in pairs}
    enrolments = Enrolment.objects.filter(pk__in=enrolment_ids).select_related(
        "member__region", "qualification"
    )
    mentors = MentorProfile.objects.filter(pk__in=mentor_ids).select_related(
        "member__region"
    )
    return {
        "enrolments": {e.pk: e for e in enrolments},
        "mentors": {m.pk: m for m in mentors},
    }


def pair_conflict(user, candidate, mentor, *, decider) -> str:
    """Why ``user`` may not decide on pairing this candidate with this mentor ("":
    they may): one of the two is them, or someone they line-manage. ``decider`` is
    ``officers.decider_of(user)``, read once for a list of pairs."""
    for member in (candidate, mentor):
        reason = officers.conflict_reason(user, member, decider=decider)
        if reason:
            return reason
    return ""


def run_conflicts(run, user, *, pairs: list[dict] | None = None) -> list[str]:
    """The kept pairs of a run (or those of ``pairs``) that ``user`` may not
    decide, each in words: "the candidate with the mentor: why"."""
    pairs = run.kept_pairs() if pairs is None else pairs
    people = run_people(pairs, [])
    decider = officers.decider_of(user)
    found = []
    for pair in pairs:
        enrolment = people["enrolments"].get(pair["candidate_id"])
        mentor = people["mentors"].get(pair["mentor_id"])
        if enrolment is None or mentor is None:
            continue
        reason = pair_conflict(user, enrolment.member, mentor.member, decider=decider)
        if reason:
            found.append(
                f"{enrolment.member.full_name} with {mentor.member.full_name}: {reason}"
            )
    return found


_STAGE_WORDS = {
    "queued": "Waiting to start",
    "load candidates": "Loading the waiting candidates",
    "load mentors": "Loading the mentors",
    "prepare": "Preparing",
    "solve": "Finding the best allocation",
    "price": "Checking that no better allocation exists",
    "finish": "Writing up the proposal",
}


def run_progress_text(run) -> str:
    """How far a run being worked out has got, in words: stage, rounds, matched;
    or one being sent: pairs done, sent and skipped."""
    progress = run.progress or {}
    if run.status in (RunStatus.PUBLISHING, RunStatus.STOPPED):
        return _sending_text(progress)
    stage = progress.get("stage", "queued")
    if run.waited_too_long():
        minutes = int((timezone.now() - run.progress_at).total_seconds() // 60)
        return (
            f"Waiting to start for {minutes} minutes, longer than work usually"
            " waits: the task worker may have stopped."
        )
    words = _STAGE_WORDS.get(stage, "Working")
    done, total = progress.get("done", 0), progress.get("total", 0)
    if stage == "load candidates" and total:
        words += f" ({done:,} of {total:,})"
    rounds = progress.get("rounds", 0)
    if rounds:
        words += (
            f": round {rounds}, {progress.get('matched', 0):,} of"
            f" {progress.get('candidates', 0):,} candidates matched so far"
        )
    return words + "."


def _sending_text(progress: dict) -> str:
    stage, done = progress.get("stage"), progress.get("done")
    if stage == "queued" and not done:
        return "Waiting to start sending: other work queued before it comes first."
    if stage == "send" and not done:
        return "Starting to send."
    total = progress.get("total", 0)
    words = (
        f"{done or 0:,} of {total:,} pair{pluralize(total)} done:"
        f" {progress.get('sent', 0):,} sent, {progress.get('skipped', 0):,} skipped,"
        f" {progress.get('failed', 0):,} failed so far."
    )
    if stage == "queued":
        words += " Waiting to send the rest: other work queued before it comes first."
    return words


def pair_alternatives(run, candidate_id: int, n: int = 5, *, by=None) -> list:
    """The engine's next suggestions for one candidate of a proposed allocation.

    Mentors already given places by this run's other kept pairs have those places
    counted as taken, and the pair's own mentor is left out, so every suggestion can
    be swapped in without breaking a rule or a mentor's capacity; so are the officer
    ``by`` and anyone they line-manage, whom they may not choose. Each item is
    ``(profile, suggestion)``, best first.
    """
    enrolment = Enrolment.objects.filter(pk=candidate_id).first()
    if enrolment is None:
        return []
    candidate = mentoring_selectors.candidate_record(enrolment)
    own = next(
        (p["mentor_id"] for p in run.proposal.get("pairs", []) if p["candidate_id"] == candidate_id),
        None,
    )  # fmt: skip
    conflicted = set()
    if (decider := officers.decider_of(by)) is not None:
        conflicted = set(
            MentorProfile.objects.filter(
                officers.conflicted(decider, "member__")
            ).values_list("pk", flat=True)
        )
    candidate = replace(
        candidate,
        excluded_mentor_ids=frozenset(
            {*candidate.excluded_mentor_ids, own, *conflicted} - {None}
        ),
    )
    taken = Counter(
        p["mentor_id"] for p in run.kept_pairs() if p["candidate_id"] != candidate_id
    )
    mentors = _listed_mentor_records(taken + _places_held())
    suggestions = engine.suggest(
        candidate, mentors, n=n, weights=SchemeSettings.load().weights()
    )
    profiles = MentorProfile.objects.select_related(
        "member__region", "member__organisation__organisation_type"
    ).in_bulk([s.mentor_id for s in suggestions])
    return [(profiles[s.mentor_id], s) for s in suggestions if s.mentor_id in profiles]


def reasons_json(reasons) -> list[dict]:
    return _reasons(reasons)


def line_manager_disagreements(region_ids):
    """Candidates whose declared line manager and the register's disagree.

    Only members with an open enrolment and a declaration; both links bar a mentor
    until someone corrects the record that is wrong.
    """
    member_said = Q(line_manager_declaration=LineManagerDeclaration.MEMBER) & (
        Q(line_manager__isnull=True) | ~Q(line_manager=F("declared_line_manager"))
    )
    said_other = Q(
        line_manager_declaration__in=[
            LineManagerDeclaration.NONE,
            LineManagerDeclaration.NOT_MEMBER,
        ],
        line_manager__isnull=False,
    )
    members = (
        Member.objects.filter(member_said | said_other)
        .filter(enrolments__status__in=OPEN_ENROLMENT_STATUSES)
        .distinct()
        .select_related("region", "line_manager", "declared_line_manager")
    )
    return in_regions(members, "region_id", region_ids).order_by(
        "last_name", "first_name", "pk"
    )


def mentors_by_region(region_ids, today: datetime.date | None = None) -> list[dict]:
    """Listed mentors by region, split into up to date and not, with names."""
    regulations = currency.in_force(today)
    profiles = MentorProfile.objects.filter(status=MentorStatus.LISTED)
    if region_ids is not None:
        profiles = profiles.filter(member__region_id__in=region_ids)
    rows = (
        profiles.annotate(
            current=currency.up_to_date_expression("member_id", regulations, today)
        )
        .select_related("member")
        .order_by("member__last_name", "member__first_name", "pk")
    )
    regions = Region.objects.filter(is_active=True)
    if region_ids is not None:
        regions = regions.filter(pk__in=region_ids)
    by_region = {
        r.pk: {"region": r, "up_to_date": [], "not_up_to_date": []} for r in regions
    }
    for profile in rows:
        entry = by_region.get(profile.member.region_id)
        if entry is not None:
            key = "up_to_date" if profile.current else "not_up_to_date"
            entry[key].append(profile.member)
    return list(by_region.values())
