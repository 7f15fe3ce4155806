import argparse
import sys
import textwrap
import time

from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from mentorscheme.members import changes, importing


class _HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the column list in the help as written."""


class ProgressLine:
    """Progress on stderr: one line rewritten in place on a terminal, otherwise a
    line per stage when it finishes and at most one every few seconds before that."""

    def __init__(self, stream, enabled: bool):
        self.stream, self.enabled = stream, enabled
        self.tty = enabled and stream.isatty()
        self.last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        finished = done >= total
        wait = 0.2 if self.tty else 2.0
        if not self.enabled or (time.monotonic() - self.last < wait and not finished):
            return
        self.last = time.monotonic()
        text = f"{stage}: {done:,}/{total:,}"
        if self.tty:
            self.stream.write(f"\r{text:<60}" + ("\n" if finished else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        textwrap.fill(
            "Import members or registration awards from a CSV file exported from the "
            "membership database (UTF-8, header row first). Every row is checked "
            "first; nothing is written if any row is bad, unless --apply-good-rows "
            "is given. Members are matched by membership number, awards by "
            "membership number and level; importing the same file again changes "
            "nothing. An empty optional value clears what the register holds; "
            "nothing is ever deleted. Progress goes to standard error (-v 0 turns "
            "it off).",
            79,
        )
        + "\n\n"
        + importing.columns_help()
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs["formatter_class"] = _HelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file, or - to read standard input.")
        parser.add_argument(
            "--kind",
            choices=importing.ImportKind.values,
            help="What the file holds (default: worked out from the header).",
        )
        parser.add_argument(
            "--apply-good-rows",
            action="store_true",
            help="Import the good rows even when some rows are bad (they are listed).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Only check the file and report what would change.",
        )

    def handle(self, *args, **options):
        data = self._read(options["file"])
        progress = ProgressLine(sys.stderr, options["verbosity"] > 0)
        started = time.monotonic()
        try:
            result = importing.register_import(
                data=data,
                kind=options["kind"],
                apply_good_rows=options["apply_good_rows"],
                dry_run=options["dry_run"],
                progress=progress,
            )
        except importing.ImportRefused as refusal:
            raise CommandError(str(refusal)) from None
        if result.applied and not result.dry_run:
            changes.import_committed()
        self._report(result, time.monotonic() - started)
        if result.rejected and not result.applied and not result.dry_run:
            raise CommandError(
                f"Nothing was imported: {result.rejected:,} row(s) have problems "
                "(listed above). Fix them, or use --apply-good-rows."
            )

    def _read(self, path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as file:
                return file.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None

    def _report(self, result: importing.ImportResult, seconds: float) -> None:
        for rejection in result.rejections:
            number = f" ({rejection.membership_number})"
            self.stdout.write(
                f"Line {rejection.line}{number if rejection.membership_number else ''}"
                f": {rejection.reason}"
            )
        if result.ignored_columns:
            self.stdout.write(f"Columns ignored: {', '.join(result.ignored_columns)}")
        state = "Imported" if result.applied else "Checked (nothing changed)"
        self.stdout.write(
            f"{state} {result.kind_label.lower()} file: {result.rows:,} rows in "
            f"{seconds:.1f} s. Created {result.created:,}, updated "
            f"{result.updated:,}, unchanged {result.unchanged:,}, rejected "
            f"{result.rejected:,}."
        )
        if result.organisations_created:
            self.stdout.write(
                f"Organisations created: {result.organisations_created:,}."
            )
