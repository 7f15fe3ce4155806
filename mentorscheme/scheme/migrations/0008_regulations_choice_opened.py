from django.db import migrations, models
from django.db.models import F
from django.utils import timezone


def versions_in_force_were_announced(apps, schema_editor):
    """A version already in force was offered when it was published; one still to
    come is announced on its day."""
    versions = apps.get_model("scheme", "RegulationsVersion")
    versions.objects.filter(effective_from__lte=timezone.localdate()).update(
        choice_opened_on=F("effective_from")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("scheme", "0007_enrolment_history_completion"),
    ]

    operations = [
        migrations.AddField(
            model_name="regulationsversion",
            name="choice_opened_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="The day candidates were told they may now move to this "
                "version.",
                null=True,
            ),
        ),
        migrations.RunPython(
            versions_in_force_were_announced, migrations.RunPython.noop
        ),
    ]
