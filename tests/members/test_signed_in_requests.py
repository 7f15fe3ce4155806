"""What every signed-in request reads: its session, its account and its roles."""

from django.conf import settings

from mentorscheme.members.access import roles_for
from tests.personas import login


def test_sessions_and_sign_in_are_django_and_allauths_own():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert settings.AUTHENTICATION_BACKENDS == [
        "django.contrib.auth.backends.ModelBackend",
        "allauth.account.auth_backends.AuthenticationBackend",
    ]


def test_roles_come_from_the_records(alice, bob, olivia, larry):
    assert roles_for(alice.user).is_candidate
    assert not roles_for(alice.user).is_mentor
    assert roles_for(bob.user).is_mentor
    officer = roles_for(olivia.user)
    assert officer.is_officer and not officer.is_candidate
    assert officer.has_totp is True
    assert roles_for(alice.user).has_totp is False
    lapsed = roles_for(larry.user)  # enrolled, but no longer a member
    assert lapsed.member == larry and not lapsed.is_candidate


def test_roles_are_read_in_one_query(alice, django_assert_num_queries):
    with django_assert_num_queries(1):
        roles_for(alice.user)
    with django_assert_num_queries(0):
        roles_for(alice.user)  # kept for the rest of the request


def test_a_signed_out_session_key_reads_as_anonymous(client, alice):
    login(client, alice)
    assert client.get("/members/me/").status_code == 200
    client.post("/accounts/logout/")
    response = client.get("/members/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
