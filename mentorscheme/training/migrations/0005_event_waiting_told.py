from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def started_already_told(apps, schema_editor):
    """Events that started before now are taken as told: only an event starting
    from now on tells its waiting list."""
    event = apps.get_model("training", "TrainingEvent")
    event.objects.filter(starts_at__lte=timezone.now()).update(
        waiting_told_at=F("starts_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0004_event_recording_announced"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingevent",
            name="waiting_told_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When those still on the waiting list as the event started were "
                "told no place came free (they are told once).",
                null=True,
            ),
        ),
        migrations.RunPython(
            started_already_told, migrations.RunPython.noop, elidable=True
        ),
    ]
