from django.core.management import call_command
from django.db import migrations, models


def create_cache_tables(apps, schema_editor):
    # The "pages" cache keeps rendered pages in the database (see settings.CACHES).
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="DataStamp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("stamp", models.BigIntegerField(default=0)),
            ],
            options={"db_table": "pagecache_datastamp"},
        ),
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
