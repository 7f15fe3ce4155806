"""Load test: the production server (gunicorn + PostgreSQL) with the large demo data.

Every request is a fresh render (nothing rendered is kept). First the busy pages
rendered in process (bench/profile_pages.py: milliseconds and queries), then the
same pages under concurrent signed-in users on loopback, beside a trivial view
measured in the same run as the ceiling; then again while one mentor changes every
second. Bounded in requests and time; stops by itself.

    python bench/bench_load.py [--members 200000] [--users 20] [--seconds 15]

BENCH_DB names the PostgreSQL database to seed once and reuse (mentors_load).
"""

import argparse
import http.client
import http.cookies
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
DB_NAME = os.environ.get("BENCH_DB", "mentors_load")
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


CANDIDATES = 20


def sessions() -> dict[str, str]:
    """Session cookies, made directly in the database: the demo accounts, and one for
    each of ``CANDIDATES`` enrolled candidates (accounts added to the load data once)."""
    code = (
        "import django; django.setup()\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from mentorscheme.members.models import Member, User\n"
        "from mentorscheme.scheme.models import OPEN_ENROLMENT_STATUSES\n"
        "from bench.profile_pages import sign_in_record\n"
        "def session(who, user):\n"
        "    s = SessionStore()\n"
        "    s[SESSION_KEY] = str(user.pk)\n"
        "    s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "    s[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "    s.update(sign_in_record(user))\n"
        "    s.create()\n"
        "    print(who, s.session_key)\n"
        "for who in ('candidate', 'mentor', 'officer', 'staff'):\n"
        "    session(who, User.objects.get(email=f'{who}@demo.mentorscheme.example'))\n"
        "from bench.profile_pages import pages\n"
        "for name, who, path in pages():\n"
        "    if name in ('request page', 'relationship page'):\n"
        "        print('path-' + name.split()[0], path)\n"
        "candidates = Member.objects.filter(\n"
        "    enrolments__status__in=OPEN_ENROLMENT_STATUSES, membership_status='current'\n"
        ").order_by('pk').distinct()\n"
        f"for n, member in enumerate(candidates[:{CANDIDATES}]):\n"
        "    if member.user_id is None:\n"
        "        member.user = User.objects.create_user(\n"
        "            email=f'load-{member.pk}@bench.mentorscheme.example', password=None)\n"
        "        member.save(update_fields=['user'])\n"
        "    session(f'candidate-{n}', member.user)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**server_env(), "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(line.split() for line in out.strip().splitlines())


def start_server(workers: int | None) -> subprocess.Popen:
    """gunicorn as the README starts it (its settings from gunicorn.conf.py), with
    ``workers`` in place of the configured number if given."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
            *(["--workers", str(workers)] if workers else []),
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


def server_workers(server: subprocess.Popen) -> int:
    """How many workers the arbiter started (Linux; 1 where that cannot be read)."""
    deadline = time.monotonic() + 30
    children = []
    while time.monotonic() < deadline:
        try:
            path = Path(f"/proc/{server.pid}/task/{server.pid}/children")
            children = path.read_text().split()
        except OSError:
            return 1
        if children:
            time.sleep(1)  # the arbiter starts them one after another
            return len(path.read_text().split())
        time.sleep(0.2)
    return 1


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time the server's worker processes have used so far (Linux), else NaN:
    beside the latencies, what each request cost the app server on a shared machine."""
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text()
        ticks = 0
        for pid in children.split():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # user and system time
    except (OSError, ValueError, IndexError):
        return float("nan")
    return ticks / os.sysconf("SC_CLK_TCK")


def fetch(path: str, jar: dict | str | None, conn=None) -> tuple[int, float]:
    """GET ``path`` with the cookies in ``jar`` (a session key alone, or a dict
    that keeps what the server sets, as a browser does)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    if isinstance(jar, str):
        jar = {"sessionid": jar}
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    if isinstance(jar, dict):
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in http.cookies.SimpleCookie(header).items():
                jar[name] = morsel.value
    if own:
        conn.close()
    return response.status, elapsed


def writer(stop_at: float, every: float) -> None:
    """Change one listed mentor every ``every`` seconds (pause or resume them), with
    the change note the scheme's own writes add: every app server re-ranks its
    directory index on its next request."""
    import psycopg

    with psycopg.connect(
        f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}", autocommit=True
    ) as c:
        while time.monotonic() < stop_at:
            with c.transaction():
                row = c.execute(
                    "UPDATE mentors_mentorprofile SET accepting = NOT accepting, "
                    "last_active_at = now() WHERE id = (SELECT min(id) FROM "
                    "mentors_mentorprofile WHERE status = 'listed') RETURNING id"
                ).fetchone()
                c.execute(
                    "INSERT INTO mentors_directorychange (mentor_id, token) "
                    "VALUES (%s, (random() * 2e9)::int)",
                    [row[0]],
                )
            time.sleep(every)


def load(paths, sessions, users: int, seconds: float, write_every=None) -> dict:
    """``users`` threads, each signed in with its own session (cycling through
    ``sessions``) and asking for ``paths`` in turn, from its own starting point.
    A path may hold ``{n}``: replaced by a number unique to the request. With
    ``write_every``, a writer changes the data that often (seconds)."""
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    counter = iter(range(10**9))
    if write_every:
        threading.Thread(target=writer, args=(stop_at, write_every)).start()

    def user(number: int) -> None:
        session = sessions[number % len(sessions)]
        jar = {"sessionid": session} if session else {}
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        mine = []
        turn = number
        while time.monotonic() < stop_at and len(latencies) + len(mine) < MAX_REQUESTS:
            path = paths[turn % len(paths)].replace("{n}", str(next(counter)))
            turn += 1
            try:
                status, elapsed = fetch(path, jar, conn)
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
    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
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


#: In process: directory and both homes, and the dashboards (ms); concurrent p95 (ms).
TARGETS = {
    "directory": (15, 150),
    "candidate home": (15, 100),
    "mentor home": (15, 100),
    "officer dashboard": (40, 250),
    "staff dashboard": (40, 250),
}


def in_process(runs: int) -> None:
    """The busy pages rendered in this machine's process, no server in between."""
    print(f"\nIn process ({runs} renders each, fresh every time):\n", flush=True)
    subprocess.run(
        [sys.executable, "bench/profile_pages.py", "--runs", str(runs)],
        cwd=ROOT,
        env={**server_env(), "ALLOWED_HOSTS": "testserver"},
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--runs", type=int, default=30, help="in-process renders")
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py's)"
    )
    args = parser.parse_args()

    prepare_database(args.members)
    manage("migrate", "--noinput")
    manage("collectstatic", "--noinput")
    in_process(args.runs)
    cookies = sessions()
    server = start_server(args.workers)
    workers = server_workers(server)
    candidates = [v for k, v in cookies.items() if k.startswith("candidate-")]
    searches = [
        "/mentoring/directory/",
        "/mentoring/directory/?page=2",
        "/mentoring/directory/?mode=zoom",
        "/mentoring/directory/?q=librarian&mode=zoom",
        "/mentoring/directory/?free_place=on&page=3",
    ]
    pages = [
        ("directory", searches, candidates),
        ("candidate home", ["/mentoring/"], [cookies["candidate"]]),
        ("mentor home", ["/mentors/"], [cookies["mentor"]]),
        ("officer dashboard", ["/oversight/"], [cookies["officer"]]),
        ("staff dashboard", ["/oversight/"], [cookies["staff"]]),
    ]
    if "path-request" in cookies:
        pages.append(("request page", [cookies["path-request"]], [cookies["mentor"]]))
    if "path-relationship" in cookies:
        pages.append(
            ("relationship page", [cookies["path-relationship"]], [cookies["officer"]])
        )
    scenarios = [("trivial view (ceiling)", ["/healthz"], [None], None)]
    scenarios += [(name, paths, who, None) for name, paths, who in pages]
    scenarios += [
        (f"{name}, mentor changing", paths, who, 1.0)
        for name, paths, who in pages
        if name in ("directory", "candidate home", "officer dashboard")
    ]
    try:
        for n in range(workers * 3):  # every worker builds its directory index
            fetch("/healthz", None)
            fetch(f"/mentoring/directory/?warm={n}", candidates[0])
        print(
            f"\n{args.users} concurrent users, {args.seconds:.0f} s each, gunicorn with "
            f"{workers} workers, {args.members:,} members, PostgreSQL. Every view "
            "is rendered afresh. 'mentor changing' pauses or resumes a listed mentor "
            "every second (with the change note the scheme writes), so every app "
            "server re-reads that mentor for its directory index.\n"
        )
        header = (
            f"{'scenario':<36}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'req/s':>9}{'of ceiling':>12}{'p95 target':>12}{'CPU ms/req':>12}"
        )
        print(header)
        print("-" * len(header))
        ceiling = None
        for name, paths, who, write_every in scenarios:
            cpu_before = server_cpu_seconds(server)
            r = load(paths, who, args.users, args.seconds, write_every)
            cpu = (
                (server_cpu_seconds(server) - cpu_before) * 1000 / max(r["requests"], 1)
            )
            ceiling = ceiling or r["rps"]
            target = TARGETS.get(name.removesuffix(", mentor changing"))
            verdict = ""
            if target:
                verdict = f"≤{target[1]} " + (
                    "met" if r["p95"] <= target[1] else "MISSED"
                )
            print(
                f"{name:<36}{r['requests']:>9}{r['errors']:>7}{r['p50']:>9.1f}"
                f"{r['p95']:>9.1f}{r['rps']:>9.1f}{r['rps'] / ceiling:>11.0%}"
                f"{verdict:>12}{cpu:>12.1f}",
                flush=True,
            )
        print(
            "\nTargets: in process, directory and both homes ≤ 15 ms, dashboards "
            "≤ 40 ms; under load, p95 directory ≤ 150 ms, homes ≤ 100 ms, dashboards "
            "≤ 250 ms. The ceiling is the trivial view's rate in this run. CPU ms/req: "
            "the app server's worker processes' CPU time per request (the database's "
            "is not in it)."
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
