"""The officer dashboard: supply, demand, people needing attention, and charts."""

import datetime
import re

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mentorscheme.members.models import MembershipStatus
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import HelpFlag, MentoringRelationship
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.oversight import figures, selectors
from mentorscheme.scheme.models import Enrolment
from mentorscheme.training import services as training
from mentorscheme.training.models import EventKind, TrainingEvent
from tests import factories as f
from tests.oversight.conftest import candidate, expired_request, listed_mentor
from tests.personas import login


def dashboard(client, persona, query=""):
    # The tests make their data directly, around the services that keep the rows of
    # figures up to date: they are worked out as the figures_rebuild command does.
    # (tests/oversight/test_figures.py checks that the services keep them.)
    figures.rebuild()
    login(client, persona)
    response = client.get(f"/oversight/{query}")
    assert response.status_code == 200
    return response.text


def figure(page: str, label: str) -> int:
    match = re.search(
        rf"<strong class=\"figure-number\">(\d+)</strong> <span class=\"figure-label\">{label}",
        page,
    )
    assert match, label
    return int(match.group(1))


def event(region="london", days=10, title="Mentor training"):
    starts = timezone.now() + datetime.timedelta(days=days)
    return TrainingEvent.objects.create(
        kind=EventKind.MENTOR_TRAINING,
        title=title,
        region=f.region(region),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        location="Library",
        capacity=12,
    )


def grow_london(size: int) -> None:
    """Mentors, mentees, waiting candidates, help flags, events and applications."""
    for i in range(size):
        profile = listed_mentor(last_name=f"Mentor{i}", profile={"capacity": 3})
        MentoringRelationship.objects.create(enrolment=candidate(), mentor=profile)
        waiting = candidate(days_ago=20 * i, qualification="certification")
        waiting.help_flags.create(why="waiting")
        expired_request(waiting, profile)
        expired_request(candidate(), profile)
        event(title=f"Event {i}", days=i + 1)
        listed_mentor(
            last_name=f"Applicant{i}", profile={"status": MentorStatus.APPLIED}
        )
        lapsing = listed_mentor(last_name=f"Lapsing{i}")
        lapsing.member.awards.update(
            removed_on=timezone.localdate() + datetime.timedelta(days=30)
        )


def test_supply_counts_listed_paused_and_free_places(client, olivia, alice):
    listed_mentor(last_name="Free", profile={"capacity": 3})
    listed_mentor(last_name="Paused", profile={"accepting": False})
    full = listed_mentor(last_name="Full", profile={"capacity": 1})
    MentoringRelationship.objects.create(enrolment=candidate(), mentor=full)
    listed_mentor(region="scotland", last_name="Elsewhere")
    page = dashboard(client, olivia)
    assert figure(page, "listed mentor") == 3
    assert figure(page, "paused") == 1
    assert figure(page, "free place") == 3
    assert figure(page, "at capacity") == 1


def test_one_listed_mentor_with_one_free_place_reads_in_the_singular(client, olivia):
    listed_mentor(last_name="Only", profile={"capacity": 1})
    page = dashboard(client, olivia)
    assert '<span class="figure-label">listed mentor</span>' in page
    assert '<span class="figure-label">free place</span>' in page


def test_mentors_about_to_lapse_are_listed_with_the_date(client, olivia):
    ending = listed_mentor(last_name="Ending")
    ending.member.awards.update(
        removed_on=timezone.localdate() + datetime.timedelta(days=45)
    )
    later = listed_mentor(last_name="Later")
    later.member.awards.update(
        removed_on=timezone.localdate() + datetime.timedelta(days=90)
    )
    lapsed = listed_mentor(last_name="Unpaid")
    lapsed.member.membership_status = MembershipStatus.LAPSED
    lapsed.member.save()
    kept = listed_mentor(last_name="Upgraded")
    kept.member.awards.update(
        removed_on=timezone.localdate() + datetime.timedelta(days=10)
    )
    f.award(kept.member, "fellowship")
    page = dashboard(client, olivia)
    assert figure(page, "lapsing soon") == 2
    assert "Test Ending" in page and "Registration ends" in page
    assert "Test Unpaid" in page and "Membership lapsed" in page
    assert "Test Later" not in page
    assert "Test Upgraded" not in page


def test_demand_shows_who_waits_and_for_how_long(client, olivia, alice):
    candidate(days_ago=100, qualification="certification")
    candidate(days_ago=40, qualification="certification")
    changed = candidate(days_ago=400)
    MentoringRelationship.objects.create(
        enrolment=changed,
        mentor=listed_mentor(),
        status="ended_early",
        ended_on=timezone.localdate() - datetime.timedelta(days=5),
    )
    MentoringRelationship.objects.create(enrolment=candidate(), mentor=listed_mentor())
    candidate(qualification="revalidation")
    page = dashboard(client, olivia)
    assert figure(page, "waiting for a mentor") == 4
    certification = re.search(r"Certification</th>(.*?)</tr>", page).group(1)
    assert re.findall(r">(\d+)<", certification) == ["2", "70", "100"]
    chartership = re.search(r"Chartership</th>(.*?)</tr>", page).group(1)
    # The candidate who changed mentor waits from the day it ended, not enrolment.
    assert re.findall(r">(\d+)<", chartership) == ["2", "2", "5"]


def test_a_candidate_whose_portfolio_is_submitted_is_not_counted_as_waiting(
    client, olivia
):
    candidate(days_ago=40)
    Enrolment.objects.filter(pk=candidate(days_ago=40).pk).update(status="submitted")
    assert figure(dashboard(client, olivia), "waiting for a mentor") == 1


def test_a_candidate_asked_for_further_information_waits_from_that_day(
    client, olivia, sam
):
    enrolment = candidate(days_ago=40)
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    services.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    page = dashboard(client, olivia)
    assert figure(page, "waiting for a mentor") == 1
    chartership = re.search(r"Chartership</th>(.*?)</tr>", page).group(1)
    assert re.findall(r">(\d+)<", chartership) == ["1", "0", "0"]


def test_candidates_asking_for_help_can_be_resolved(client, olivia, flag):
    page = dashboard(client, olivia)
    assert "Alice Archer" in page and "Help!" in page
    response = client.post(f"/oversight/help/{flag.pk}/resolve/")
    assert response.status_code == 302
    assert "No candidate is waiting for help." in client.get("/oversight/").text


def test_the_help_figure_counts_every_open_flag_and_says_how_many_asked(
    client, olivia, flag
):
    for days in range(selectors.LIST_LIMIT + 2):
        HelpFlag.objects.create(
            enrolment=candidate(days_ago=days + 100), why=HelpFlag.Why.WAITING
        )
    # Not the London officer's to count: a candidate in Scotland, and one resolved.
    HelpFlag.objects.create(
        enrolment=candidate(region="scotland", days_ago=100), why=HelpFlag.Why.ASKED
    )
    HelpFlag.objects.create(
        enrolment=candidate(days_ago=100),
        why=HelpFlag.Why.ASKED,
        resolved_at=timezone.now(),
    )
    page = dashboard(client, olivia)
    assert figure(page, "need help") == selectors.LIST_LIMIT + 3
    assert "need help (1 asked for it)" in page
    assert (
        f"Only the oldest {selectors.LIST_LIMIT} of {selectors.LIST_LIMIT + 3}" in page
    )
    # The mentors' side of a region sees no figure it cannot act on.
    mso = f.MemberFactory(first_name="Mo", email="mo@example.org")
    f.with_account(mso, totp=True)
    f.appoint(mso, "london", role="mso")
    assert "need help (" not in dashboard(client, mso)  # the figure


def test_mentors_letting_requests_expire_are_flagged_with_their_last_activity(
    client, olivia
):
    slow = listed_mentor(last_name="Slow")
    slow.last_active_at = timezone.make_aware(datetime.datetime(2026, 3, 4, 12))
    slow.save()
    expired_request(candidate(), slow)
    expired_request(candidate(), slow, days_ago=100)
    once = listed_mentor(last_name="Once")
    expired_request(candidate(), once)
    long_ago = listed_mentor(last_name="LongAgo")
    expired_request(candidate(), long_ago, days_ago=200)
    expired_request(candidate(), long_ago, days_ago=300)
    page = dashboard(client, olivia)
    assert re.search(r"Test Slow.*?<td[^>]*>2</td><td[^>]*>4 Mar 2026</td>", page, re.S)
    assert "Test Once" not in page
    assert "Test LongAgo" not in page


def test_applications_and_upcoming_events_of_the_region_are_shown(client, olivia):
    listed_mentor(last_name="Applicant", profile={"status": MentorStatus.APPLIED})
    event(title="Workshop in London")
    event(region="scotland", title="Workshop in Glasgow")
    event(days=-3, title="Last week's training")
    page = dashboard(client, olivia)
    assert "<strong>1</strong> application" in page
    assert 'href="/mentors/review/"' in page
    assert "Workshop in London" in page
    assert "Workshop in Glasgow" not in page
    assert "Last week" not in page


def test_charts_are_svg_with_a_text_alternative_and_a_table_of_numbers(
    client, olivia, alice
):
    candidate(days_ago=45)
    page = dashboard(client, olivia)
    charts = re.findall(
        r'<svg role="img" aria-labelledby="([\w-]+)-title \1-desc"', page
    )
    assert charts == ["load-chart", "waiting-chart", "trend-chart"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in page
        assert f'<desc id="{chart}-desc">' in page
    assert "0–30 days: 1 candidate; 31–60 days: 1 candidate;" in page
    assert "<caption>The numbers behind “Candidates waiting for a mentor" in page
    assert '<th scope="row">31–60 days</th><td>1</td>' in page
    assert "<script" not in page.split("</main>")[0]


def test_the_trend_counts_requests_and_matches_by_month(client, olivia, alice, bob):
    request = services.request_create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hi"
    )
    services.request_accept(
        request=request, mentor=bob.mentor_profile, confirms_not_line_manager=True
    )
    page = dashboard(client, olivia)
    this_month = timezone.localdate().strftime("%b %Y")
    assert f'<th scope="row">{this_month}</th><td>1</td><td>1</td>' in page


def test_staff_see_every_region_and_can_pick_one(client, staff, alice, oscar):
    candidate(region="scotland", last_name="Scot")
    page = dashboard(client, staff)
    assert "Covering every region" in page
    assert figure(page, "waiting for a mentor") == 2
    scotland = f.region("scotland").pk
    page = dashboard(client, staff, f"?region={scotland}")
    assert "Scotland: dashboard" in page
    assert figure(page, "waiting for a mentor") == 1


def queries_of(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/oversight/").status_code == 200
    return len(queries)


def count_queries(client) -> tuple[int, int]:
    """The queries of the dashboard when its figures are counted, then when they
    are kept from a moment ago."""
    figures.rebuild()
    cache.clear()
    return queries_of(client), queries_of(client)


def test_the_dashboard_query_count_does_not_grow_with_the_region(
    client, olivia, alice, bob
):
    grow_london(1)
    login(client, olivia)
    client.get("/oversight/")  # the sign-in's first renewal is behind us
    counted, kept = count_queries(client)
    grow_london(12)
    assert count_queries(client) == (counted, kept)
    # Within the minute, neither the figures' six queries nor the cache's writes.
    assert kept <= counted - 11
    page = client.get("/oversight/").text
    assert "Test Lapsing11" in page
    assert "Event 8" in page
    assert figure(page, "waiting for a mentor") > 12


def test_the_figures_may_be_a_minute_behind_and_the_page_says_when_they_were_counted(
    client, olivia, alice, clock
):
    mentor = listed_mentor(last_name="Free", profile={"capacity": 3})
    first = dashboard(client, olivia)
    assert figure(first, "waiting for a mentor") == 1
    counted_at = timezone.localtime(timezone.now()).strftime("%H:%M")
    assert f"were counted at {counted_at}, and may be up to a minute behind" in first
    latecomer = f.MemberFactory(last_name="Latecomer")
    f.award(latecomer, "certification")
    services.enrolment_create(
        member=latecomer, qualification=f.qualification("chartership")
    )
    services.relationship_start(
        enrolment=alice.enrolments.get(), mentor=mentor, how=services.ALLOCATED
    )
    clock.move(seconds=50)
    page = client.get("/oversight/").text  # no rebuild: the services kept the rows
    assert figure(page, "waiting for a mentor") == 1
    assert figure(page, "free place") == figure(first, "free place")
    assert f"were counted at {counted_at}" in page
    clock.move(seconds=11)  # a minute on: counted again
    page = client.get("/oversight/").text
    assert figure(page, "waiting for a mentor") == 1  # Latecomer waits, Alice not
    assert figure(page, "free place") == figure(first, "free place") - 1
    assert "Test Latecomer" not in page


def test_what_an_officer_acts_on_is_always_as_it_stands_now(client, olivia, alice):
    first = dashboard(client, olivia)
    assert "No candidate is waiting for help." in first
    assert "Nothing is waiting for review." in first
    # A moment later: a plea for help, an application and an event.
    HelpFlag.objects.create(
        enrolment=alice.enrolments.get(), why=HelpFlag.Why.ASKED, message="Help!"
    )
    listed_mentor(last_name="Applicant", profile={"status": MentorStatus.APPLIED})
    event(title="Workshop in London")
    page = client.get("/oversight/").text
    assert "Alice Archer" in page and "Help!" in page
    assert figure(page, "need help") == 1
    assert "<strong>1</strong> application" in page
    assert "Workshop in London" in page
    assert "shown as they stand now" in page


def test_approved_mentors_reminded_and_still_with_nothing_booked_are_shown(
    client, olivia
):
    approved = {"status": MentorStatus.APPROVED, "workshop_attended_on": None}
    stuck = listed_mentor(last_name="Stuck", profile=approved)
    booked = listed_mentor(last_name="Booked", profile=approved)
    listed_mentor(last_name="Fresh", profile=approved)
    away = listed_mentor(region="scotland", last_name="Away", profile=approved)
    reminded = timezone.make_aware(datetime.datetime(2026, 3, 4, 12))
    for profile in (stuck, booked, away):
        profile.steps_reminded_at, profile.steps_reminders = reminded, 1
        profile.save()
    training.booking_create(event_id=event().pk, member=booked.member)
    page = dashboard(client, olivia)
    section = page.split('id="stuck-mentors"')[1].split("<h2")[0]
    assert re.search(r"Test Stuck.*?4 Mar 2026 \(1 reminder\)", section, re.S)
    assert "Test Booked" not in section
    assert "Test Fresh" not in section  # not reminded yet
    assert "Test Away" not in section  # another region's
