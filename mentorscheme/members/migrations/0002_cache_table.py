from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # Rate limits (sign-in throttling, feedback) use the database cache.
    call_command(
        "createcachetable", database=schema_editor.connection.alias, verbosity=0
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
