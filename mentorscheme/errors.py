"""Error pages people can act on.

Django renders ``403.html``, ``404.html`` and ``500.html`` itself when DEBUG is off. The
demo runs with DEBUG on, where a missing page would show Django's technical page to
visitors; ``FriendlyNotFoundMiddleware`` puts the site's own page in its place, except
for the API, whose errors are problem details.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

from mentorscheme import locking


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.DEBUG
            and getattr(settings, "FRIENDLY_ERRORS_IN_DEBUG", True)
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith("/api/")
        ):
            return defaults.page_not_found(request, Http404())
        return response


class BusyMiddleware:
    """A lock that could not be had in time (``locking.RowsBusy``) is "try again".

    The transaction was rolled back, so nothing changed: the person is told so and
    sent back where they came from, with 503 and Retry-After for anything automated.
    """

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not locking.is_lock_timeout(exception):
            return None
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = ""
        response = render(
            request,
            "busy.html",
            {"message": locking.TRY_AGAIN, "back": back},
            status=503,
        )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
