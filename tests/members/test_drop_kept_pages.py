"""The retired page cache leaves nothing behind in a database that had it."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrate_on_an_existing_database_drops_the_triggers_tables_and_records():
    # Back to before the drop (it undoes nothing), as a database that had the app.
    before = next(name for app, name in drop.Migration.dependencies if app == "members")
    call_command("migrate", "members", before, verbosity=0)
    install_old_page_cache()
    # The old triggers are live. (A write through a model unchanged since then: the
    # Member model has columns this older schema lacks.)
    Region.objects.filter(code="london").update(name="London")
    assert triggers()
    # Forwards again: every app, since going back also undid the migrations of other
    # apps that depend on a later members migration (later tests need them).
    call_command("migrate", verbosity=0)
    assert triggers() == []
    tables = connection.introspection.table_names()
    assert not [t for t in tables if t.startswith("pagecache")]
    assert not MigrationRecorder.Migration.objects.filter(app="pagecache").exists()
    assert not ContentType.objects.filter(app_label="pagecache").exists()
    # Writes to the tables that were watched work without the stamp table.
    member = f.MemberFactory()
    Member.objects.filter(pk=member.pk).update(job_title="Archivist")
    member.delete()


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
