from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_appointment_help_handed_on"),
        ("training", "0005_event_waiting_told"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status", "booked")),
                fields=["event"],
                name="booking_place_unrecorded",
            ),
        ),
    ]
