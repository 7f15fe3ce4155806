from django.core.management.base import BaseCommand

from mentorscheme.demo import seed
from mentorscheme.demo.management.commands.seed_demo import format_accounts
from mentorscheme.members.models import User


class Command(BaseCommand):
    help = "Print the demo accounts that exist in this database."

    def handle(self, *args, **options):
        accounts = []
        for role, key in (
            ("candidate", "candidate"),
            ("mentor", "mentor"),
            ("applicant (becoming a mentor)", "applicant"),
            ("support officer", "officer"),
            ("staff", "staff"),
        ):
            email = f"{key}@{seed.DEMO_DOMAIN}"
            if User.objects.filter(email=email).exists():
                accounts.append(
                    seed.DemoAccount(
                        role=role,
                        email=email,
                        password=seed.DEMO_PASSWORD,
                        totp_secret=seed.DEMO_TOTP_SECRETS.get(email, ""),
                    )
                )
        self.stdout.write(
            format_accounts(accounts) if accounts else "No demo accounts."
        )
