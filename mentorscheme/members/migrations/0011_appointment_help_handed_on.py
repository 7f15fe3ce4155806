from django.db import migrations, models
from django.db.models import F


def terms_already_handed_on(apps, schema_editor):
    """Terms whose mentors' cases were already sent on were looked after as they
    ended: only a term ending from now on sends its candidates' side on too."""
    appointment = apps.get_model("members", "OfficerAppointment")
    appointment.objects.filter(cases_handed_on__isnull=False).update(
        help_handed_on=F("cases_handed_on")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0010_lapse_recorded_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="officerappointment",
            name="help_handed_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="When the candidates still waiting for help in the region "
                "were sent on to whoever acts for its candidates' side once this "
                "term had ended (they are sent once).",
                null=True,
            ),
        ),
        migrations.RunPython(
            terms_already_handed_on, migrations.RunPython.noop, elidable=True
        ),
    ]
