from django.db import migrations

from mentorscheme.scheme import reference


def load(apps, schema_editor):
    Level = apps.get_model("members", "Level")
    Region = apps.get_model("members", "Region")
    OrganisationType = apps.get_model("members", "OrganisationType")
    Qualification = apps.get_model("scheme", "Qualification")
    RegulationsVersion = apps.get_model("scheme", "RegulationsVersion")
    SchemeSettings = apps.get_model("scheme", "SchemeSettings")
    for code, name, post_nominal, rank in reference.LEVELS:
        Level.objects.update_or_create(
            code=code,
            defaults={"name": name, "post_nominal": post_nominal, "rank": rank},
        )
    for code, name in reference.REGIONS:
        Region.objects.update_or_create(code=code, defaults={"name": name})
    for code, name in reference.ORGANISATION_TYPES:
        OrganisationType.objects.update_or_create(code=code, defaults={"name": name})
    for code, name, level, uses, enrol_fee, submit_fee in reference.QUALIFICATIONS:
        Qualification.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "level": Level.objects.get(code=level) if level else None,
                "uses_mentors": uses,
                "enrolment_fee_pence": enrol_fee,
                "submission_fee_pence": submit_fee,
            },
        )
    for name, effective_from, summary in reference.REGULATIONS:
        RegulationsVersion.objects.update_or_create(
            effective_from=effective_from, defaults={"name": name, "summary": summary}
        )
    SchemeSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("scheme", "0001_initial"), ("members", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
