"""Security headers on every kind of response, with the settings the tests run on.

Production's HSTS, HTTPS redirect and cookie flags are checked against the real
settings in test_production.py.
"""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from mentorscheme.training.models import TrainingEvent
from tests import factories as f
from tests.personas import login
from tests.security.test_production import assert_security_headers


def headers_of(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/guidance/",
        "/guidance/becoming-a-mentor/",
        "/contact/",
        "/accounts/login/",
        "/training/",
        "/no-such-page/",
    ],
)
def test_public_pages_carry_the_security_headers(client, db, path):
    assert_security_headers(headers_of(client.get(path)))


def test_a_form_with_errors_carries_them(client, db):
    response = client.post("/contact/", {"topic": "general", "message": ""})
    assert response.status_code == 400
    assert_security_headers(headers_of(response))


@pytest.mark.parametrize(
    "path", ["/members/me/", "/mentoring/", "/mentoring/directory/"]
)
def test_signed_in_pages_carry_them(client, alice, path):
    login(client, alice)
    response = client.get(path)
    assert response.status_code == 200
    assert_security_headers(headers_of(response))


def test_a_calendar_download_carries_them(client, db):
    starts = timezone.now() + datetime.timedelta(days=3)
    event = TrainingEvent.objects.create(
        kind="workshop",
        title="Workshop",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location="Library",
        capacity=5,
    )
    response = client.get(f"/training/{event.pk}/event.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert_security_headers(headers_of(response))


def test_no_hsts_while_debugging_over_plain_http(client, db):
    # HSTS pins browsers to HTTPS for a year: never from a developer's machine.
    assert not getattr(settings, "SECURE_HSTS_SECONDS", 0)
    assert "Strict-Transport-Security" not in client.get("/", secure=True).headers


def test_pages_cannot_be_framed_even_by_the_site_itself(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
