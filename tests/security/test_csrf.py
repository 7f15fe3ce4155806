"""Every POST without a CSRF token is refused, and every form we render carries one.

The URLs are those of the permission matrix (so a new page is swept as soon as it has
a row) plus allauth's own pages that take no argument. A refusal must come from the
CSRF check itself: the failure view is swapped for one that marks its responses.
"""

from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import URLResolver, get_resolver

from tests.personas import login
from tests.security.world import ROLES
from tests.test_permission_matrix import GET_ROWS, parse, url_for, url_patterns

MARK = "X-Test-CSRF-Refused"


def csrf_refused(request, reason=""):
    response = HttpResponseForbidden("CSRF refused")
    response[MARK] = reason or "yes"
    return response


@pytest.fixture
def csrf_client(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_refused"
    client = Client(enforce_csrf_checks=True)
    client.raise_request_exception = False
    return client


def refused(response) -> bool:
    """Refused for want of a CSRF token, or not taken at all."""
    if response.status_code == 403 and MARK in response:
        return True  # Django's CSRF middleware
    if response.status_code == 405:
        return True  # the URL takes no POST: nothing happened
    # The JSON API is exempt from the middleware and checks sessions itself; a call
    # without a session is simply unauthenticated.
    if response.get("Content-Type", "").startswith("application/problem+json"):
        return response.json()["type"].rsplit("#", 1)[-1] in ("csrf", "unauthenticated")
    return False


def allauth_urls() -> list[str]:
    """allauth's pages that take no argument (sign-in, sign-up, reset, two-factor)."""
    urls = []
    for entry in get_resolver().url_patterns:
        module = getattr(entry, "urlconf_module", None)
        if getattr(module, "__name__", "").startswith("allauth"):
            urls += [
                "/" + str(entry.pattern) + route
                for route in _routes(entry)
                if "<" not in route and "(?P" not in route
            ]
    return urls


def _routes(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def sign_in_as(client, world, role):
    client.logout()
    user = world.user(role)
    if user is not None:
        login(client, user)


def post_without_token(client, url, data):
    with transaction.atomic():
        response = client.post(url, data)
        transaction.set_rollback(True)
    return response


def test_every_post_without_a_token_is_refused(csrf_client, world):
    served = dict(url_patterns())
    urls = [url_for(row, world) for n, row in parse(GET_ROWS).items() if n in served]
    urls += allauth_urls()
    # Plausible data, so that a missing check would show as a change, not a 400.
    data = {"message": "Hello", "reason": "Because", "action": "accept"}
    let_through = []
    for role in ROLES:
        sign_in_as(csrf_client, world, role)
        for url in urls:
            response = post_without_token(csrf_client, url, data)
            if not refused(response):
                let_through.append(f"POST {url} as {role}: {response.status_code}")
    assert not let_through, "Accepted without a CSRF token:\n" + "\n".join(let_through)


def test_a_post_with_the_token_gets_through(csrf_client, alice):
    # The negative control: the sweep above would pass if every POST failed.
    csrf_client.force_login(alice.user)
    page = csrf_client.get("/contact/")
    token = page.cookies["csrftoken"].value
    response = csrf_client.post(
        "/contact/",
        {"topic": "general", "message": "Hello", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


def test_an_api_call_with_the_token_gets_through(csrf_client, world):
    csrf_client.force_login(world.candidate.user)
    token = csrf_client.get("/contact/").cookies["csrftoken"].value
    url = f"/api/requests/{world.request.pk}/withdraw"
    refused_call = csrf_client.post(url)
    assert refused_call.status_code == 403 and refused(refused_call)
    response = csrf_client.post(url, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    world.request.refresh_from_db()
    assert world.request.status == "withdrawn"


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms = []  # [method, action, has_token]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                [(attrs.get("method") or "get").lower(), attrs.get("action"), False]
            )
        elif (
            tag == "input"
            and self.forms
            and attrs.get("name") == "csrfmiddlewaretoken"
            and attrs.get("value")
        ):
            self.forms[-1][2] = True


def test_every_post_form_we_render_carries_a_token(client, world):
    served = dict(url_patterns())
    rows = [row for n, row in parse(GET_ROWS).items() if n in served]
    missing, seen = [], 0
    for role in ROLES:
        sign_in_as(client, world, role)
        pages = [url_for(row, world) for row in rows if row.outcomes[role] == "200"]
        if role == "anonymous":
            pages += [
                "/accounts/login/",
                "/accounts/signup/",
                "/accounts/password/reset/",
            ]
        for url in pages:
            response = client.get(url)
            if not response["Content-Type"].startswith("text/html"):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for method, action, has_token in parser.forms:
                if method == "post":
                    seen += 1
                    if not has_token:
                        missing.append(f"{url} as {role}: form to {action or url}")
    assert seen > 40, "the sweep found too few forms to mean anything"
    assert not missing, "POST forms without a CSRF token:\n" + "\n".join(missing)
