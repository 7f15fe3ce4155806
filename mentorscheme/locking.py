"""Row locks, taken one way everywhere.

Two transactions that lock the same rows in different orders can each wait for the
other for ever (a deadlock), so rows are always locked in key order. A lock wait is
bounded (``LOCK_TIMEOUT_MS``): past it, the transaction is rolled back with
``RowsBusy``, which the site and the API turn into "try again" rather than an error
page. Locks last until the transaction ends, so taking one outside a transaction
would lock nothing: that is refused.

Knows nothing of the scheme; any app may use it.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Model, QuerySet

#: Keys locked per query, so a large batch never sends one enormous IN list.
LOCK_SLICE = 1000

#: PostgreSQL's code for "could not obtain lock" (lock_timeout or NOWAIT).
LOCK_NOT_AVAILABLE = "55P03"
#: PostgreSQL's code for a deadlock it broke by rolling this transaction back.
DEADLOCK_DETECTED = "40P01"

TRY_AGAIN = (
    "Someone else was changing this at the same moment, so nothing was changed. "
    "Please try again."
)


class RowsBusy(Exception):
    """Rows stayed locked by another transaction for longer than the lock timeout."""

    def __init__(self, message: str = TRY_AGAIN):
        super().__init__(message)


def is_lock_timeout(error: BaseException) -> bool:
    """Whether ``error`` says a lock could not be had in time (on any database),
    or a deadlock was broken by rolling this transaction back: either way nothing
    was changed and trying again will do."""
    if isinstance(error, RowsBusy):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    # SQLite waits busy_timeout for the whole database, then says so.
    if code in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED):
        return True
    return "database is locked" in str(error)


def _queryset_to_lock(rows: type[Model] | QuerySet) -> QuerySet:
    """``rows`` as a queryset, once sure its locks would last: a lock taken outside
    a transaction is released at once."""
    queryset = rows._default_manager.all() if isinstance(rows, type) else rows
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise transaction.TransactionManagementError(
            "Rows can only be locked inside a transaction (transaction.atomic): "
            "a lock outside one is released at once."
        )
    return queryset


def _no_such_row(model: type[Model], field: str, key) -> Exception:
    return model.DoesNotExist(f"No {model._meta.verbose_name} with {field}={key}.")


def _bound_the_wait(using: str) -> None:
    conn = transaction.get_connection(using)
    if conn.vendor == "postgresql":
        timeout = int(settings.LOCK_TIMEOUT_MS)
        with conn.cursor() as cursor:
            # SET LOCAL takes no parameters; the value is an int from settings.
            cursor.execute(f"SET LOCAL lock_timeout = {timeout}")


def lock_rows(
    rows: type[Model] | QuerySet, keys: Iterable | None = None, *, field: str = "pk"
) -> list:
    """Lock the rows of ``rows`` whose ``field`` is in ``keys`` and return them.

    ``rows`` is a model or a queryset (which may filter, or ``select_related`` what
    the caller reads; only its own table is locked). With ``keys`` None, every row
    of the queryset is locked. Rows are locked, and returned, in ``field`` order.
    Raises ``TransactionManagementError`` outside a transaction and ``RowsBusy``
    when another transaction holds a row past the lock timeout.
    """
    queryset = _queryset_to_lock(rows)
    locking = queryset.select_for_update(of=("self",)).order_by(field)
    try:
        _bound_the_wait(queryset.db)
        if keys is None:
            return list(locking)
        ordered = sorted(set(keys))
        found = []
        for start in range(0, len(ordered), LOCK_SLICE):
            chunk = ordered[start : start + LOCK_SLICE]
            found.extend(locking.filter(**{f"{field}__in": chunk}))
        return found
    except OperationalError as error:
        if is_lock_timeout(error):
            raise RowsBusy() from error
        raise


def lock_row(rows: type[Model] | QuerySet, key, *, field: str = "pk"):
    """Lock one row (as ``lock_rows``) and return it; ``DoesNotExist`` if none."""
    found = lock_rows(rows, [key], field=field)
    if not found:
        raise _no_such_row(rows if isinstance(rows, type) else rows.model, field, key)
    return found[0]


def lock_row_unless_held(rows: type[Model] | QuerySet, key, *, field: str = "pk"):
    """Lock one row without waiting for it: the row, or None while another
    transaction holds it (for work that the holder is doing already, so waiting
    would only do it again after); ``DoesNotExist`` if there is none."""
    queryset = _queryset_to_lock(rows)
    row = (
        queryset.select_for_update(of=("self",), skip_locked=True)
        .filter(**{field: key})
        .first()
    )
    if row is not None:
        return row
    if queryset.filter(**{field: key}).exists():
        return None
    raise _no_such_row(queryset.model, field, key)


def lock_first(rows: QuerySet):
    """Lock every row of the queryset ``rows`` (as ``lock_rows``) and return the
    first by primary key, or None."""
    found = lock_rows(rows)
    return found[0] if found else None
