"""Bulk writes of rows of values, a batch a statement."""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import CharField, ForeignKey
from django.utils import timezone

from mentorscheme.members.importing.rows import batches
from mentorscheme.members.models import Member

# Changed rows do not go through bulk_update either: its CASE expressions grow
# with the batch and every field, and bench/bench_import.py measured it at 17 to
# 18 CPU seconds (both databases) for 10,000 changed members of a 100,000-member
# file, against under 4 for the plain statements below: on PostgreSQL one UPDATE
# per batch with a column of values per parameter (the UNNEST form Django itself
# uses for bulk_create there), elsewhere one statement run for each row
# (executemany). Only names quoted from the model go into the SQL text.


def _column(model_field, values: Iterable) -> list:
    """Values as the database takes them. Text and keys go as they are."""
    if isinstance(model_field, CharField | ForeignKey):
        return list(values)
    return [model_field.get_db_prep_save(value, connection) for value in values]


def bulk_insert(
    model, field_names: Sequence[str], rows: list[tuple]
) -> list[int] | None:
    """Insert a row for each tuple of values, in the order of ``field_names`` (a key
    by its field's name); the other columns get their fields' defaults, worked out
    once for the batch (a creation time is the same for all its rows). Returns the
    new rows' ids in order where the database gives them at no cost (PostgreSQL),
    else None.

    Not through bulk_create: building a model instance for each row and preparing
    each of its values through the query compiler took three quarters of a first
    import (bench/bench_import.py, 100,000 members: 16 of 23 CPU seconds on SQLite,
    12 of 19 on PostgreSQL, where the server's time came on top). PostgreSQL takes
    the rows by COPY, with ids drawn from the table's sequence first (COPY returns
    nothing); other databases by one INSERT run for each row (executemany).
    """
    if not rows:
        return []
    meta = model._meta
    given = [meta.get_field(name) for name in field_names]
    named = {f.attname for f in given}
    rest = [
        f for f in meta.concrete_fields if not f.primary_key and f.attname not in named
    ]
    defaults = [f.get_db_prep_save(_default(f), connection) for f in rest]
    values = zip(*rows, strict=True)
    columns = [_column(f, column) for f, column in zip(given, values, strict=True)]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = [quote(f.column) for f in [*given, *rest]]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",  # noqa: S608
                [(*row, *defaults) for row in zip(*columns, strict=True)],
            )
            return None
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        names.insert(0, quote(meta.pk.column))
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for pk, *row in zip(ids, *columns, strict=True):
                copy.write_row((pk, *row, *defaults))
    return ids


def _default(model_field):
    """What a new row holds in a column the import does not give: as Django would
    give it (a text field without a default, say, holds "")."""
    if getattr(model_field, "auto_now", False) or getattr(
        model_field, "auto_now_add", False
    ):
        return timezone.now()
    return model_field.get_default()


def bulk_update(model, field_names: Sequence[str], rows: list[tuple]) -> None:
    """Set ``field_names`` from rows of ``(pk, value, ...)``."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    pks, *values = zip(*rows, strict=True)
    columns = [_column(f, column) for f, column in zip(fields, values, strict=True)]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [f.db_type(connection) for f in fields]
            arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
            names = [f"v{i}" for i in range(len(fields))]
            assignments = ", ".join(
                f"{quote(f.column)} = new.{name}"
                for f, name in zip(fields, names, strict=True)
            )
            cursor.execute(
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM UNNEST(%s::{meta.pk.rel_db_type(connection)}[], {arrays}) "
                f"AS new(pk, {', '.join(names)}) WHERE {table}.{pk} = new.pk",
                [list(pks), *columns],
            )
        else:
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                list(zip(*columns, pks, strict=True)),
            )


def member_pks(numbers: list[str]) -> Iterable[tuple[str, int]]:
    # SQLite before 3.32 takes at most 999 parameters a statement.
    for _, chunk in batches(numbers, 900):
        members = Member.objects.filter(membership_number__in=chunk)
        yield from members.values_list("membership_number", "pk")
