import sys
import time
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from mentorscheme.demo import seed


class ProgressBar:
    """A one-line progress bar on stderr, only when it is a terminal or asked for."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled, self.last = stream, enabled, 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or (time.monotonic() - self.last < 0.2 and done < total):
            return
        self.last = time.monotonic()
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{stage:<22} [{bar}] {done:>7}/{total}{end}")
        self.stream.flush()


def ready_database() -> None:
    """Create and migrate the database, so the demo loads on a fresh checkout (the
    default SQLite file lives in ``var/``, which may not exist yet)."""
    if connection.vendor == "sqlite":
        Path(connection.settings_dict["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = "Load deterministic demo data: regions, organisations, members, mentors, candidates."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=2026, help="Random seed (default 2026)."
        )
        parser.add_argument(
            "--members",
            type=int,
            default=3000,
            help="How many members (default 3,000).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already holds data.",
        )
        parser.add_argument(
            "--progress", action="store_true", help="Always show progress."
        )

    def handle(self, *args, **options):
        if options["members"] < 100:
            raise CommandError("--members must be at least 100.")
        ready_database()
        if options["if_empty"] and not seed.database_is_empty():
            self.stdout.write("Demo data already loaded.")
            return
        bar = ProgressBar(sys.stderr, options["progress"] or sys.stderr.isatty())
        started = time.monotonic()
        try:
            accounts = seed.seed_demo(
                seed=options["seed"], members=options["members"], progress=bar
            )
        except seed.SeedError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            seconds = time.monotonic() - started
            self.stdout.write(
                f"Loaded {options['members']:,} members in {seconds:.1f} s."
            )
            self.stdout.write(format_accounts(accounts))


def format_accounts(accounts) -> str:
    lines = [f"Demo accounts (password for all: {seed.DEMO_PASSWORD}):"]
    width = max((len(a.role) for a in accounts), default=0)
    for account in accounts:
        line = f"  {account.role:<{width}}  {account.email}"
        if account.totp_secret:
            line += f"  (two-factor secret {account.totp_secret};"
            line += (
                f" current code: .venv/bin/python manage.py demo_totp {account.email})"
            )
        lines.append(line)
    return "\n".join(lines)
