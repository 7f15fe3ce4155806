"""The shipped "Choosing a mentor" page names the qualifications without mentors as
staff set them, instead of always saying Revalidation. A page staff have edited
(updated_by set) is left as they wrote it."""

from importlib import import_module

from django.db import migrations

refresh = import_module("mentorscheme.guidance.migrations.0004_refresh_pages").refresh


class Migration(migrations.Migration):
    dependencies = [("guidance", "0009_regulations_history_not_filled_in")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
