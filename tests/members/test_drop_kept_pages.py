"""The retired page cache leaves nothing behind in a database that had it."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from mentorscheme.members.models import Member, Region
from tests import factories as f

drop = importlib.import_module("mentorscheme.members.migrations.0004_drop_kept_pages")

WATCHED = ("members_member", "mentors_mentorprofile")


def install_old_page_cache():
    """What the pagecache app's migration and its post-migrate triggers made."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE pagecache_datastamp (id integer PRIMARY KEY, stamp bigint)"
        )
        cursor.execute(
            "CREATE TABLE pagecache_keptpage (key varchar(64) PRIMARY KEY, body text)"
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION pagecache_touch() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN INSERT INTO pagecache_datastamp (id, stamp) VALUES "
                "(1, floor(random() * 9e18)::bigint) ON CONFLICT (id) DO UPDATE "
                "SET stamp = EXCLUDED.stamp; RETURN NULL; END $$"
            )
            for table in WATCHED:
                cursor.execute(
                    f"CREATE CONSTRAINT TRIGGER pagecache_touch AFTER INSERT OR "
                    f"UPDATE OR DELETE ON {table} DEFERRABLE INITIALLY IMMEDIATE "
                    f"FOR EACH ROW EXECUTE FUNCTION pagecache_touch()"
                )
                cursor.execute(
                    f"CREATE TRIGGER pagecache_touch_truncate AFTER TRUNCATE ON "
                    f"{table} FOR EACH STATEMENT EXECUTE FUNCTION pagecache_touch()"
                )
        else:
            for table in WATCHED:
                for event in ("insert", "update", "delete"):
                    body = (
                        "INSERT INTO pagecache_datastamp (id, stamp) VALUES "
                        "(1, random()) ON CONFLICT(id) DO UPDATE SET stamp = "
                        "excluded.stamp;"
                    )
                    cursor.execute(
                        f'CREATE TRIGGER "pagecache_touch_{event}_{table}" AFTER '
                        f"{event.upper()} ON {table} BEGIN {body} END"
                    )
    MigrationRecorder.Migration.objects.create(app="pagecache", name="0001_initial")
    ContentType.objects.create(app_label="pagecache", model="keptpage")


def triggers() -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'pagecache%%'"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'pagecache%%'"
            )
        return [row[0] for row in cursor.fetchall()]


def test_an_existing_database_loses_the_triggers_tables_and_records():
    # What the migration runs, on a database that had the app. (Migrating back to
    # before it and forward again ran every app's migrations twice: seconds of
    # the suite for what this shows directly.)
    install_old_page_cache()
    # The old triggers are live.
    Region.objects.filter(code="london").update(name="London")
    assert triggers()
    drop.drop_kept_pages(apps, SimpleNamespace(connection=connection))
    assert triggers() == []
    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith("pagecache")]
    assert not MigrationRecorder.Migration.objects.filter(app="pagecache").exists()
    assert not ContentType.objects.filter(app_label="pagecache").exists()
    # Writes to the tables that were watched work without the stamp table.
    member = f.MemberFactory()
    Member.objects.filter(pk=member.pk).update(job_title="Archivist")
    member.delete()


def test_the_migration_runs_the_drop():
    operations = [op for op in drop.Migration.operations if hasattr(op, "code")]
    assert [op.code for op in operations] == [drop.drop_kept_pages]


def test_a_database_that_never_had_it_is_left_alone():
    tables = set(connection.introspection.table_names())
    editor = SimpleNamespace(connection=connection)
    drop.drop_kept_pages(apps, editor)
    drop.drop_kept_pages(apps, editor)  # and twice is fine
    assert set(connection.introspection.table_names()) == tables


@pytest.mark.postgres
def test_on_postgresql_the_trigger_function_goes_too():
    install_old_page_cache()
    drop.drop_kept_pages(apps, SimpleNamespace(connection=connection))
    assert triggers() == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_proc WHERE proname = 'pagecache_touch'")
        assert cursor.fetchone()[0] == 0
