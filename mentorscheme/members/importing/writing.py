"""Bulk writes of rows of values, a batch a statement."""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import CharField, ForeignKey

from mentorscheme.members.importing.rows import batches
from mentorscheme.members.models import Member

# New rows go in with Django's bulk_create. Changed rows do not go through
# bulk_update: its CASE expressions grow with the batch and every field, and
# bench/bench_import.py measured it at 17 to 18 CPU seconds (both databases) for
# 10,000 changed members of a 100,000-member file, against under 4 for the plain
# statements below: on PostgreSQL one UPDATE per batch with a column of values per
# parameter (the UNNEST form Django itself uses for bulk_create there), elsewhere
# one statement run for each row (executemany). Only names quoted from the model go
# into the SQL text.


def _column(model_field, values: Iterable) -> list:
    """Values as the database takes them. Text and keys go as they are."""
    if isinstance(model_field, CharField | ForeignKey):
        return list(values)
    return [model_field.get_db_prep_save(value, connection) for value in values]


def bulk_insert(model, field_names: Sequence[str], rows: list[tuple]) -> None:
    """Create a model instance from each row of values, in the order of
    ``field_names`` (a key by its field's name); the other fields get their
    defaults."""
    if not rows:
        return
    names = [model._meta.get_field(name).attname for name in field_names]
    model.objects.bulk_create(
        [model(**dict(zip(names, row, strict=True))) for row in rows],
        batch_size=len(rows),
    )


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
