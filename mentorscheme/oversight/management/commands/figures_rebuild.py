from django.core.management.base import BaseCommand

from mentorscheme.oversight import figures


class Command(BaseCommand):
    help = (
        "Work the dashboard's rows of figures out again from scratch, from every "
        "mentor profile and enrolment. The services keep them up to date; this is "
        "for data written around them (the Django admin, a restore, a bulk fix)."
    )

    def handle(self, *args, **options):
        counts = figures.rebuild()
        self.stdout.write(
            f"Rebuilt the figures of {counts['mentorfigures']:,} mentors and "
            f"{counts['enrolmentfigures']:,} enrolments."
        )
