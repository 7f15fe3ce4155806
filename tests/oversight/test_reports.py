"""Reports: numbers, filters, CSV downloads, and CSV made safe for spreadsheets."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from mentorscheme.audit.models import AuditEntry
from mentorscheme.contact.models import Feedback
from mentorscheme.members.models import Region
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.oversight.reports import csv_text, safe_cell
from mentorscheme.training.models import Booking, EventKind, TrainingEvent
from tests import factories as f
from tests.oversight.conftest import candidate, listed_mentor
from tests.personas import login


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("London", "London"),
        ("a=b", "a=b"),
        (12, "12"),
        (None, ""),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(value, written):
    assert safe_cell(value) == written
    assert list(csv.reader(io.StringIO(csv_text(["x"], [[value]]))))[1] == [written]


def test_a_malicious_region_name_is_quoted_in_the_downloaded_csv(client, staff):
    Region.objects.create(code="evil", name='=HYPERLINK("http://x","y")')
    candidate(region="evil")
    login(client, staff)
    response = client.get("/oversight/reports/time-to-match/?format=csv")
    rows = rows_of(response)
    assert rows[0][:2] == ["Region", "Qualification"]
    assert ['\'=HYPERLINK("http://x","y")', "Chartership"] in [r[:2] for r in rows]
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    page = client.get("/oversight/reports/time-to-match/").text
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in page, "shown as text"


def test_feedback_topics_and_statuses_are_counted(client, staff):
    for topic, status in [
        ("general", "new"),
        ("general", "answered"),
        ("website", "new"),
    ]:
        Feedback.objects.create(topic=topic, status=status, message="-1 out of 10")
    Feedback.objects.create(
        topic="general",
        message="Old",
        received_at=timezone.now() - datetime.timedelta(days=800),
    )
    login(client, staff)
    rows = rows_of(client.get("/oversight/reports/feedback/?format=csv"))
    assert rows[0] == ["Topic", "New", "In progress", "Answered", "Total"]
    assert rows[1:] == [
        ["A general question", "1", "0", "1", "2"],
        ["Feedback on this website", "1", "0", "0", "1"],
    ]


def test_time_to_match_counts_days_to_the_first_mentor(client, olivia, alice):
    enrolment = alice.enrolments.get()
    enrolment.enrolled_on = timezone.localdate() - datetime.timedelta(days=30)
    enrolment.save()
    MentoringRelationship.objects.create(
        enrolment=enrolment,
        mentor=listed_mentor(),
        started_on=timezone.localdate() - datetime.timedelta(days=20),
        status="ended_early",
    )
    MentoringRelationship.objects.create(enrolment=enrolment, mentor=listed_mentor())
    candidate(days_ago=5)
    for status in ("withdrawn", "submitted"):  # closed before any mentoring started
        closed = candidate(days_ago=8)
        closed.status = status
        closed.save()
    login(client, olivia)
    rows = rows_of(client.get("/oversight/reports/time-to-match/?format=csv"))
    assert rows[0][3:6] == ["Matched", "Not yet matched", "Closed without a mentor"]
    assert rows[1] == [
        "London", "Chartership", "4", "1", "1", "2", "10", "10.0", "10"
    ]  # fmt: skip


def test_requests_by_outcome_follow_the_date_range(client, olivia, alice, bob):
    enrolment = alice.enrolments.get()
    MentoringRequest.objects.create(
        enrolment=enrolment, mentor=bob.mentor_profile, message="Hi", status="declined"
    )
    MentoringRequest.objects.create(
        enrolment=enrolment,
        mentor=listed_mentor(),
        message="Hi",
        from_allocation=True,
    )
    MentoringRequest.objects.create(
        enrolment=enrolment,
        mentor=listed_mentor(),
        message="Long ago",
        status="expired",
        created_at=timezone.make_aware(datetime.datetime(2024, 5, 1, 12)),
    )
    login(client, olivia)
    rows = rows_of(client.get("/oversight/reports/requests/?format=csv"))
    # Columns: each status in order (closed by the scheme last), total, allocated.
    assert rows[1] == ["London", "1", "0", "0", "1", "0", "0", "0", "2", "1"]
    rows = rows_of(
        client.get(
            "/oversight/reports/requests/"
            "?date_from=2024-01-01&date_to=2024-12-31&format=csv"
        )
    )
    assert rows[1] == ["London", "0", "0", "0", "0", "0", "1", "0", "1", "0"]


def test_training_throughput_counts_attendance_per_kind(client, olivia):
    starts = timezone.now() - datetime.timedelta(days=10)
    for kind in (EventKind.MENTOR_TRAINING, EventKind.WORKSHOP):
        event = TrainingEvent.objects.create(
            kind=kind,
            title="Session",
            region=f.region("london"),
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=2),
            location="Library",
            capacity=10,
        )
        for status in ("attended", "attended", "no_show"):
            Booking.objects.create(event=event, member=f.MemberFactory(), status=status)
    login(client, olivia)
    rows = rows_of(client.get("/oversight/reports/training/?format=csv"))
    assert rows[1:] == [
        ["London", "Mentor training", "2", "1", "0"],
        ["London", "Professional Registration workshop", "2", "1", "0"],
    ]


def test_mentor_load_shows_places_and_mentees_by_region(client, staff, alice):
    profile = listed_mentor(profile={"capacity": 3})
    MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=profile
    )
    listed_mentor(region="wales", profile={"accepting": False})
    login(client, staff)
    rows = rows_of(client.get("/oversight/reports/mentor-load/?format=csv"))
    assert rows[1:] == [
        ["London", "1", "0", "3", "1", "2", "0"],
        ["Wales", "1", "1", "2", "0", "0", "0"],
    ]


def test_a_download_is_recorded_in_the_audit_log(client, olivia):
    login(client, olivia)
    client.get("/oversight/reports/mentor-load/?format=csv")
    entry = AuditEntry.objects.get()
    assert entry.action == "data_exported"
    assert entry.actor == olivia.user
    assert entry.details["report"] == "mentor-load"


def test_a_date_range_that_ends_before_it_starts_is_refused(client, olivia):
    login(client, olivia)
    response = client.get(
        "/oversight/reports/requests/?date_from=2026-05-01&date_to=2026-01-01"
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "The end date must be on or after the start." in response.text


def test_an_unknown_report_is_not_found(client, olivia):
    login(client, olivia)
    assert client.get("/oversight/reports/nonsense/").status_code == 404


@pytest.mark.parametrize("slug", ["training", "requests", "time-to-match"])
@pytest.mark.parametrize("far", ["31/12/9999", "9999-12-31", "01/01/2100"])
@pytest.mark.parametrize("as_csv", [False, True])
def test_a_date_too_far_ahead_is_refused_on_the_field(
    client, olivia, slug, far, as_csv
):
    login(client, olivia)
    query = {"date_from": "01/01/2020", "date_to": far}
    response = client.get(
        f"/oversight/reports/{slug}/", query | ({"format": "csv"} if as_csv else {})
    )
    assert response.status_code == 400
    latest = f"31 December {timezone.localdate().year + 1}"
    assert f"Enter a date from 1 January 2000 to {latest}." in response.text
    assert response["Content-Type"].startswith("text/html")


def test_a_date_too_long_ago_is_refused_on_the_field(client, olivia):
    login(client, olivia)
    query = {"date_from": "01/01/0001", "date_to": "01/01/2020"}
    response = client.get("/oversight/reports/requests/", query)
    assert response.status_code == 400
    assert "Enter a date from 1 January 2000" in response.text


def test_the_end_of_next_year_is_a_date_a_report_may_reach(client, olivia):
    login(client, olivia)
    latest = datetime.date(timezone.localdate().year + 1, 12, 31)
    query = {"date_from": "01/01/2000", "date_to": latest.strftime("%d/%m/%Y")}
    for slug in ("training", "requests", "time-to-match"):
        response = client.get(f"/oversight/reports/{slug}/", query | {"format": "csv"})
        assert response.status_code == 200, slug
