"""Errors as problem details (RFC 9457), one shape for every refusal the API makes.

A refusal by one of the scheme's rules carries the rule codes (codes) and the
words a candidate reads (reasons), as scheme.eligibility gives them.
"""

import logging
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.urls import reverse
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from pydantic import Field

from mentorscheme import locking
from mentorscheme.api.services import RegisterError
from mentorscheme.mentoring.services import RuleRefusal
from mentorscheme.scheme import eligibility

logger = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"

#: Each kind of problem: its status, title, and what it means (for /api/problems/).
PROBLEM_TYPES: dict[str, tuple[int, str, str]] = {
    "bad-request": (400, "Bad request", "The request could not be read."),
    "unauthenticated": (
        401,
        "Authentication needed",
        "Send an integration token as Authorization: Bearer …, or sign in to the "
        "site. A revoked or mistyped token is refused.",
    ),
    "forbidden": (
        403,
        "Not allowed",
        "You are signed in, but this is not open to you: the token lacks the scope, "
        "or your role does not allow it.",
    ),
    "csrf": (
        403,
        "CSRF check failed",
        "A signed-in browser session must send the CSRF token (X-CSRFToken header) "
        "with every change.",
    ),
    "not-found": (
        404,
        "Not found",
        "There is no such thing, or it is not visible to you.",
    ),
    "method-not-allowed": (
        405,
        "Method not allowed",
        "This address does not answer that HTTP method; the Allow header lists the "
        "methods it does.",
    ),
    "refused": (
        409,
        "Refused",
        "The request is valid but cannot be done as things stand; the detail says why.",
    ),
    "rule-refused": (
        409,
        "Refused by the scheme's rules",
        "One or more of the scheme's hard rules forbid this. codes lists the "
        "rules and reasons says what each means.",
    ),
    "invalid": (
        422,
        "Invalid data",
        "Some of the data sent is missing or not valid; errors or reasons say which.",
    ),
    "rate-limited": (
        429,
        "Too many requests",
        "Slow down: wait the number of seconds in the Retry-After header.",
    ),
    "server-error": (500, "Something went wrong", "An error on our side."),
    "busy": (
        503,
        "Busy: try again",
        "Someone else was changing the same thing at that moment, so nothing was "
        "changed. Send the request again after the seconds in Retry-After.",
    ),
}


class FieldError(Schema):
    loc: list[str | int]
    msg: str


class Problem(Schema):
    type: str = Field(description="A URI naming the kind of problem.")
    title: str
    status: int
    detail: str
    codes: list[str] = Field(
        default_factory=list, description="Rule codes, for a rule refusal."
    )
    reasons: list[str] = Field(
        default_factory=list, description="Plain-English reasons, one per problem."
    )
    errors: list[FieldError] = Field(
        default_factory=list, description="Invalid fields, for invalid data."
    )


class ApiProblem(Exception):
    def __init__(
        self,
        kind: str,
        detail: str = "",
        *,
        status: int | None = None,
        codes=(),
        reasons=(),
        errors=(),
        headers: dict | None = None,
    ):
        self.kind, self.codes, self.reasons = kind, list(codes), list(reasons)
        self.errors, self.headers = list(errors), headers or {}
        self.status = status or PROBLEM_TYPES[kind][0]
        self.detail = detail or PROBLEM_TYPES[kind][2]
        super().__init__(self.detail)


def response_for(request, problem: ApiProblem) -> HttpResponse:
    _, title, _ = PROBLEM_TYPES[problem.kind]
    body = Problem(
        type=request.build_absolute_uri(reverse("api_problems")) + f"#{problem.kind}",
        title=title,
        status=problem.status,
        detail=problem.detail,
        codes=problem.codes,
        reasons=problem.reasons,
        errors=problem.errors,
    )
    response = HttpResponse(
        body.model_dump_json(), status=problem.status, content_type=MEDIA_TYPE
    )
    for name, value in problem.headers.items():
        response[name] = value
    return response


def _field_errors(errors) -> list[dict]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in errors
    ]


def refusal(error: Exception) -> ApiProblem:
    """A service's refusal as a problem; the scheme's rules keep their codes."""
    detail = str(error)
    if isinstance(error, RuleRefusal):
        return ApiProblem(
            "rule-refused", detail, codes=error.codes, reasons=error.reasons
        )
    codes = [code for code, reason in eligibility.RULES.items() if reason in detail]
    if codes:
        return ApiProblem(
            "rule-refused",
            detail,
            codes=codes,
            reasons=[eligibility.RULES[code] for code in codes],
        )
    return ApiProblem("refused", detail, reasons=[detail])


def _problem_for(exc: Exception) -> ApiProblem:
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, ValidationError):
        return ApiProblem("invalid", errors=_field_errors(exc.errors))
    if isinstance(exc, RegisterError):
        kind = {404: "not-found", 409: "refused"}.get(exc.status, "invalid")
        return ApiProblem(kind, str(exc), reasons=exc.reasons)
    if isinstance(exc, AuthenticationError):
        return ApiProblem("unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, Throttled):
        return ApiProblem("rate-limited")
    if isinstance(exc, Http404):
        return ApiProblem("not-found")
    if isinstance(exc, PermissionDenied):
        return ApiProblem("forbidden")
    if locking.is_lock_timeout(exc):
        return ApiProblem("busy", locking.TRY_AGAIN, headers={"Retry-After": "5"})
    if isinstance(exc, HttpError):
        kind = {400: "bad-request", 403: "forbidden", 404: "not-found"}.get(
            exc.status_code, "bad-request"
        )
        return ApiProblem(kind, str(exc), status=exc.status_code)
    logger.exception("API error", exc_info=exc)
    return ApiProblem("server-error")


def install(api) -> None:
    """Every exception the API meets becomes a problem-details response."""

    def handle(request, exc):
        return response_for(request, _problem_for(exc))

    # Ninja looks a handler up by the exception's class, so its own defaults for
    # these classes must be replaced one by one.
    for exc_class in (Exception, Http404, HttpError, ValidationError):
        api.add_exception_handler(exc_class, handle)


def error_responses(*statuses: int) -> dict:
    """Response declarations for the OpenAPI schema."""
    return dict.fromkeys(statuses, Problem)


def wrong_method_as_problem(view):
    """Wrap one of the API's views so that a wrong HTTP method gets a problem detail
    (django-ninja answers it with a plain-text 405), keeping the Allow header."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code != 405 or MEDIA_TYPE in response.get(
            "Content-Type", ""
        ):
            return response
        return response_for(
            request,
            ApiProblem("method-not-allowed", headers={"Allow": response["Allow"]}),
        )

    return wrapper
