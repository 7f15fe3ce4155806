"""Database sessions, read with one hand-written query.

Every signed-in request reads its session; Django's ORM spends longer building that
query than the database spends answering it. The text read is kept on the store, for
kept pages to be tied to the session as it was. Writing, expiry and clearing are
Django's own.
"""

from types import SimpleNamespace

from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone


class SessionStore(db.SessionStore):
    #: The session exactly as stored when it was read (None before a read, or when
    #: there was none): kept pages are tied to it (see mentorscheme.pagecache).
    loaded_text = None

    def _get_session_from_db(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT session_data FROM django_session "
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, timezone.now()],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        self.loaded_text = row[0]
        return SimpleNamespace(session_data=row[0])
