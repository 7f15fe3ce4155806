"""A sign-in ends after a spell without requests (an idle timeout), not while in use.

The timeout is SESSION_COOKIE_AGE, renewed by requests (IdleSessionMiddleware, at most
once a minute); production's value is checked in test_production.py. The test clock
(tests/clock.py) moves the time the sessions and the middleware read, so the default
half hour passes without waiting.
"""

from django.conf import settings
from django.contrib.sessions.models import Session

from mentorscheme.members.middleware import renewal_interval
from tests.personas import login

TIMEOUT = 30 * 60


def test_activity_keeps_a_sign_in_alive_and_idleness_ends_it(
    client, alice, settings, clock
):
    settings.SESSION_COOKIE_AGE = TIMEOUT
    login(client, alice)
    clock.move(seconds=TIMEOUT * 0.6)
    assert client.get("/members/me/").status_code == 200
    clock.move(seconds=TIMEOUT * 0.6)
    # Past the first expiry, but the last request renewed it:
    assert client.get("/members/me/").status_code == 200
    clock.move(seconds=TIMEOUT * 1.25)
    response = client.get("/members/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_default_idle_timeout_is_half_an_hour_at_most():
    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert (
        "mentorscheme.members.middleware.IdleSessionMiddleware" in settings.MIDDLEWARE
    )


def test_page_views_renew_a_sign_in_at_most_once_a_minute(client, alice):
    login(client, alice)
    client.get("/members/me/")
    key = client.session.session_key
    expiry = Session.objects.get(pk=key).expire_date
    for _ in range(3):
        assert client.get("/members/me/").status_code == 200
    # No write for views within the minute: the stored expiry is unchanged.
    assert Session.objects.get(pk=key).expire_date == expiry


def test_the_renewal_interval_is_a_minute_or_a_tenth_of_a_short_timeout():
    assert renewal_interval(30 * 60) == 60
    assert renewal_interval(2) == 0.2
