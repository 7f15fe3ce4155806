"""Error pages people can act on.

Django renders ``403.html``, ``404.html`` and ``500.html`` itself when DEBUG is off. The
demo runs with DEBUG on, where a missing page would show Django's technical page to
visitors; ``FriendlyNotFoundMiddleware`` puts the site's own page in its place, except
for the API, whose errors are problem details.
"""

from django.conf import settings
from django.http import Http404
from django.views import defaults


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
