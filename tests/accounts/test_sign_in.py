import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail

from mentorscheme.members.models import User
from tests import factories as f


def sign_in(client, email, password=f.PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_a_member_signs_in_by_email(client, alice):
    response = sign_in(client, "alice@example.org")
    assert response.status_code == 302
    assert client.get("/members/me/").status_code == 200


def test_a_wrong_password_is_refused(client, alice):
    response = sign_in(client, "alice@example.org", "wrong")
    assert response.status_code == 200
    assert "not correct" in response.text
    assert client.get("/members/me/").status_code == 302


def test_repeated_failed_sign_ins_are_throttled(client, alice):
    for _ in range(5):
        sign_in(client, "alice@example.org", "wrong")
    response = sign_in(client, "alice@example.org")
    assert "Too many failed login attempts" in response.text
    assert client.get("/members/me/").status_code == 302


def test_sign_up_sends_a_verification_link_that_links_the_register_entry(
    client, db, django_capture_on_commit_callbacks
):
    member = f.MemberFactory(email="new.member@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/signup/",
            {
                "email": "new.member@example.org",
                "password1": "a-long-pass-phrase-9",
                "password2": "a-long-pass-phrase-9",
            },
        )
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[0].body
    )
    assert link, mail.outbox[0].body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link.group(1))
    member.refresh_from_db()
    assert member.user == User.objects.get(email="new.member@example.org")


def test_password_reset_emails_a_link(
    client, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_an_officer_must_give_a_one_time_code_to_sign_in(client, olivia):
    response = sign_in(client, "olivia@example.org")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/members/me/").status_code == 302
    code = format_hotp_value(hotp_value(f.TOTP_SECRET, int(time.time()) // 30))
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.get("/members/me/").status_code == 200


def test_sign_out(client, alice):
    sign_in(client, "alice@example.org")
    client.post("/accounts/logout/")
    assert client.get("/members/me/").status_code == 302
