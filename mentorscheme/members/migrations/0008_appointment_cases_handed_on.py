import datetime

from django.db import migrations, models
from django.utils import timezone


def terms_ended_already_handed_on(apps, schema_editor):
    """Terms that ended before now were looked after as they ended: only a term
    ending from now on sends its region's waiting cases on."""
    appointment = apps.get_model("members", "OfficerAppointment")
    for row in appointment.objects.filter(ends_on__lt=timezone.localdate()):
        row.cases_handed_on = row.ends_on + datetime.timedelta(days=1)
        row.save(update_fields=["cases_handed_on"])


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_line_manager_declaration"),
    ]

    operations = [
        migrations.AddField(
            model_name="officerappointment",
            name="cases_handed_on",
            field=models.DateField(
                blank=True,
                editable=False,
                help_text="When the cases waiting in the region were sent on to "
                "whoever acts for it once this term had ended (they are sent once).",
                null=True,
            ),
        ),
        migrations.RunPython(
            terms_ended_already_handed_on, migrations.RunPython.noop, elidable=True
        ),
    ]
