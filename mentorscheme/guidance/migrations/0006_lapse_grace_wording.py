"""The shipped guidance says what a lapsed membership does to a mentoring now: it
carries on for a grace period. A page staff have edited (updated_by set) is left as
they wrote it."""

from django.db import migrations

CHANGES = {
    "becoming-a-mentor": [
        (
            "- If your registration or membership lapses you are taken off the list automatically and your candidates are told, so they can find another mentor.",
            "- If your registration or membership lapses you are taken off the list automatically. Your current mentoring carries on for {{ lapse_grace_days }} days, so that a renewal recorded late does not end it, and you and your candidates are told; if you are not current again by then, the mentoring ends and your candidates are helped to find another mentor.",
        )
    ],
    "candidates": [
        (
            "If you can't find a mentor, [ask for help from your mentoring page](/mentoring/): your region's Candidate Support Officer will be told and will help you.",
            "If you can't find a mentor, [ask for help from your mentoring page](/mentoring/): your region's Candidate Support Officer will be told and will help you.\n\nIf your membership lapses, your mentoring carries on for {{ lapse_grace_days }} days and you and your mentor are told: renew by then and it carries on as before. If it is not renewed by then, the mentoring ends; your enrolment and your history are kept, and you can ask a mentor again once you have renewed.",
        )
    ],
}


def reword(apps, schema_editor):
    GuidancePage = apps.get_model("guidance", "GuidancePage")
    for slug, changes in CHANGES.items():
        page = GuidancePage.objects.filter(slug=slug, updated_by=None).first()
        if page is None:
            continue
        for old, new in changes:
            # A fresh database read the pages as shipped, with the new words in
            # them already (maybe not straight after the old sentence).
            added = new.removeprefix(old) if new.startswith(old) else new
            if old in page.body and added.strip() not in page.body:
                page.body = page.body.replace(old, new)
        page.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("guidance", "0005_guidancepageversion")]
    operations = [migrations.RunPython(reword, migrations.RunPython.noop)]
