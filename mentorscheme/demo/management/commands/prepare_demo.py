from django.core.management import call_command
from django.core.management.base import BaseCommand

from mentorscheme.demo import seed
from mentorscheme.demo.management.commands.seed_demo import ready_database


class Command(BaseCommand):
    help = (
        "Make the embedded demo ready in one step: migrate, load the demo data when "
        "the database is empty, and print the demo accounts."
    )

    def handle(self, *args, **options):
        ready_database()
        if seed.database_is_empty():
            self.stdout.write("Loading the demo data (first run only)…")
            call_command("seed_demo", verbosity=0)
        call_command("demo_accounts")
