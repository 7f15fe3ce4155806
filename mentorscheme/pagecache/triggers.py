"""Database triggers that replace the data stamp on every write to the scheme's tables.

Installed after every ``migrate`` (and so on every new database), for the tables of
every model of the project's own apps, apart from those no cached page shows.

On PostgreSQL the trigger is a deferred constraint trigger: it runs when the writing
transaction commits, once per transaction (once per statement where it is set
IMMEDIATE, as the tests do inside their never-committed transaction), so the stamp
row is locked only for the instant of the commit and no lock order between the stamp
and the rows a service locks can deadlock. On SQLite, where one writer holds the whole database, a plain
row trigger does.
"""

from django.apps import apps
from django.db import connections

TRIGGER = "pagecache_touch"
STAMP_TABLE = "pagecache_datastamp"

#: Tables no cached page reads, and that change often on their own.
UNWATCHED = frozenset(
    {
        STAMP_TABLE,
        "pagecache_keptpage",
        "notifications_outboxmessage",  # every email sent
        "api_integrationtoken",  # every API call notes when the token was used
    }
)

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION pagecache_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('pagecache.touched', true)
     IS DISTINCT FROM statement_timestamp()::text THEN
    PERFORM set_config('pagecache.touched', statement_timestamp()::text, true);
    INSERT INTO pagecache_datastamp (id, stamp)
      VALUES (1, floor(random() * 9e18)::bigint)
      ON CONFLICT (id) DO UPDATE SET stamp = EXCLUDED.stamp;
  END IF;
  RETURN NULL;
END $$
"""

_SQLITE_BODY = (
    "INSERT INTO pagecache_datastamp (id, stamp) VALUES (1, random()) "
    "ON CONFLICT(id) DO UPDATE SET stamp = excluded.stamp;"
)


#: Other apps' tables a kept page depends on: two-factor devices decide whether a
#: page is shown at all, and an account's addresses may be shown on it.
ALSO_WATCHED = frozenset({"mfa_authenticator", "account_emailaddress"})


#: Columns that change on their own and no kept page shows: updating only these
#: leaves the stamp alone, so that a sign-in does not make every page stale.
UNWATCHED_COLUMNS: dict[str, frozenset[str]] = {
    "members_user": frozenset({"last_login"}),
    "mfa_authenticator": frozenset({"last_used_at"}),
}


def _update_event(connection, cursor, table: str) -> str:
    """``UPDATE``, or ``UPDATE OF`` the columns that count, for this table."""
    skip = UNWATCHED_COLUMNS.get(table)
    if not skip:
        return "UPDATE"
    columns = [
        connection.ops.quote_name(c.name)
        for c in connection.introspection.get_table_description(cursor, table)
        if c.name not in skip
    ]
    return "UPDATE OF " + ", ".join(columns)


def watched_tables() -> list[str]:
    tables = set(ALSO_WATCHED) | {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model.__module__.startswith("mentorscheme.")
        or model._meta.app_config.name.startswith("mentorscheme.")
    }
    return sorted(tables - UNWATCHED)


def install(connection) -> int:
    """Add the trigger to every watched table that lacks it; how many were added."""
    tables = watched_tables()
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        tables = [t for t in tables if t in existing]
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = %s",
                [TRIGGER],
            )
            have = {row[0] for row in cursor.fetchall()}
            missing = [t for t in tables if t not in have]
            if missing:
                cursor.execute(_PG_FUNCTION)
            for table in missing:
                quoted = connection.ops.quote_name(table)
                # Whatever half of the pair a failed earlier run left, start clean.
                cursor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}_truncate ON {quoted}")
                update = _update_event(connection, cursor, table)
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER {TRIGGER} "
                    f"AFTER INSERT OR {update} OR DELETE ON {quoted} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                    f"EXECUTE FUNCTION {TRIGGER}()"
                )
                cursor.execute(
                    f"CREATE TRIGGER {TRIGGER}_truncate AFTER TRUNCATE ON {quoted} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                )
            return len(missing)
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE %s",
                [f"{TRIGGER}_insert_%"],
            )
            have = {row[0] for row in cursor.fetchall()}
            missing = [t for t in tables if t not in have]
            for table in missing:
                quoted = connection.ops.quote_name(table)
                events = {
                    "insert": "INSERT",
                    "update": _update_event(connection, cursor, table),
                    "delete": "DELETE",
                }
                for name, event in events.items():
                    cursor.execute(
                        f'CREATE TRIGGER IF NOT EXISTS "{TRIGGER}_{name}_{table}" '
                        f"AFTER {event} ON {quoted} BEGIN {_SQLITE_BODY} END"
                    )
            return len(missing)
    raise NotImplementedError(f"no data-stamp triggers for {connection.vendor}")


def install_after_migrate(sender, using="default", **kwargs) -> None:
    install(connections[using])
