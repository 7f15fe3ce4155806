"""The candidates' guidance says what mentoring does while the portfolio is with the
assessors, on a site migrated before those words were written, and says once what a
lapsed membership does (a fresh database could have it twice). A page staff have
edited (updated_by set) is left as they wrote it."""

from django.db import migrations

LAPSE = (
    "If your membership lapses, your mentoring carries on for "
    "{{ lapse_grace_days }} days and you and your mentor are told: renew by then "
    "and it carries on as before. If it is not renewed by then, the mentoring ends; "
    "your enrolment and your history are kept, and you can ask a mentor again once "
    "you have renewed."
)
ASSESSORS = (
    "Mentoring supports preparing your portfolio, so while it is with the assessors "
    "there is no mentor to find: if your mentoring ends then, you are told so, and "
    "nobody is asked to find you another. If the assessors ask for further "
    "information, you are preparing it again: you can find a mentor, or ask for help "
    "to find one, just as when you enrolled."
)


def reword(apps, schema_editor):
    GuidancePage = apps.get_model("guidance", "GuidancePage")
    page = GuidancePage.objects.filter(slug="candidates", updated_by=None).first()
    if page is None:
        return
    body = page.body
    while body.count(LAPSE) > 1:
        at = body.rindex(LAPSE)
        body = body[:at].rstrip("\n") + "\n\n" + body[at + len(LAPSE) :].lstrip("\n")
        body = body.rstrip("\n") + "\n"
    if ASSESSORS not in body:
        if LAPSE in body:
            body = body.replace(LAPSE, f"{ASSESSORS}\n\n{LAPSE}")
        else:
            body = body.rstrip("\n") + f"\n\n{ASSESSORS}\n"
    if body != page.body:
        page.body = body
        page.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("guidance", "0006_lapse_grace_wording")]
    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
