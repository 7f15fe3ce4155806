"""Bring the shipped guidance pages up to date: new wording, links into the service,
values that fill themselves in, and the "Words we use" page. A page staff have edited
(updated_by set) is left as they wrote it."""

from pathlib import Path

from django.db import migrations

PAGES = Path(__file__).resolve().parent.parent / "pages"


def parse(path: Path) -> dict:
    _, header, body = path.read_text(encoding="utf-8").split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in header.strip().splitlines())
    order, slug = path.stem.split("-", 1)
    return {"slug": slug, "order": int(order), "body": body.strip(), **fields}


def refresh(apps, schema_editor):
    GuidancePage = apps.get_model("guidance", "GuidancePage")
    for path in sorted(PAGES.glob("*.md")):
        page = parse(path)
        slug = page.pop("slug")
        existing = GuidancePage.objects.filter(slug=slug).first()
        if existing is None:
            GuidancePage.objects.create(slug=slug, **page)
        elif existing.updated_by_id is None:
            for name, value in page.items():
                setattr(existing, name, value)
            existing.save()


class Migration(migrations.Migration):
    dependencies = [("guidance", "0003_initial_pages")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
