"""A candidate whose portfolio is submitted no longer waits for a mentor. The rows
of figures kept before that counted any open enrolment without a mentor as waiting:
those of enrolments no longer just enrolled are put right (for the others the rule
has not changed)."""

from django.db import migrations


def submitted_candidates_not_waiting(apps, schema_editor):
    EnrolmentFigures = apps.get_model("oversight", "EnrolmentFigures")
    EnrolmentFigures.objects.filter(waiting_since__isnull=False).exclude(
        enrolment__status="enrolled"
    ).update(waiting_since=None)


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0005_allocation_run_progress_at"),
    ]

    operations = [
        # Backwards there is nothing to undo: the old rule's rows are not wanted.
        migrations.RunPython(
            submitted_candidates_not_waiting, migrations.RunPython.noop, elidable=True
        ),
    ]
