# The audit log is now the audit app's (see audit/0001_initial): the table stays
# where it is; only oversight's record of the model goes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("oversight", "0002_allocation_run_in_background"),
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AuditEntry")],
            database_operations=[],
        ),
    ]
