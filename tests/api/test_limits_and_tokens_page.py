import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache

from mentorscheme.api import services
from mentorscheme.api.models import IntegrationToken
from mentorscheme.audit.models import AuditEntry
from tests.api.conftest import Api, assert_problem
from tests.personas import login

REFUSED = (
    "Only staff given the permission “Can make API tokens that create and update "
    "members” may make a token that creates and updates members"
)


def may_make_register_tokens(user):
    """As an administrator does in the admin: through a group."""
    group, _ = Group.objects.get_or_create(name="Membership database keepers")
    group.permissions.add(Permission.objects.get(codename="issue_register_token"))
    user.groups.add(group)
    return user


def test_a_caller_over_the_rate_limit_is_told_when_to_retry(
    client, make_token, settings
):
    settings.API_RATE_LIMIT = "3/m"
    busy, calm = Api(client, make_token()), Api(client, make_token())
    for _ in range(3):
        assert busy.get("/me").status_code == 200
    response = busy.get("/me")
    assert_problem(response, 429, "rate-limited")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert calm.get("/me").status_code == 200  # each token has its own count


def test_the_rate_limit_counts_per_signed_in_person(api_as, alice, bob, settings):
    settings.API_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert api_as(alice).get("/me").status_code == 200
    assert api_as(alice).get("/me").status_code == 429
    assert api_as(bob).get("/me").status_code == 200


def test_problem_types_are_explained(client):
    page = client.get("/api/problems/").content.decode()
    assert 'id="rule-refused"' in page and 'id="rate-limited"' in page


def test_staff_make_a_token_and_see_it_once(client, sam_with_totp):
    may_make_register_tokens(sam_with_totp)
    login(client, sam_with_totp)
    response = client.post(
        "/api/tokens/", {"name": "Membership database", "scopes": ["members:write"]}
    )
    assert response.status_code == 200
    token = IntegrationToken.objects.get()
    plain = response.context["plain"]
    assert plain.startswith(f"ms_{token.prefix}_")
    assert plain in response.content.decode()
    assert set(response["Cache-Control"].split(", ")) == {"no-store", "private"}
    assert token.scopes == ["members:write"] and token.created_by == sam_with_totp
    listing = client.get("/api/tokens/").content.decode()
    assert "Membership database" in listing and plain not in listing
    assert Api(client, plain).get("/me").json()["kind"] == "token"


def test_staff_revoke_a_token(client, sam_with_totp, make_token):
    plain = make_token()
    login(client, sam_with_totp)
    token = IntegrationToken.objects.get()
    url = f"/api/tokens/{token.pk}/revoke/"
    asked = client.post(url).text
    assert f"Revoke “{token.name}”?" in asked
    assert "It has not been used yet." in asked
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url, {"confirmed": "yes"})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert_problem(Api(client, plain).get("/me"), 401, "unauthenticated")


def test_a_token_needs_a_name_and_a_scope(client, sam_with_totp):
    login(client, sam_with_totp)
    response = client.post("/api/tokens/", {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not IntegrationToken.objects.exists()


def test_staff_without_the_permission_cannot_make_a_token_that_rewrites_the_register(
    client, sam_with_totp
):
    login(client, sam_with_totp)
    page = client.get("/api/tokens/").text
    assert "only staff given the permission" in page
    response = client.post(
        "/api/tokens/",
        {"name": "Membership database", "scopes": ["members:write", "read"]},
    )
    assert response.status_code == 400
    assert REFUSED in response.text
    assert response.context["plain"] is None
    assert not IntegrationToken.objects.exists()
    assert not AuditEntry.objects.exists()
    # What they may give, they may still make.
    response = client.post(
        "/api/tokens/", {"name": "Events feed", "scopes": ["read", "directory:read"]}
    )
    assert response.status_code == 200 and response.context["plain"]
    assert IntegrationToken.objects.get().scopes == ["directory:read", "read"]


def test_staff_given_the_permission_make_a_register_token_and_it_is_audited(
    client, sam_with_totp
):
    may_make_register_tokens(sam_with_totp)
    login(client, sam_with_totp)
    page = client.get("/api/tokens/").text
    assert "only staff given the permission" not in page
    response = client.post(
        "/api/tokens/", {"name": "Membership database", "scopes": ["members:write"]}
    )
    assert response.status_code == 200
    token = IntegrationToken.objects.get()
    (entry,) = AuditEntry.objects.all()
    assert (entry.action, entry.actor, entry.target_id) == (
        "api_token_created",
        sam_with_totp,
        str(token.pk),
    )
    assert entry.details == {"scopes": ["members:write"]}
    member = Api(client, response.context["plain"]).get("/members/00000000")
    assert member.status_code == 404  # allowed to look: the scope is there


def test_the_service_refuses_a_register_token_to_staff_without_the_permission(sam):
    with pytest.raises(services.TokenRefused, match="Ask an administrator"):
        services.token_create(name="Sync", scopes=["members:write"], created_by=sam)
    assert not IntegrationToken.objects.exists()
    sam.is_superuser = True
    sam.save()
    token, _ = services.token_create(
        name="Sync", scopes=["members:write"], created_by=sam
    )
    assert token.scopes == ["members:write"]


def test_only_staff_manage_tokens(client, olivia, alice, make_token):
    make_token()
    token = IntegrationToken.objects.get()
    for person in (olivia, alice):
        login(client, person)
        assert client.get("/api/tokens/").status_code == 403
        assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_making_and_revoking_a_token_is_in_the_audit_log(client, sam_with_totp):
    login(client, sam_with_totp)
    client.post("/api/tokens/", {"name": "Membership database", "scopes": ["read"]})
    token = IntegrationToken.objects.get()
    client.post(f"/api/tokens/{token.pk}/revoke/", {"confirmed": "yes"})
    client.post(f"/api/tokens/{token.pk}/revoke/", {"confirmed": "yes"})
    entries = AuditEntry.objects.order_by("at", "id")
    assert [(e.action, e.actor, e.target_id) for e in entries] == [
        ("api_token_created", sam_with_totp, str(token.pk)),
        ("api_token_revoked", sam_with_totp, str(token.pk)),
    ]
    assert entries[0].details == {"scopes": ["read"]}
    assert "Membership database" in entries[1].target_description


def test_a_burst_of_other_callers_does_not_wipe_a_callers_count(
    client, make_token, settings
):
    settings.API_RATE_LIMIT = "3/h"
    busy = Api(client, make_token())
    for _ in range(3):
        assert busy.get("/me").status_code == 200
    # Many other callers counted (each a key of the cache the limit counts in).
    cache.set_many({f"someone-else-{n}": [1.0] for n in range(400)}, 3600)
    cache.set("one-more", 1, 3600)
    assert busy.get("/me").status_code == 429
