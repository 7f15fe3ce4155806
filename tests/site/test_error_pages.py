"""Error pages say what happened and what to do next."""

import pytest
from django.template.loader import render_to_string
from django.test import override_settings

from tests import factories as f
from tests.personas import login


@pytest.fixture
def uma(db):
    """Signed up with an email no membership record has."""
    return f.UserFactory(email="uma@example.net")


@pytest.mark.parametrize("url", ["/mentoring/", "/mentors/", "/mentoring/directory/"])
def test_an_unlinked_account_is_told_how_to_get_linked(client, uma, url):
    response = login(client, uma).get(url, follow=True)
    assert response.status_code == 403
    assert "Your account is not linked to a membership record yet" in response.text
    assert "uma@example.net" in response.text
    assert 'href="/accounts/email/"' in response.text
    assert 'href="/contact/"' in response.text
    assert "<nav" in response.text  # the site's own page, not a bare "403 Forbidden"


def test_a_member_without_the_role_gets_the_sites_403(client, alice):
    response = login(client, alice).get("/members/register/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.text
    assert "Go to your home page" in response.text


def test_a_missing_page_gets_the_sites_404(client, alice):
    response = login(client, alice).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Go to your home page" in response.text


@override_settings(DEBUG=True)
def test_the_demo_shows_the_sites_404_not_the_debug_page(client, alice):
    response = login(client, alice).get("/mentoring/requests/999999/")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "DEBUG = True" not in response.text


@override_settings(DEBUG=True)
def test_the_api_keeps_its_problem_details_in_the_demo(client, alice):
    response = login(client, alice).get("/api/no-such-thing")
    assert response.status_code == 404
    assert "Go to your home page" not in response.text


def test_the_500_page_needs_nothing_but_itself(client):
    page = render_to_string("500.html")
    assert "Sorry, something went wrong" in page
    # It gives no email address to write to: it says where to tell the team.
    assert '<a href="/contact/">the contact page</a>' in page


def test_a_bad_directory_filter_is_left_out_with_a_message(client, alice, bob):
    response = login(client, alice).get(
        "/mentoring/directory/?region=abc&mode=carrier-pigeon"
    )
    assert response.status_code == 200
    assert "We could not use what was given for region, meets by" in response.text
    assert "Bob" in response.text
