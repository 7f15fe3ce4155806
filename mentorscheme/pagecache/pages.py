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
import random
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone

from mentorscheme.members import access


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
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


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


# A kept page and the current stamp in one query: this is the whole cost of a reuse.
_KEPT_SQL = """
SELECT content_type, body FROM pagecache_keptpage
WHERE "key" = %s AND expires > %s AND stamp =
  COALESCE((SELECT stamp FROM pagecache_datastamp WHERE id = 1), 0)
"""

_KEEP_SQL = """
INSERT INTO pagecache_keptpage ("key", stamp, content_type, body, expires)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT ("key") DO UPDATE SET stamp = excluded.stamp,
  content_type = excluded.content_type, body = excluded.body,
  expires = excluded.expires
"""

#: One store in this many also deletes the pages past their time.
_SWEEP_EVERY = 200


def _kept(key: str):
    with connection.cursor() as cursor:
        cursor.execute(_KEPT_SQL, [key, timezone.now()])
        return cursor.fetchone()


def _keep(key: str, stamp: int, content_type: str, body: bytes) -> None:
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=settings.PAGE_KEEP_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(_KEEP_SQL, [key, stamp, content_type, body, expires])
        if random.randrange(_SWEEP_EVERY) == 0:  # noqa: S311 - not for security
            cursor.execute("DELETE FROM pagecache_keptpage WHERE expires <= %s", [now])


def reusable_page(view):
    """Serve the page rendered last time for this session while the data is unchanged."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _may_reuse(request):
            return view(request, *args, **kwargs)
        key = _key(request)
        kept = _kept(key)
        if kept is not None:
            return HttpResponse(bytes(kept[1]), content_type=kept[0])
        stamp = current_stamp(request)  # before the view reads anything
        # Roles were read before the stamp: read them again so nothing older is kept.
        access.forget_roles(request.user)
        response = view(request, *args, **kwargs)
        if _may_store(request, response):
            _keep(key, stamp, response["Content-Type"], response.content)
        return response

    return wrapper


def forget_all() -> int:
    """Drop every kept page (when erasing someone's data, say); how many there were."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pagecache_keptpage")
        return cursor.rowcount
