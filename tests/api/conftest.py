import json

import pytest

from mentorscheme.api import services
from tests.personas import login

ALL_SCOPES = ["members:write", "directory:read", "read"]


class Api:
    """Calls the JSON API as a token or as whoever the client is signed in as."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, params=None):
        return self.client.get(f"/api{path}", params or {}, **self._headers())

    def post(self, path, data=None):
        return self._send("post", path, data)

    def put(self, path, data=None):
        return self._send("put", path, data)

    def _send(self, method, path, data):
        return getattr(self.client, method)(
            f"/api{path}",
            json.dumps(data or {}),
            content_type="application/json",
            **self._headers(),
        )


@pytest.fixture
def make_token(db):
    def make(*scopes, name="Membership database sync"):
        _, plain = services.token_create(
            name=name, scopes=list(scopes) or ALL_SCOPES, created_by=None
        )
        return plain

    return make


@pytest.fixture
def token_api(client, make_token):
    return Api(client, make_token())


@pytest.fixture
def api_as(client):
    def as_(person):
        login(client, person)
        return Api(client)

    return as_


def assert_problem(response, status: int, kind: str):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].endswith(f"/api/problems/#{kind}")
    assert body["title"] and body["detail"]
    return body
