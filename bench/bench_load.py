"""Load test: the production server (gunicorn + PostgreSQL) with the large demo data.

Measures directory search, candidate home, mentor home and the officer dashboard
with concurrent signed-in users on loopback, beside a trivial view measured in the
same run as the ceiling. Bounded in requests and time; stops by itself.

    python bench/bench_load.py [--members 200000] [--users 20] [--seconds 15]
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
DB_NAME = "mentors_load"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
MAX_REQUESTS = 20000


def server_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DJANGO_DEBUG": "0",
        "DEMO_MODE": "0",
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DJANGO_SETTINGS_MODULE": "mentorscheme.settings",
        "LOG_LEVEL": "ERROR",
    }


def manage(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=server_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def prepare_database(members: int) -> None:
    """Create and seed the load database once; later runs reuse it."""
    import psycopg

    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as c:
        exists = c.execute(
            "SELECT 1 FROM pg_database WHERE datname=%s", [DB_NAME]
        ).fetchone()
    if exists:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}") as c:
            try:
                have = c.execute("SELECT count(*) FROM members_member").fetchone()[0]
            except psycopg.Error:
                have = 0
        if have == members:
            print(f"Reusing database {DB_NAME} with {have:,} members.")
            return
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as c:
            c.execute(f"DROP DATABASE {DB_NAME}")
    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as c:
        c.execute(f"CREATE DATABASE {DB_NAME}")
    print(f"Seeding {members:,} members into {DB_NAME} (first run only)…", flush=True)
    started = time.monotonic()
    manage("migrate", "--noinput")
    manage("seed_demo", "--members", str(members), "--seed", "2026")
    print(f"Seeded in {time.monotonic() - started:.0f} s.")


def sessions() -> dict[str, str]:
    """Session cookies for the demo accounts, made directly in the database."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from mentorscheme.members.models import User\n"
        "for who in ('candidate', 'mentor', 'officer'):\n"
        "    user = User.objects.get(email=f'{who}@demo.mentorscheme.example')\n"
        "    s = SessionStore()\n"
        "    s[SESSION_KEY] = str(user.pk)\n"
        "    s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "    s[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "    s.create()\n"
        "    print(who, s.session_key)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=server_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(line.split() for line in out.strip().splitlines())


def start_server(workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mentorscheme.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_env(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            fetch("/healthz", None)
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def fetch(path: str, session: str | None, conn=None) -> tuple[int, float]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if own:
        conn.close()
    return response.status, elapsed


def load(path: str, session: str | None, users: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def user() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine = []
        while time.monotonic() < stop_at and len(latencies) + len(mine) < MAX_REQUESTS:
            try:
                status, elapsed = fetch(path, session, conn)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
                errors[0] += 1
                continue
            if status != 200:
                errors[0] += 1
            mine.append(elapsed)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=user) for _ in range(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "p50": pick(0.50) * 1000,
        "p95": pick(0.95) * 1000,
        "mean": statistics.fmean(latencies) * 1000 if latencies else 0,
        "rps": len(latencies) / wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    args = parser.parse_args()

    prepare_database(args.members)
    manage("collectstatic", "--noinput")
    cookies = sessions()
    server = start_server(args.workers)
    scenarios = [
        ("trivial view (ceiling)", "/healthz", None),
        ("directory search", "/mentoring/directory/", "candidate"),
        (
            "directory search, filtered",
            "/mentoring/directory/?q=librarian&mode=zoom",
            "candidate",
        ),
        ("candidate home", "/mentoring/", "candidate"),
        ("mentor home", "/mentors/", "mentor"),
        ("officer dashboard", "/oversight/", "officer"),
    ]
    try:
        for _, path, who in scenarios:  # warm every worker (the directory index)
            for _ in range(args.workers * 3):
                fetch(path, cookies.get(who))
        print(
            f"\n{args.users} concurrent users, {args.seconds:.0f} s each, gunicorn with "
            f"{args.workers} workers, {args.members:,} members, PostgreSQL\n"
        )
        header = f"{'scenario':<30}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}{'of ceiling':>12}"
        print(header)
        print("-" * len(header))
        ceiling = None
        for name, path, who in scenarios:
            r = load(path, cookies.get(who), args.users, args.seconds)
            ceiling = ceiling or r["rps"]
            print(
                f"{name:<30}{r['requests']:>9}{r['errors']:>7}{r['p50']:>9.1f}"
                f"{r['p95']:>9.1f}{r['rps']:>9.1f}{r['rps'] / ceiling:>11.0%}"
            )
        print(
            "\nTarget: directory search p95 under 100 ms, at least 30 % of the ceiling."
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
