"""Reports: each is a title, columns and rows, shown as a table or downloaded as CSV.

Every report takes the regions to cover (None: all), and a date range where dates
mean something. Rows are counted by the database; nothing here runs a query per
row. CSV cells are made safe against spreadsheet formula injection.
"""

import csv
import datetime
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.utils import timezone

from mentorscheme.contact.models import Feedback, FeedbackStatus, Topic
from mentorscheme.mentoring.models import (
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.oversight.selectors import in_regions, mentors_in
from mentorscheme.scheme.models import PREPARING_STATUSES, Enrolment
from mentorscheme.training.models import Booking, BookingStatus, EventKind

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The cell as text, with a leading quote if a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_text(columns: Iterable[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


@dataclass(frozen=True)
class Report:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple]
    note: str = ""
    uses_dates: bool = True

    @property
    def labelled_rows(self) -> list[list[tuple[str, object]]]:
        """Each row's cells with their column names, for tables that stack."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Filters:
    region_ids: frozenset[int] | None
    date_from: datetime.date
    date_to: datetime.date

    @property
    def start(self) -> datetime.datetime:
        return timezone.make_aware(
            datetime.datetime.combine(self.date_from, datetime.time.min)
        )

    @property
    def end(self) -> datetime.datetime:
        """The moment after ``date_to`` ends (an exclusive bound)."""
        return timezone.make_aware(
            datetime.datetime.combine(
                self.date_to + datetime.timedelta(days=1), datetime.time.min
            )
        )


def _region_name(name: str | None) -> str:
    return name or "No region"


def time_to_match(filters: Filters) -> Report:
    enrolments = in_regions(
        Enrolment.objects.filter(
            qualification__uses_mentors=True,
            enrolled_on__gte=filters.date_from,
            enrolled_on__lte=filters.date_to,
        ),
        "member__region_id",
        filters.region_ids,
    )
    rows = (
        enrolments.annotate(first_match=Min("relationships__started_on"))
        .values_list(
            "member__region__name",
            "qualification__name",
            "enrolled_on",
            "first_match",
            "status",
        )
        .order_by()
    )
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for region, qualification, enrolled_on, first_match, status in rows:
        days = None if first_match is None else max((first_match - enrolled_on).days, 0)
        groups[(_region_name(region), qualification)].append(
            (days, status in PREPARING_STATUSES)
        )
    out = []
    for (region, qualification), values in sorted(groups.items()):
        matched = [d for d, _ in values if d is not None]
        waiting = sum(1 for d, is_open in values if d is None and is_open)
        out.append(
            (
                region,
                qualification,
                len(values),
                len(matched),
                waiting,
                len(values) - len(matched) - waiting,
                round(statistics.median(matched)) if matched else "",
                round(statistics.fmean(matched), 1) if matched else "",
                max(matched) if matched else "",
            )
        )
    return Report(
        title="Time to match",
        columns=(
            "Region",
            "Qualification",
            "Enrolments",
            "Matched",
            "Not yet matched",
            "Closed without a mentor",
            "Median days to first mentor",
            "Mean days to first mentor",
            "Longest days to first mentor",
        ),
        rows=out,
        note="Enrolments made in the date range; days from enrolment to the start "
        "of the first mentoring relationship. Not yet matched: still working towards "
        "submission, with no mentor yet. Closed without a mentor: withdrawn, submitted or decided "
        "before any mentoring started.",
    )


def mentor_load(filters: Filters) -> Report:
    rows = (
        mentors_in(filters.region_ids)
        .filter(status=MentorStatus.LISTED)
        .annotate(
            active=Count(
                "relationships",
                filter=Q(relationships__status=RelationshipStatus.ACTIVE),
            )
        )
        .values_list("member__region__name", "capacity", "accepting", "active")
        .order_by()
    )
    totals: dict[str, Counter] = defaultdict(Counter)
    for region, capacity, accepting, active in rows:
        t = totals[_region_name(region)]
        t["listed"] += 1
        t["paused"] += not accepting
        t["capacity"] += capacity
        t["active"] += active
        t["free"] += max(capacity - active, 0) if accepting else 0
        t["full"] += active >= capacity
    return Report(
        title="Mentor load",
        columns=(
            "Region",
            "Listed mentors",
            "Paused",
            "Places (total capacity)",
            "Candidates mentored now",
            "Free places",
            "Mentors at capacity",
        ),
        rows=[
            (
                r,
                t["listed"],
                t["paused"],
                t["capacity"],
                t["active"],
                t["free"],
                t["full"],
            )
            for r, t in sorted(totals.items())
        ],
        note="Listed mentors today, by the mentor's region. The dates do not apply.",
        uses_dates=False,
    )


def training_throughput(filters: Filters) -> Report:
    bookings = in_regions(
        Booking.objects.filter(
            event__is_cancelled=False,
            event__starts_at__gte=filters.start,
            event__starts_at__lt=filters.end,
        ),
        "event__region_id",
        filters.region_ids,
    )
    rows = (
        bookings.values_list("event__region__name", "event__kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    kinds = dict(EventKind.choices)
    totals: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for region, kind, status, n in rows:
        totals[(_region_name(region), kinds.get(kind, kind))][status] += n
    return Report(
        title="Training throughput",
        columns=("Region", "Kind of event", "Attended", "Did not attend", "Booked"),
        rows=[
            (
                region,
                kind,
                t[BookingStatus.ATTENDED],
                t[BookingStatus.NO_SHOW],
                t[BookingStatus.BOOKED],
            )
            for (region, kind), t in sorted(totals.items())
        ],
        note="Bookings for events held in the date range, by the event's region.",
    )


def requests_by_outcome(filters: Filters) -> Report:
    requests = in_regions(
        MentoringRequest.objects.filter(
            created_at__gte=filters.start, created_at__lt=filters.end
        ),
        "enrolment__member__region_id",
        filters.region_ids,
    )
    rows = (
        requests.values_list("enrolment__member__region__name", "status")
        .annotate(n=Count("pk"), allocated=Count("pk", filter=Q(from_allocation=True)))
        .order_by()
    )
    totals: dict[str, Counter] = defaultdict(Counter)
    for region, status, n, allocated in rows:
        totals[_region_name(region)][status] += n
        totals[_region_name(region)]["from_allocation"] += allocated
    statuses = list(RequestStatus)
    return Report(
        title="Requests by outcome",
        columns=(
            "Region",
            *(s.label for s in statuses),
            "Total",
            "From a bulk allocation",
        ),
        rows=[
            (
                region,
                *(t[s] for s in statuses),
                sum(t[s] for s in statuses),
                t["from_allocation"],
            )
            for region, t in sorted(totals.items())
        ],
        note="Requests made in the date range, by the candidate's region.",
    )


def feedback_received(filters: Filters) -> Report:
    rows = (
        Feedback.objects.filter(
            received_at__gte=filters.start, received_at__lt=filters.end
        )
        .values_list("topic", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    totals: dict[str, Counter] = defaultdict(Counter)
    for topic, status, n in rows:
        totals[topic][status] += n
    statuses = list(FeedbackStatus)
    topics = dict(Topic.choices)
    return Report(
        title="Feedback received",
        columns=("Topic", *(s.label for s in statuses), "Total"),
        rows=[
            (
                topics.get(topic, topic),
                *(t[s] for s in statuses),
                sum(t.values()),
            )
            for topic, t in sorted(totals.items())
        ],
        note="Feedback and contact messages received in the date range. Feedback "
        "has no region, so the region filter does not apply.",
    )


@dataclass(frozen=True)
class ReportKind:
    slug: str
    title: str
    build: Callable[[Filters], Report]
    staff_only: bool = False
    summary: str = field(default="")


REPORTS: dict[str, ReportKind] = {
    r.slug: r
    for r in (
        ReportKind(
            "time-to-match",
            "Time to match",
            time_to_match,
            summary="Days from enrolment to first mentor, by region and qualification.",
        ),
        ReportKind(
            "mentor-load",
            "Mentor load",
            mentor_load,
            summary="Listed mentors, places and the candidates they mentor now, by region.",
        ),
        ReportKind(
            "training",
            "Training throughput",
            training_throughput,
            summary="Bookings attended per kind of event, by region.",
        ),
        ReportKind(
            "requests",
            "Requests by outcome",
            requests_by_outcome,
            summary="Mentoring requests made, by what became of them.",
        ),
        ReportKind(
            "feedback",
            "Feedback received",
            feedback_received,
            staff_only=True,
            summary="Feedback and contact messages, by topic and status.",
        ),
    )
}
