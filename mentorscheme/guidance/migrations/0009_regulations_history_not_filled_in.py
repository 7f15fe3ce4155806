"""The shipped guidance no longer says that the choice of any level, or the 2014
webinar, came with whichever regulations are in force: both belong to the 2013
regulations, and would be false of a newer version. A page staff have edited
(updated_by set) is left as they wrote it."""

from importlib import import_module

from django.db import migrations

refresh = import_module("mentorscheme.guidance.migrations.0004_refresh_pages").refresh


class Migration(migrations.Migration):
    dependencies = [("guidance", "0008_candidates_real_process")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
