from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def ended_already_reminded(apps, schema_editor):
    """Events over before now are taken as reminded of (their registers are on the
    dashboard): only an event ending from now on sends a reminder."""
    event = apps.get_model("training", "TrainingEvent")
    event.objects.filter(ends_at__lte=timezone.now()).update(
        register_reminded_at=F("ends_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0006_booking_place_unrecorded"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingevent",
            name="register_reminded_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the region's officers were reminded of places left "
                "unrecorded in the register a day after the event (they are reminded "
                "once).",
                null=True,
            ),
        ),
        migrations.RunPython(
            ended_already_reminded, migrations.RunPython.noop, elidable=True
        ),
    ]
