from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="DataStamp",
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
                ("stamp", models.BigIntegerField(default=0)),
            ],
            options={"db_table": "pagecache_datastamp"},
        ),
        migrations.CreateModel(
            name="KeptPage",
            fields=[
                (
                    "key",
                    models.CharField(max_length=64, primary_key=True, serialize=False),
                ),
                ("stamp", models.BigIntegerField()),
                ("session_data", models.TextField()),
                ("content_type", models.CharField(max_length=100)),
                ("body", models.BinaryField()),
                ("expires", models.DateTimeField(db_index=True)),
            ],
            options={"db_table": "pagecache_keptpage"},
        ),
    ]
