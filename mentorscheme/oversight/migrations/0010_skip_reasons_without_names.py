"""Runs sent before 0010 kept a mentor's name in front of the reason a pair was
skipped for want of a free place ("Ann Lee has no free place left: …"). The reason
now names nobody, so that an erased mentor leaves no copy of their name in a run:
this rewrites the older runs' reasons the same way."""

from django.db import migrations

NO_PLACE_LEFT = (
    "The mentor has no free place left: their places are taken by the candidates "
    "they mentor and the requests sent to them by this allocation or an earlier one."
)
TAIL = NO_PLACE_LEFT.removeprefix("The mentor")


def forget_names(apps, schema_editor):
    AllocationRun = apps.get_model("oversight", "AllocationRun")
    for run in AllocationRun.objects.exclude(published=[]).iterator():
        changed = False
        for outcome in run.published:
            reason = outcome.get("reason") or ""
            if reason.endswith(TAIL) and reason != NO_PLACE_LEFT:
                outcome["reason"] = NO_PLACE_LEFT
                changed = True
        if changed:
            run.save(update_fields=["published"])


class Migration(migrations.Migration):
    dependencies = [("oversight", "0009_allocation_sending_stopped_by_officer")]

    operations = [migrations.RunPython(forget_names, migrations.RunPython.noop)]
