"""The shipped guidance says how the scheme now works for a candidate and a mentor:
the line manager declared at enrolment, contact details once matched, requests that
expire, meetings that can be corrected, both confirming completion (the letter of
support for Fellowship), the enrolment's end, and that a mentor chooses the
qualifications they support. A page staff have edited (updated_by set) is left as
they wrote it."""

from importlib import import_module

from django.db import migrations

refresh = import_module("mentorscheme.guidance.migrations.0004_refresh_pages").refresh


class Migration(migrations.Migration):
    dependencies = [("guidance", "0007_portfolio_with_assessors")]
    operations = [migrations.RunPython(refresh, migrations.RunPython.noop)]
