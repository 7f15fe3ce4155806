# The audit log moved here from oversight. The table already exists (it keeps its
# name, oversight_auditentry), so this only records the model in the new app's
# state; oversight's 0003 removes it from oversight's state.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def content_type_follows(apps, schema_editor):
    """Keep the audit entry's content type (and the permissions granted on it)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(
        app_label="audit", model="auditentry"
    ).exists():
        ContentType.objects.using(db).filter(
            app_label="oversight", model="auditentry"
        ).update(app_label="audit")


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    ContentType.objects.using(db).filter(app_label="audit", model="auditentry").update(
        app_label="oversight"
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("oversight", "0002_allocation_run_in_background"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditEntry",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("actor_label", models.CharField(blank=True, max_length=254)),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    (
                                        "mentor_application_decided",
                                        "Mentor application decided",
                                    ),
                                    (
                                        "mentor_training_evidence_decided",
                                        "Mentor training evidence decided",
                                    ),
                                    ("allocation_published", "Allocation published"),
                                    ("private_notes_opened", "Private notes opened"),
                                    ("data_exported", "Data exported"),
                                    ("data_erased", "Personal data erased"),
                                    ("settings_changed", "Scheme settings changed"),
                                    (
                                        "reference_data_changed",
                                        "Scheme reference data changed",
                                    ),
                                    ("region_merged", "Regions merged"),
                                    (
                                        "appointment_changed",
                                        "Officer appointment changed",
                                    ),
                                    ("guidance_edited", "Guidance page edited"),
                                ],
                                max_length=40,
                            ),
                        ),
                        ("target_type", models.CharField(blank=True, max_length=100)),
                        ("target_id", models.CharField(blank=True, max_length=40)),
                        (
                            "target_description",
                            models.CharField(blank=True, max_length=300),
                        ),
                        ("details", models.JSONField(blank=True, default=dict)),
                        (
                            "at",
                            models.DateTimeField(
                                db_index=True, default=django.utils.timezone.now
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name_plural": "audit entries",
                        "db_table": "oversight_auditentry",
                        "ordering": ["-at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["action", "at"],
                                name="oversight_a_action_007c48_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
