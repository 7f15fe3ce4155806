"""A sign-in ends after a spell without requests (an idle timeout), not while in use.

The timeout is SESSION_COOKIE_AGE, renewed on every request (SESSION_SAVE_EVERY_REQUEST);
production's value is checked in test_production.py. Here it is shrunk to two
seconds so real time can pass.
"""

import time

from tests.conftest import login

TIMEOUT = 2


def test_activity_keeps_a_sign_in_alive_and_idleness_ends_it(client, alice, settings):
    settings.SESSION_COOKIE_AGE = TIMEOUT
    login(client, alice)
    time.sleep(TIMEOUT * 0.6)
    assert client.get("/members/me/").status_code == 200
    time.sleep(TIMEOUT * 0.6)
    # Past the first expiry, but the last request renewed it:
    assert client.get("/members/me/").status_code == 200
    time.sleep(TIMEOUT * 1.25)
    response = client.get("/members/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_default_idle_timeout_is_half_an_hour_at_most():
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
