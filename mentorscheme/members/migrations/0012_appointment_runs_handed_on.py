from django.db import migrations, models
from django.db.models import F


def terms_already_handed_on(apps, schema_editor):
    """Terms whose candidates were already sent on were looked after as they
    ended: only a term ending from now on sends its allocation runs on too."""
    appointment = apps.get_model("members", "OfficerAppointment")
    appointment.objects.filter(help_handed_on__isnull=False).update(
        runs_handed_on=F("help_handed_on")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_appointment_help_handed_on"),
    ]

    operations = [
        migrations.AddField(
            model_name="officerappointment",
            name="runs_handed_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="When the allocation runs this officer started for the "
                "region and left awaiting review were sent on to whoever acts for "
                "its candidates' side once this term had ended (they are sent once).",
                null=True,
            ),
        ),
        migrations.RunPython(
            terms_already_handed_on, migrations.RunPython.noop, elidable=True
        ),
    ]
