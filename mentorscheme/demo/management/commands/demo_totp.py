import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from mentorscheme.demo import seed


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo mode only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Only available in demo mode.")
        secret = seed.DEMO_TOTP_SECRETS.get(email.lower())
        if secret is None:
            raise CommandError(f"{email} is not a demo account with two-factor.")
        self.stdout.write(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
