"""The ``reusable_page`` view decorator and the data stamp it checks.

A page is reused only when every one of these holds, so that it is exactly the page
the view would render now:

* the same session, CSRF cookie, address (with its query) and day;
* the data stamp is unchanged since it was rendered (no write to the scheme's data);
* it was an ordinary 200 answer to a GET that made no new CSRF cookie, set no other,
  changed nothing in the session and showed no one-off messages, and the view did
  not call ``not_reusable``.

Access rules are applied when the page is first rendered: they depend only on the data
(and the day), so an unchanged stamp means they would give the same answer.
"""

import datetime
import hashlib
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse

from mentorscheme.members import access

CACHE_ALIAS = "pages"


def current_stamp(request=None) -> int:
    """The data stamp now (read once per request when a request is given)."""
    if request is not None and hasattr(request, "_data_stamp"):
        return request._data_stamp
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM pagecache_datastamp WHERE id = 1")
        row = cursor.fetchone()
    stamp = row[0] if row else 0
    if request is not None:
        request._data_stamp = stamp
    return stamp


def not_reusable(request) -> None:
    """Render this page afresh next time too (it used something older than the stamp)."""
    request._page_not_reusable = True


def _key(request) -> str:
    parts = (
        request.session.session_key,
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        request.get_full_path(),
        datetime.date.today().isoformat(),
    )
    return "page:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _may_reuse(request) -> bool:
    return (
        request.method == "GET"
        and request.user.is_authenticated
        and request.session.session_key is not None
        and not len(get_messages(request))
    )


def _may_store(request, response) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        # A form's token is for the CSRF cookie the browser already holds:
        and request.META.get("CSRF_COOKIE")
        == request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        and not request.session.modified
        and not getattr(request, "_page_not_reusable", False)
    )


def reusable_page(view):
    """Serve the page rendered last time for this session while the data is unchanged."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _may_reuse(request):
            return view(request, *args, **kwargs)
        cache = caches[CACHE_ALIAS]
        key = _key(request)
        stamp = current_stamp(request)  # before the view reads anything
        kept = cache.get(key)
        if kept is not None and kept[0] == stamp:
            return HttpResponse(kept[2], content_type=kept[1])
        # Roles were read before the stamp: read them again so nothing older is kept.
        access.forget_roles(request.user)
        response = view(request, *args, **kwargs)
        if _may_store(request, response):
            cache.set(key, (stamp, response["Content-Type"], response.content))
        return response

    return wrapper


def forget_all() -> None:
    """Drop every kept page (after erasing someone's data, say)."""
    caches[CACHE_ALIAS].clear()
