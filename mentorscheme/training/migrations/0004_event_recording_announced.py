from django.db import migrations, models
from django.utils import timezone


def recordings_already_there_are_not_news(apps, schema_editor):
    events = apps.get_model("training", "TrainingEvent")
    events.objects.exclude(recording_url="").update(
        recording_announced_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0003_event_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="trainingevent",
            name="recording_announced_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When listed mentors were told of the recording (they are "
                "told once).",
                null=True,
            ),
        ),
        migrations.RunPython(
            recordings_already_there_are_not_news, migrations.RunPython.noop
        ),
    ]
