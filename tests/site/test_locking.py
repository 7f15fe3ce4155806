"""Rows are locked one way everywhere: in key order, and only inside a transaction.
(The bounded wait, on PostgreSQL: tests/site/test_lock_timeouts.py.)"""

from pathlib import Path

import pytest
from django.db import transaction

from mentorscheme import locking
from mentorscheme.members.models import Region


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_locking_outside_a_transaction_is_refused():
    with pytest.raises(transaction.TransactionManagementError, match="transaction"):
        locking.lock_rows(Region, [1])
    with pytest.raises(transaction.TransactionManagementError):
        locking.lock_row(Region, 1)
    with pytest.raises(transaction.TransactionManagementError):
        locking.lock_row_unless_held(Region, 1)


def test_rows_come_back_in_key_order_whatever_order_they_were_asked_in():
    keys = list(Region.objects.values_list("pk", flat=True))
    assert len(keys) > 3
    with transaction.atomic():
        locked = locking.lock_rows(Region, [*reversed(keys), keys[0]])
    assert [r.pk for r in locked] == sorted(keys)


def test_a_large_batch_is_locked_in_slices_and_all_of_it_comes_back(monkeypatch):
    monkeypatch.setattr(locking, "LOCK_SLICE", 2)
    keys = sorted(Region.objects.values_list("pk", flat=True))
    with transaction.atomic():
        assert [r.pk for r in locking.lock_rows(Region, keys)] == keys


def test_a_missing_row_is_does_not_exist_and_lock_first_finds_none():
    with transaction.atomic():
        with pytest.raises(Region.DoesNotExist):
            locking.lock_row(Region, 0)
        assert locking.lock_first(Region.objects.filter(pk=0)) is None
        with pytest.raises(Region.DoesNotExist):
            locking.lock_row_unless_held(Region, 0)


def test_a_row_nobody_holds_is_locked_without_waiting():
    region = Region.objects.first()
    with transaction.atomic():
        assert locking.lock_row_unless_held(Region, region.pk) == region


def test_rows_are_locked_only_through_the_lock_helper():
    """A select_for_update written by hand would skip the key order, the time limit
    and the check for a transaction."""
    package = Path(locking.__file__).parent
    by_hand = [
        f"{path.relative_to(package.parent)}:{number}"
        for path in package.rglob("*.py")
        if path != Path(locking.__file__)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "select_for_update(" in line
    ]
    assert not by_hand, "Lock rows with mentorscheme.locking instead: " + ", ".join(
        by_hand
    )
