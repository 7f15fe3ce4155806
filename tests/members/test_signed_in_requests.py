"""What every signed-in request reads: its session, its account and its roles."""

from django.contrib.auth import get_user_model

from mentorscheme.members import access
from mentorscheme.members.backends import AccountBackend, ModelBackend
from tests.conftest import login


def test_the_account_is_read_by_id_and_only_while_it_may_sign_in(alice):
    user = alice.user
    for backend in (ModelBackend(), AccountBackend()):
        assert backend.get_user(str(user.pk)) == user
        assert backend.get_user("not a number") is None
        assert backend.get_user(user.pk + 10_000) is None
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert ModelBackend().get_user(user.pk) is None


def test_roles_come_from_the_records(alice, bob, olivia):
    assert access.roles_for(alice.user).is_candidate
    assert not access.roles_for(alice.user).is_mentor
    assert access.roles_for(bob.user).is_mentor
    officer = access.roles_for(olivia.user)
    assert officer.is_officer and not officer.is_candidate


def test_a_signed_out_session_key_reads_as_anonymous(client, alice):
    login(client, alice)
    assert client.get("/members/me/").status_code == 200
    client.post("/accounts/logout/")
    response = client.get("/members/me/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
