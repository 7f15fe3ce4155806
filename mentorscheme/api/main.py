"""The JSON API: its routes, authentication, rate limit and problem details."""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from mentorscheme.api import problems
from mentorscheme.api.auth import SessionAuth, TokenAuth
from mentorscheme.api.routes import directory, me, members, mentoring, training
from mentorscheme.api.throttling import PrincipalRateThrottle

#: Responses any operation may give, besides those it declares itself.
COMMON_ERRORS = ("400", "401", "403", "422", "429")

DESCRIPTION = """
The Mentor Scheme API, for the membership database and for members' own tools.

**Authentication.** An integration token made by the registration team, sent as
`Authorization: Bearer ms_…`, with scopes (`members:write`, `directory:read`,
`read`); or the site's own sign-in, acting as that member, with a CSRF token
(`X-CSRFToken`) on every change.

**Errors** are problem details (RFC 9457, `application/problem+json`). A refusal by
one of the scheme's rules has `type` ending `#rule-refused`, with the rule `codes`
and their plain-English `reasons`.

**Lists** take `limit` (at most 100) and `offset`, and give `count`.

**Rate limit:** per token or per person; over it, 429 with `Retry-After`.
"""


class MentorSchemeAPI(NinjaAPI):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._built_schemas = {}

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema, built once per process: the routes are fixed once this module
        is imported, and building it walks every operation and model (about half a
        second). Callers share it: they serialise it and must not change it."""
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        if path_prefix not in self._built_schemas:
            schema = super().get_openapi_schema(path_prefix=path_prefix)
            _problem_details_everywhere(schema)
            self._built_schemas[path_prefix] = schema
        return self._built_schemas[path_prefix]


def _problem_details_everywhere(schema: dict) -> None:
    """Every error is declared, as application/problem+json."""
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            for status in COMMON_ERRORS:
                responses.setdefault(status, {"description": "A problem"})
            for status, response in responses.items():
                if int(status) >= 400:
                    response["content"] = {problems.MEDIA_TYPE: problem}
            responses["429"]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait.",
                    "schema": {"type": "integer"},
                }
            }


api = MentorSchemeAPI(
    title="Mentor Scheme API",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), SessionAuth()],
    throttle=[PrincipalRateThrottle()],
    docs=Swagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)
problems.install(api)
for module in (me, members, directory, mentoring, training):
    api.add_router("", module.router)
