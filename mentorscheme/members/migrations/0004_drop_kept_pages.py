"""Drop what the retired page cache (the ``pagecache`` app) left in a database.

Its data-stamp triggers sat on nearly every table; its two tables, its content types
and its migration records go too, so a database that had it ends up as one that never
did (and a release that still has the app could migrate it in again). Does nothing on
a database that never had it. Going back leaves the database as it is.
"""

from django.db import migrations

TABLES = ("pagecache_keptpage", "pagecache_datastamp")


def drop_kept_pages(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Every trigger of the pair on every table runs this one function.
            cursor.execute("DROP FUNCTION IF EXISTS pagecache_touch() CASCADE")
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND name GLOB 'pagecache_touch_*'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(
                    f"DROP TRIGGER IF EXISTS {connection.ops.quote_name(name)}"
                )
        for table in TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["pagecache"])
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(content_type__app_label="pagecache").delete()
    ContentType.objects.filter(app_label="pagecache").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_contact_for_mentoring"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(drop_kept_pages, migrations.RunPython.noop)]
