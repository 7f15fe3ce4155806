"""Kept pages: the ``reusable_page`` view decorator that keeps them, the middleware
that serves them, and the data stamp both check.

A kept page is served only when every one of these holds, so that it is exactly the
page the view would render now:

* the same session, CSRF cookie, address (with its query) and day;
* the session is still in the database, unexpired, and holds exactly what it held
  when the page was rendered (the same account, nothing added to it since);
* the data stamp is unchanged since it was rendered: no write to the scheme's data,
  which includes the account, its roles and its two-factor devices;
* it was an ordinary 200 answer to a GET that made no new CSRF cookie, set no other,
  changed nothing in the session and showed no one-off messages, and the view did
  not call ``not_reusable``.

The view's access rules and the sign-in checks (account active, password unchanged,
two-factor set up) were applied when the page was rendered; they depend only on the
session, the data and the day, so under those conditions they would answer the same.
One query decides all of it, so serving a kept page costs about as much as the
simplest page of the site.
"""

import datetime
import hashlib
import random
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import patch_vary_headers

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


def _session_text(request) -> str | None:
    """The session as stored when this request read it (see members.sessions)."""
    return getattr(request.session, "loaded_text", None)


def _may_keep(request) -> bool:
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
        and _session_text(request) is not None
        and not getattr(request, "_page_not_reusable", False)
    )


# The data stamp, and the kept page if the session, the stamp and the clock all still
# allow it (its columns are null otherwise).
_KEPT_SQL = """
SELECT d.stamp, p.content_type, p.body, s.session_data
FROM (SELECT COALESCE((SELECT stamp FROM pagecache_datastamp WHERE id = 1), 0)
      AS stamp) d
LEFT JOIN pagecache_keptpage p
  ON p."key" = %s AND p.expires > %s AND p.stamp = d.stamp
LEFT JOIN django_session s
  ON s.session_key = %s AND s.expire_date > %s AND s.session_data = p.session_data
"""

_KEEP_SQL = """
INSERT INTO pagecache_keptpage ("key", stamp, session_data, content_type, body, expires)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT ("key") DO UPDATE SET stamp = excluded.stamp,
  session_data = excluded.session_data, content_type = excluded.content_type,
  body = excluded.body, expires = excluded.expires
"""

#: One store in this many also deletes the pages past their time.
_SWEEP_EVERY = 200


def _keep(request, key: str, stamp: int, response) -> None:
    now = timezone.now()
    expires = now + datetime.timedelta(seconds=settings.PAGE_KEEP_SECONDS)
    row = [
        key,
        stamp,
        _session_text(request),
        response["Content-Type"],
        response.content,
        expires,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_KEEP_SQL, row)
        if random.randrange(_SWEEP_EVERY) == 0:  # noqa: S311 - not for security
            cursor.execute("DELETE FROM pagecache_keptpage WHERE expires <= %s", [now])


def reusable_page(view):
    """Keep the page this view renders, for ``KeptPageMiddleware`` to serve again."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _may_keep(request):
            return view(request, *args, **kwargs)
        if not hasattr(request, "_data_stamp"):
            # Read after the roles (the middleware did not ask): read them again
            # after the stamp, so that nothing older than it is kept.
            current_stamp(request)
            access.forget_roles(request.user)
        stamp = current_stamp(request)
        response = view(request, *args, **kwargs)
        if _may_store(request, response):
            _keep(request, _key(request), stamp, response)
        return response

    wrapper.reusable_page = True
    return wrapper


class KeptPageMiddleware:
    """Serve a kept page before the account, roles and view are read at all.

    Sits just inside the session middleware; everything outside it (security headers,
    content security policy, frame options, the session's renewal) applies as usual.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._may_serve(request):
            return self.get_response(request)
        stamp, content_type, body, session_text = self._kept(request)
        # Read before anything else: what the view reads is at least this fresh.
        request._data_stamp = stamp
        if session_text is None:
            return self.get_response(request)
        # The session as read by the query: no second read for its renewal.
        request.session._session_cache = request.session.decode(session_text)
        request.session.loaded_text = session_text
        response = HttpResponse(bytes(body), content_type=content_type)
        patch_vary_headers(response, ("Cookie",))
        return response

    @staticmethod
    def _may_serve(request) -> bool:
        if request.method != "GET" or request.session.session_key is None:
            return False
        if CookieStorage.cookie_name in request.COOKIES:
            return False  # one-off messages to show
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            return False
        return getattr(view, "reusable_page", False)

    @staticmethod
    def _kept(request):
        now = timezone.now()
        with connection.cursor() as cursor:
            cursor.execute(
                _KEPT_SQL, [_key(request), now, request.session.session_key, now]
            )
            return cursor.fetchone()


def forget_all() -> int:
    """Drop every kept page (when erasing someone's data, say); how many there were."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM pagecache_keptpage")
        return cursor.rowcount
