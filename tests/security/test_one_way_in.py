"""Two-factor that cannot be skipped, and sign-in limits that hold behind a proxy."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import URLResolver, get_resolver, reverse

from tests import factories as f
from tests.personas import login

STAFF_ONLY = ["/oversight/", "/oversight/audit/", "/members/register/", "/outbox/"]


def code_now() -> str:
    return format_hotp_value(hotp_value(f.TOTP_SECRET, int(time.time()) // 30))


def sign_in(client, email, password=f.PASSWORD, **extra):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, **extra
    )


def test_the_admins_password_form_no_longer_signs_staff_in(client, sam_with_totp):
    client.get("/admin/login/")
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "sam@example.org", "password": f.PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    for url in [*STAFF_ONLY, "/admin/", "/api/me"]:
        assert client.get(url).status_code in (302, 401), url


def test_the_admin_sends_staff_to_the_sites_sign_in_and_its_code(client, sam_with_totp):
    response = client.get("/admin/")
    login_page = client.get(response["Location"], follow=True)
    assert login_page.request["PATH_INFO"] == reverse("account_login")
    response = sign_in(client, "sam@example.org", **{"QUERY_STRING": "next=/admin/"})
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get("/admin/").status_code == 302  # not yet
    response = client.post(reverse("mfa_authenticate"), {"code": code_now()})
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("who", ["sam_with_totp", "olivia"])
def test_a_session_that_gave_only_a_password_reaches_nothing(client, request, who):
    person = request.getfixturevalue(who)
    login(client, person, second_factor=False)
    for url in ["/oversight/", "/members/me/", "/admin/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("mfa_reauthenticate")), url
    api = client.get("/api/me")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert reverse("mfa_reauthenticate") in api.json()["detail"]


def test_the_same_person_who_gave_the_code_gets_in(client, sam_with_totp):
    login(client, sam_with_totp)
    for url in [*STAFF_ONLY, "/admin/"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/me").status_code == 200


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_setting_up_two_factor_counts_as_giving_it(client, sam):
    # Committed as in production: allauth announces the new authenticator on commit.
    assert sign_in(client, "sam@example.org").status_code == 302
    assert client.get("/oversight/")["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password again before an authenticator is added.
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    secret = page.context["form"].secret
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    assert client.get("/oversight/").status_code == 200


def test_members_are_not_asked_for_a_second_factor(client, alice):
    login(client, alice, second_factor=False)
    assert client.get("/members/me/").status_code == 200


# -- failed sign-ins: that client, that account ----------------------------------------


def test_guessing_from_one_address_never_locks_the_owner_out(client, alice):
    for _ in range(8):
        sign_in(client, "alice@example.org", "wrong", REMOTE_ADDR="203.0.113.9")
    refused = sign_in(client, "alice@example.org", REMOTE_ADDR="203.0.113.9")
    assert "Too many failed login attempts" in refused.text
    client.cookies.clear()
    owner = sign_in(client, "alice@example.org", REMOTE_ADDR="198.51.100.7")
    assert owner.status_code == 302
    assert client.get("/members/me/").status_code == 200


def test_twenty_wrong_passwords_then_the_right_one_is_refused(client, sam_with_totp):
    for _ in range(20):
        sign_in(client, "sam@example.org", "wrong")
    response = sign_in(client, "sam@example.org")
    assert response.status_code in (200, 429)
    assert client.get("/admin/").status_code == 302


# -- the client's address: TRUSTED_PROXY_COUNT -----------------------------------------


def wrong_from(client, forwarded_for, remote="10.0.0.1"):
    return sign_in(
        client,
        "alice@example.org",
        "wrong",
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_forwarded_addresses_are_ignored_without_trusted_proxies(client, alice):
    # The default, 0: a client cannot pick a fresh address per request.
    for i in range(5):
        wrong_from(client, f"192.0.2.{i}")
    refused = sign_in(client, "alice@example.org", REMOTE_ADDR="10.0.0.1")
    assert "Too many failed login attempts" in refused.text


def test_behind_a_trusted_proxy_each_visitor_has_their_own_count(
    client, alice, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        wrong_from(client, "spoofed, 192.0.2.1")
    # Everyone comes through the same balancer (REMOTE_ADDR); another visitor is free.
    assert "Too many" in wrong_from(client, "192.0.2.1").text
    client.cookies.clear()
    other = sign_in(
        client,
        "alice@example.org",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.2",
    )
    assert other.status_code == 302


def test_a_request_that_skipped_the_proxy_is_counted_by_its_socket(
    client, alice, settings
):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 2
    response = wrong_from(client, "192.0.2.1")  # one address, two proxies expected
    assert response.status_code == 200


def account_pages(patterns=None) -> list[str]:
    """The names of allauth's pages (under /accounts/) that take no argument."""
    if patterns is None:
        (accounts,) = [
            p for p in get_resolver().url_patterns if str(p.pattern) == "accounts/"
        ]
        patterns = accounts.url_patterns
    names = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names += account_pages(pattern.url_patterns)
        elif pattern.name and not pattern.pattern.regex.groups:
            names.append(pattern.name)
    return names


def test_a_password_only_session_cannot_turn_its_password_into_a_second_factor(
    client, sam_with_totp
):
    # Giving the password again must not open the recovery codes (one of which
    # would pass as the code), nor let the authenticator be swapped for a new one.
    RecoveryCodes.activate(sam_with_totp)
    login(client, sam_with_totp, second_factor=False)
    client.post(reverse("account_reauthenticate"), {"password": f.PASSWORD})
    for name in account_pages():
        if name in ("mfa_reauthenticate", "account_logout"):
            continue
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("mfa_reauthenticate")), name
    client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(
        user=sam_with_totp, type=Authenticator.Type.TOTP
    ).exists()
    assert client.get("/oversight/").status_code == 302
    assert client.get(reverse("mfa_reauthenticate")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302
