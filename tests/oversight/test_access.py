"""Who may open each oversight page: per page, per role.

Anonymous visitors are sent to sign in; candidates and mentors are refused; an
officer sees their own region; an officer of another region gets a 404 or sees
only their own region's data; staff see everything. Scheme administration and the
audit log are for staff only.
"""

import pytest
from django.urls import reverse

from mentorscheme.mentoring.models import HelpFlag
from mentorscheme.oversight import services
from mentorscheme.oversight.models import AllocationRun
from tests import factories as f
from tests.personas import login

OVERSIGHT_PAGES = [
    "/oversight/",
    "/oversight/allocations/",
    "/oversight/reports/",
    "/oversight/reports/time-to-match/",
    "/oversight/reports/mentor-load/",
    "/oversight/reports/training/",
    "/oversight/reports/requests/",
]
#: Pages with a region filter: the dashboard and the reports.
REGION_FILTERED_PAGES = ["/oversight/", *OVERSIGHT_PAGES[3:]]
STAFF_PAGES = [
    "/oversight/reports/feedback/",
    "/oversight/audit/",
    "/oversight/scheme/",
    "/oversight/scheme/regions/",
    "/oversight/scheme/regions/merge/",
    "/oversight/scheme/organisation-types/",
    "/oversight/scheme/qualifications/",
    "/oversight/scheme/qualifications/new/",
    "/oversight/scheme/regulations/",
    "/oversight/scheme/appointments/",
    "/oversight/scheme/settings/",
]


@pytest.mark.parametrize("url", OVERSIGHT_PAGES + STAFF_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("url", OVERSIGHT_PAGES + STAFF_PAGES)
@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_candidates_and_mentors_are_refused(client, request, persona, url):
    login(client, request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", OVERSIGHT_PAGES)
def test_an_officer_opens_the_oversight_pages(client, olivia, url):
    login(client, olivia)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_officers_are_refused_the_staff_pages(client, olivia, url):
    login(client, olivia)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", OVERSIGHT_PAGES + STAFF_PAGES)
def test_staff_open_every_page(client, staff, url):
    login(client, staff)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", OVERSIGHT_PAGES[:1] + STAFF_PAGES[1:2])
def test_staff_without_two_factor_are_sent_to_set_it_up(client, sam, url):
    login(client, sam)
    assert client.get(url)["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("url", REGION_FILTERED_PAGES)
def test_an_officer_asking_for_another_region_sees_their_own(client, oscar, url):
    login(client, oscar)
    london = f.region("london")
    response = client.get(f"{url}?region={london.pk}")
    assert response.status_code == 200
    assert "That region is not one you can look at" in response.text
    assert "all your regions" in response.text


def test_an_officer_cannot_run_an_allocation_for_another_region(client, alice, oscar):
    login(client, oscar)
    response = client.post("/oversight/allocations/", {"region": f.region("london").pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not AllocationRun.objects.exists()


def test_another_regions_officer_sees_only_their_own_regions_candidates(
    client, alice, flag, olivia, oscar
):
    login(client, olivia)
    assert "Alice Archer" in client.get("/oversight/").text
    login(client, oscar)
    page = client.get("/oversight/")
    assert page.status_code == 200
    assert "Alice Archer" not in page.text
    assert "Covering Scotland" in page.text


def test_the_report_of_another_regions_officer_leaves_other_regions_out(
    client, alice, olivia, oscar
):
    login(client, olivia)
    assert "London" in client.get("/oversight/reports/time-to-match/").text
    login(client, oscar)
    assert "London" not in client.get("/oversight/reports/time-to-match/").text


def test_a_run_is_seen_by_its_regions_officer_and_staff_only(
    client, run, olivia, oscar, staff, bob
):
    url = f"/oversight/allocations/{run.pk}/"
    for persona, status in ((olivia, 200), (staff, 200), (oscar, 404), (bob, 403)):
        login(client, persona)
        assert client.get(url).status_code == status, persona
    login(client, oscar)
    assert f"Run {run.pk}" not in client.get("/oversight/allocations/").text


@pytest.mark.parametrize("action", ["publish", "discard", "pair"])
def test_an_officer_of_another_region_cannot_change_a_run(client, run, oscar, action):
    login(client, oscar)
    response = client.post(f"/oversight/allocations/{run.pk}/{action}/")
    assert response.status_code == 404
    run.refresh_from_db()
    assert run.status == "proposed"


def test_a_countrywide_run_is_for_staff_only(client, alice, bob, staff, olivia):
    run = services.allocation_run_create(by=staff, region_ids=None)
    login(client, olivia)
    assert client.get(f"/oversight/allocations/{run.pk}/").status_code == 404
    login(client, staff)
    assert client.get(f"/oversight/allocations/{run.pk}/").status_code == 200


def test_only_the_regions_officer_resolves_a_help_flag(client, flag, oscar, olivia):
    url = f"/oversight/help/{flag.pk}/resolve/"
    login(client, oscar)
    assert client.post(url).status_code == 404
    login(client, olivia)
    assert client.post(url).status_code == 302
    assert HelpFlag.objects.get().resolved_at is not None


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_members_cannot_resolve_help_flags(client, request, flag, persona):
    login(client, request.getfixturevalue(persona))
    assert client.post(f"/oversight/help/{flag.pk}/resolve/").status_code == 403
    assert HelpFlag.objects.get().resolved_at is None


def test_officers_cannot_change_the_scheme(client, olivia):
    login(client, olivia)
    london = f.region("london")
    response = client.post(
        f"/oversight/scheme/regions/{london.pk}/", {"name": "Greater London"}
    )
    assert response.status_code == 403
    london.refresh_from_db()
    assert london.name == "London"
    response = client.post("/oversight/scheme/settings/", {"open_request_limit": 9})
    assert response.status_code == 403


@pytest.mark.parametrize("value", ["abc", "99999999999999999999999", "-1"])
def test_a_nonsense_region_is_ignored_with_a_message(client, staff, value):
    login(client, staff)
    for url in ("/oversight/", "/oversight/reports/requests/"):
        response = client.get(f"{url}?region={value}")
        assert response.status_code == 200
        assert "the page shows all regions" in response.text
