"""Benchmark: import 100,000 members and their awards, on SQLite and PostgreSQL.

Generates the files deterministically, then for each database (a fresh SQLite file,
and a scratch PostgreSQL database ``bench_import`` created and dropped here) imports
the members, imports the same file again (which must change nothing), imports a file
with one member in ten changed, and imports the awards twice. Prints times, rows per
second and queries; asserts nothing about time.

    python bench/bench_import.py [--rows 100000] [--no-postgres]

PostgreSQL is reached through BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/bench_import); it is skipped if unreachable.
"""

import argparse
import csv
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = 2026
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/bench_import"

FIRST = ["Ada", "Ben", "Chloé", "Dev", "Eilidh", "Femi", "Gwen", "Hamid", "Iona", "Jo"]
LAST = ["Archer", "Bryce", "Ó Briain", "Davies", "Evans", "Ferreira", "Gill", "Hughes"]
TITLES = ["Librarian", "Information Officer", "Archivist", "Knowledge Manager", ""]
REGIONS = [
    "london",
    "south-east",
    "south-west",
    "east",
    "east-midlands",
    "west-midlands",
    "yorkshire-humber",
    "north-east",
    "north-west",
    "wales",
    "scotland",
    "ireland",
]
ORG_TYPES = ["public", "academic", "school", "health", "government", "law"]
LEVELS = ["certification", "chartership", "fellowship"]
MEMBER_HEADER = [
    "membership_number",
    "first_name",
    "last_name",
    "email",
    "region",
    "organisation",
    "organisation_type",
    "job_title",
    "line_manager",
    "membership_status",
]
AWARD_HEADER = [
    "membership_number",
    "level",
    "awarded_on",
    "last_revalidated_on",
    "removed_on",
]


# -- the files -----------------------------------------------------------------


def ascii_email(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


def member_rows(n: int) -> list[list[str]]:
    rng = random.Random(SEED)
    organisations = [
        (f"Library Service {k}", ORG_TYPES[k % len(ORG_TYPES)])
        for k in range(max(10, n // 50))
    ]
    rows = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        org, org_type = rng.choice(organisations) if rng.random() < 0.9 else ("", "")
        # Managers anywhere in the file, so half the references point forward.
        manager = f"M{rng.randrange(n):06d}" if rng.random() < 0.6 else ""
        rows.append(
            [
                f"M{i:06d}",
                first,
                last,
                ascii_email(f"{first}.{last}.{i}@example.org"),
                rng.choice(REGIONS),
                org,
                org_type,
                rng.choice(TITLES),
                "" if manager == f"M{i:06d}" else manager,
                "current" if rng.random() < 0.95 else "lapsed",
            ]
        )
    return rows


def changed(rows: list[list[str]]) -> list[list[str]]:
    """One member in ten has a new job title."""
    return [
        row[:7] + ["Head of Service"] + row[8:] if i % 10 == 0 else row
        for i, row in enumerate(rows)
    ]


def award_rows(n: int) -> list[list[str]]:
    rng = random.Random(SEED + 1)
    start = datetime.date(1995, 1, 1)
    rows = []
    for i in range(n):
        if rng.random() < 0.5:
            continue
        awarded = start + datetime.timedelta(days=rng.randrange(9_000))
        revalidated = awarded + datetime.timedelta(days=rng.randrange(1, 1_000))
        removed = revalidated + datetime.timedelta(days=365)
        rows.append(
            [
                f"M{i:06d}",
                rng.choice(LEVELS),
                awarded.isoformat(),
                revalidated.isoformat() if rng.random() < 0.5 else "",
                removed.isoformat() if rng.random() < 0.05 else "",
            ]
        )
    return rows


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def make_files(directory: Path, n: int) -> dict[str, Path]:
    members = member_rows(n)
    return {
        "members": write(directory / "members.csv", MEMBER_HEADER, members),
        "changed": write(directory / "changed.csv", MEMBER_HEADER, changed(members)),
        "awards": write(directory / "awards.csv", AWARD_HEADER, award_rows(n)),
    }


# -- one database (run in a child process: settings are read once) -------------


def child(directory: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    runs = [
        ("members, first import", "members", None),
        ("members, same file again", "members", "nothing"),
        ("members, 1 in 10 changed", "changed", None),
        ("awards, first import", "awards", None),
        ("awards, same file again", "awards", "nothing"),
    ]
    for label, name, expect in runs:
        print(json.dumps(timed(label, directory / f"{name}.csv", expect)), flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_mb": peak}), flush=True)


def timed(label: str, path: Path, expect: str | None) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mentorscheme.members import importing

    data = path.read_bytes()
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        result = importing.register_import(data=data)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "label": label,
        "rows": result.rows,
        "seconds": seconds,
        "cpu": cpu,
        "queries": len(queries),
        "counts": [result.created, result.updated, result.unchanged, result.rejected],
        "ok": result.applied
        and (expect != "nothing" or result.created + result.updated == 0),
    }


# -- the parent ----------------------------------------------------------------


def run_on(name: str, database_url: str, directory: Path) -> None:
    env = os.environ | {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "mentorscheme.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "bench-import",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, __file__, "--child", str(directory)]
    completed = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    print(f"\n{name}")
    print(
        f"  {'run':<26}{'rows':>8}{'seconds':>9}{'cpu s':>7}{'rows/s':>8}"
        f"{'queries':>8}  created/updated/unchanged/rejected"
    )
    for line in completed.stdout.splitlines():
        run = json.loads(line)
        if "peak_mb" in run:
            print(f"  peak memory of the importing process: {run['peak_mb']:,.0f} MB")
            continue
        rate = run["rows"] / run["seconds"] if run["seconds"] else 0
        flag = "" if run["ok"] else "  <-- NOT AS EXPECTED"
        counts = "/".join(f"{c:,}" for c in run["counts"])
        print(
            f"  {run['label']:<26}{run['rows']:>8,}{run['seconds']:>9.2f}"
            f"{run['cpu']:>7.2f}{rate:>8,.0f}{run['queries']:>8,}  {counts}{flag}"
        )
    if completed.returncode:
        print(f"  failed:\n{completed.stderr}")


def bench_postgres(url: str, directory: Path) -> None:
    """Create the scratch database, run, and drop it (its name is the URL's)."""
    import psycopg

    parts = urlsplit(url)
    database = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    try:
        admin = psycopg.connect(server, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(f"\nPostgreSQL: skipped ({error})")
        return
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
        try:
            run_on(f"PostgreSQL (database {database})", url, directory)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        directory = Path(tmp)
        started = time.perf_counter()
        files = make_files(directory, args.rows)
        sizes = ", ".join(
            f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in files.values()
        )
        print(
            f"Generated {args.rows:,} members in "
            f"{time.perf_counter() - started:.1f} s ({sizes}).\n"
            "seconds: wall clock; cpu s: this process only (on SQLite that includes "
            "the database's work, on PostgreSQL not the server's)."
        )
        run_on(
            "SQLite (fresh file database)",
            f"sqlite:///{directory / 'bench.sqlite3'}",
            directory,
        )
        if not args.no_postgres:
            bench_postgres(
                os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES), directory
            )


if __name__ == "__main__":
    main()
