import re

from django.test import Client

from mentorscheme.api import services
from mentorscheme.api.models import IntegrationToken
from tests.api.conftest import Api, assert_problem
from tests.personas import login


def test_it_refuses_a_caller_without_credentials(client):
    response = Api(client).get("/me")
    assert_problem(response, 401, "unauthenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_refuses_a_mistyped_token(client, make_token):
    make_token()
    response = Api(client, "ms_000000000000_" + "x" * 43).get("/me")
    assert_problem(response, 401, "unauthenticated")


def test_a_wrong_token_is_refused_even_with_a_signed_in_session(client, alice):
    login(client, alice)
    response = Api(client, "not-a-token").get("/me")
    assert_problem(response, 401, "unauthenticated")


def test_it_accepts_a_token_and_records_its_use(client, make_token):
    plain = make_token("read", name="Website widget")
    response = Api(client, plain).get("/me")
    assert response.status_code == 200
    assert response.json()["kind"] == "token"
    assert response.json()["token_name"] == "Website widget"
    assert response.json()["scopes"] == ["read"]
    assert IntegrationToken.objects.get().last_used_at is not None


def test_it_stores_only_a_hash_of_the_token(make_token):
    plain = make_token()
    token = IntegrationToken.objects.get()
    assert plain.startswith(f"ms_{token.prefix}_")
    secret = plain.rsplit("_", 1)[1]
    assert secret not in token.secret_hash
    assert len(token.secret_hash) == 64


def test_a_revoked_token_stops_working(client, make_token):
    plain = make_token()
    services.token_revoke(token=IntegrationToken.objects.get(), by=None)
    assert_problem(Api(client, plain).get("/me"), 401, "unauthenticated")


def test_a_token_without_the_scope_is_forbidden(client, make_token):
    api = Api(client, make_token("read"))
    body = assert_problem(api.get("/members/T1"), 403, "forbidden")
    assert "members:write" in body["detail"]


def test_a_session_acts_as_its_member(api_as, alice):
    body = api_as(alice).get("/me").json()
    assert body["kind"] == "user"
    assert body["membership_number"] == alice.membership_number
    assert body["is_candidate"] is True
    assert "directory:read" in body["scopes"]
    assert "members:write" not in body["scopes"]


def test_a_session_must_send_the_csrf_token_to_change_anything(alice):
    client = Client(enforce_csrf_checks=True)
    login(client, alice)
    api = Api(client)
    assert api.get("/enrolments").status_code == 200
    assert_problem(
        api.post(
            "/enrolments", {"qualification": "fellowship", "line_manager": "none"}
        ),
        403,
        "csrf",
    )
    client.get("/privacy/")  # any page sets the CSRF cookie
    response = client.post(
        "/api/enrolments",
        '{"qualification": "fellowship", "line_manager": "none"}',
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201, response.content


def test_a_token_needs_no_csrf_token(make_token, db):
    client = Client(enforce_csrf_checks=True)
    api = Api(client, make_token())
    response = api.put(
        "/members/T9",
        {
            "first_name": "Tara",
            "last_name": "Tan",
            "email": "tara@example.org",
            "region": "london",
            "membership_status": "current",
        },
    )
    assert response.status_code == 201, response.content


def test_tokens_cannot_act_as_a_member(token_api):
    body = assert_problem(token_api.get("/enrolments"), 403, "forbidden")
    assert "Integration tokens cannot" in body["detail"]


def test_the_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Mentor Scheme API"
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    docs = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    # Nothing is fetched from another site (the page's CSRF token is random text,
    # so the check is on addresses, not on a word such as "cdn").
    assert re.findall(r'(?:src|href)="(?:https?:)?//', docs) == []


def test_staff_without_two_factor_get_a_problem_detail_from_the_api(client, sam):
    login(client, sam)
    response = Api(client).get("/me")
    assert_problem(response, 403, "forbidden")
    assert "two-factor" in response.json()["detail"]
    # The site's pages still send them to set it up.
    page = client.get("/oversight/")
    assert page.status_code == 302
    assert "/accounts/2fa/" in page["Location"]


def test_staff_with_two_factor_use_the_api_signed_in(client, sam_with_totp):
    login(client, sam_with_totp)
    response = Api(client).get("/me")
    assert response.status_code == 200


def test_a_wrong_method_gets_a_problem_detail_with_the_allowed_ones(client):
    response = client.delete("/api/me")
    assert_problem(response, 405, "method-not-allowed")
    assert response["Allow"] == "GET"
