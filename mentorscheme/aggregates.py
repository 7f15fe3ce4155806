"""Aggregates the ORM lacks on both of the project's databases."""

from django.db.models import Aggregate, OuterRef, Subquery, TextField


class JoinedIds(Aggregate):
    """The ids of a group, joined into one text ("3,17,42"), on PostgreSQL and
    SQLite alike (Django's own ``StringAgg`` is PostgreSQL's only)."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="GROUP_CONCAT",
            template="%(function)s(%(expressions)s, ',')",
            **extra_context,
        )


def ids_of(rows, owner: str, column: str) -> Subquery:
    """A subquery: the ``column`` ids of those ``rows`` whose ``owner`` is the outer
    row (its ``pk``), joined by ``JoinedIds``; NULL when there are none. A row's few
    links read in its own query, instead of a query of their own."""
    return Subquery(
        rows.filter(**{owner: OuterRef("pk")})
        .order_by()
        .values(owner)
        .annotate(ids=JoinedIds(column))
        .values("ids"),
        output_field=TextField(),
    )


def split_ids(joined: str | None) -> frozenset[int]:
    """The ids ``JoinedIds`` joined."""
    return frozenset(int(i) for i in joined.split(",")) if joined else frozenset()
