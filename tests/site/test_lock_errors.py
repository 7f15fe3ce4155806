"""A deadlock PostgreSQL broke, like a lock wait that timed out, rolled the
transaction back: the person is asked to try again, not shown an error page."""

from django.db import OperationalError

from mentorscheme import locking


class _DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__(f"error {sqlstate}")
        self.sqlstate = sqlstate


def _operational(sqlstate):
    error = OperationalError(f"error {sqlstate}")
    error.__cause__ = _DriverError(sqlstate)
    return error


def test_a_deadlock_counts_as_busy_like_a_lock_timeout():
    assert locking.is_lock_timeout(_operational("40P01"))
    assert locking.is_lock_timeout(_operational("55P03"))


def test_other_database_errors_are_not_busy():
    assert not locking.is_lock_timeout(_operational("53300"))  # too many connections
