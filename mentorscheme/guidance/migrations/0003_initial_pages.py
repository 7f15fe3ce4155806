from pathlib import Path

from django.db import migrations

PAGES = Path(__file__).resolve().parent.parent / "pages"


def parse(path: Path) -> dict:
    """A page file: a small header of `key: value` lines between `---`, then Markdown."""
    _, header, body = path.read_text(encoding="utf-8").split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in header.strip().splitlines())
    order, slug = path.stem.split("-", 1)
    return {"slug": slug, "order": int(order), "body": body.strip(), **fields}


def load(apps, schema_editor):
    GuidancePage = apps.get_model("guidance", "GuidancePage")
    for path in sorted(PAGES.glob("*.md")):
        page = parse(path)
        GuidancePage.objects.get_or_create(slug=page.pop("slug"), defaults=page)


class Migration(migrations.Migration):
    dependencies = [("guidance", "0002_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
