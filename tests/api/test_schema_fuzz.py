"""Schemathesis against the OpenAPI schema, in the normal test run.

Every operation is fuzzed (positive and negative data) for an integration token and
for each role signed in to the site; no response may be a server error, and every
response must match the schema: its status, content type, headers and body. Kept
small (a few examples per operation) so it stays quick: 5 for the token and the
candidate, 2 for each other role, new ones every run. With CI set the examples are
derandomized (the same every run), so CI tries 10 and 4. FUZZ_EXAMPLES sets the
number for the token and the candidate (the other roles get two fifths of it), e.g.
FUZZ_EXAMPLES=200 for a deep search.
"""

import datetime
import functools
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mentorscheme.api import services
from mentorscheme.mentoring.models import MentoringRequest
from mentorscheme.training.models import TrainingEvent
from tests import factories as f
from tests import personas
from tests.personas import login

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
CONFIG = SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}}}
)


# Reading the schema touches no database, so it is loaded once, at collection.
schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the test's connection
    (which holds the test's transaction) when it finishes."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """A little of everything, so ids in paths sometimes find something.

    Built once for this module's tests (a hundred and forty of them), in a transaction
    rolled back after the last: each test's own changes are rolled back at its end.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield _seed()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_RATE_LIMIT = "100000/m"


def _seed() -> dict:
    alice, bob, dora, olivia = (
        personas.alice(),
        personas.bob(),
        personas.dora(),
        personas.olivia(),
    )
    start = timezone.now() + datetime.timedelta(days=7)
    TrainingEvent.objects.create(
        kind="workshop",
        title="Workshop",
        region=f.region("london"),
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=3,
    )
    MentoringRequest.objects.create(
        enrolment=alice.enrolments.get(),
        mentor=dora.mentor_profile,
        message="Hello",
    )
    return {
        "candidate": alice,
        "mentor": bob,
        "officer": olivia,
        "staff": personas.with_totp(personas.sam()),
    }


@pytest.fixture
def caller(seeded, client):
    """Headers and cookies that make a request as this kind of caller: signed in (or
    a token made) once per test, not once per example."""
    return functools.cache(lambda who: _credentials(who, seeded, client))


def _credentials(who, seeded, client):
    if who == "token":
        _, plain = services.token_create(
            name="Fuzz",
            scopes=["members:write", "directory:read", "read"],
            created_by=None,
        )
        return {"headers": {"Authorization": f"Bearer {plain}"}, "cookies": {}}
    person = seeded[who]
    login(client, person)
    csrf = get_random_string(32)
    return {
        "headers": {"X-CSRFToken": csrf},
        "cookies": {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf},
    }


def _fuzz(case, credentials):
    case.call_and_validate(
        headers=credentials["headers"], cookies=credentials["cookies"], checks=CHECKS
    )


CI = bool(os.environ.get("CI"))
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10" if CI else "5"))
FUZZ = {
    "deadline": None,
    "database": None,
    # CI checks the same examples every run; elsewhere each run explores new ones.
    "derandomize": CI,
    "suppress_health_check": list(HealthCheck),
}


@pytest.mark.parametrize("who", ["token", "candidate"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, **FUZZ)
def test_every_response_matches_the_schema(case, caller, who):
    _fuzz(case, caller(who))


@pytest.mark.parametrize("who", ["mentor", "officer", "staff"])
@schema.parametrize()
@settings(max_examples=max(1, EXAMPLES * 2 // 5), **FUZZ)
def test_every_response_matches_the_schema_for_other_roles(case, caller, who):
    _fuzz(case, caller(who))
