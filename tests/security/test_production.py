"""The real settings, configured as README's Production section says, are safe.

One subprocess (tests/security/production_probe.py) loads mentorscheme.settings with
DJANGO_DEBUG=0, a long random SECRET_KEY and ALLOWED_HOSTS, and reports what
``check --deploy`` says and which headers and cookies the site sends.
"""

import fcntl
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.migrated_database import kept_database

ROOT = Path(__file__).resolve().parents[2]
HOST = "mentors.example.org"
# Environment variables that would change what production means; the probe gets none.
_CLEARED = (
    "DJANGO_SETTINGS_MODULE",
    "DEMO_MODE",
    "EMAIL_BACKEND",
    "TASKS_BACKEND",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_IDLE_TIMEOUT",
    "SESSION_COOKIE_AGE",
    "CSRF_TRUSTED_ORIGINS",
)


def production_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
    env.update(
        DJANGO_SETTINGS_MODULE="mentorscheme.settings",
        DJANGO_DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"https://{HOST}",
        DATABASE_URL=f"sqlite:///{tmp / 'production.sqlite3'}",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture(scope="module")
def production(tmp_path_factory, worker_id, pytestconfig, django_db_setup):
    """The probe's report. It runs once per test run: the first xdist worker to need
    it runs it, the others wait for it and read its report. Its database starts as a
    copy of the migrated test database (tests/migrated_database.py)."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # this run's folder, above each worker's own
    report = shared / "production-probe.json"
    with open(shared / "production-probe.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not report.exists():
            cache = getattr(pytestconfig, "cache", None)  # -p no:cacheprovider
            migrated = cache and kept_database(cache.mkdir("migrated-database"))
            report.write_text(json.dumps(run_probe(tmp_path_factory, migrated)))
    return json.loads(report.read_text())


def run_probe(tmp_path_factory, migrated: Path | None) -> dict:
    # Migrating SQLite is mostly fsync: use memory-backed /dev/shm where there is one.
    shm = Path("/dev/shm")  # noqa: S108 - a private mkdtemp folder inside it
    if shm.is_dir() and os.access(shm, os.W_OK):
        tmp = Path(tempfile.mkdtemp(prefix="production-", dir=shm))
    else:
        tmp = tmp_path_factory.mktemp("production")
    if migrated:
        shutil.copyfile(migrated, tmp / "production.sqlite3")
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "tests.security.production_probe",
            HOST,
            str(tmp / "static"),
        ],
        cwd=ROOT,
        env=production_env(tmp),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if tmp.parent == shm:
        shutil.rmtree(tmp, ignore_errors=True)
    assert done.returncode == 0, f"the probe failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean(production):
    assert production["settings"]["DEBUG"] is False
    assert production["check"]["ok"], production["check"]["output"]
    assert "no issues" in production["check"]["output"], production["check"]["output"]


def test_only_the_hosts_the_operator_names_are_served(production):
    assert production["settings"]["ALLOWED_HOSTS"] == [HOST]
    assert production["headers"]["unknown_host"]["status"] == 400


def test_a_signed_in_page_is_kept_by_no_cache(production):
    cache_control = production["headers"]["your_account"]["cache-control"]
    assert {"private", "no-store"} <= set(cache_control.replace(" ", "").split(","))


def test_demo_conveniences_are_off(production):
    assert production["settings"]["DEMO_MODE"] is False


def test_plain_http_is_redirected_to_https(production):
    assert production["http"]["status"] == 301
    assert production["http"]["location"] == f"https://{HOST}/guidance/"


def test_hsts_is_sent_for_a_year_with_subdomains(production):
    for label, headers in production["headers"].items():
        hsts = headers.get("strict-transport-security", "")
        max_age = re.search(r"max-age=(\d+)", hsts)
        assert max_age and int(max_age.group(1)) >= 31_536_000, (label, hsts)
        assert "includesubdomains" in hsts.lower(), (label, hsts)


@pytest.mark.parametrize(
    "label", ["home", "sign_in", "sign_in_post", "your_account", "not_found"]
)
def test_every_kind_of_page_carries_the_security_headers(production, label):
    assert_security_headers(production["headers"][label])


def test_static_files_are_not_sniffed(production):
    # WhiteNoise answers before the clickjacking middleware; a stylesheet is never
    # framed, so only nosniff matters here.
    static = production["headers"]["static"]
    assert static["status"] == 200
    assert static.get("x-content-type-options") == "nosniff", static


def test_the_member_really_was_signed_in(production):
    assert production["headers"]["sign_in_post"]["status"] == 302
    assert production["headers"]["your_account"]["status"] == 200


def test_session_cookie_is_secure_httponly_and_same_site(production):
    assert production["cookies"]["session"] == {
        "secure": True,
        "httponly": True,
        "samesite": production["cookies"]["session"]["samesite"],
    }
    assert production["cookies"]["session"]["samesite"] in ("Lax", "Strict")


def test_csrf_cookie_is_secure_httponly_and_same_site(production):
    cookie = production["cookies"]["csrf"]
    assert cookie["secure"], cookie
    assert cookie["samesite"] in ("Lax", "Strict"), cookie
    # No script of ours reads the token from the cookie: forms carry it.
    assert cookie["httponly"], cookie


def test_a_sign_in_ends_after_at_most_an_hour_idle(production):
    session = production["settings"]
    assert session["SESSION_COOKIE_AGE"] <= 60 * 60
    assert (
        "mentorscheme.members.middleware.IdleSessionMiddleware"
        in (session["MIDDLEWARE"])
    ), "the timeout must be an idle one"


# -- shared with test_headers.py -------------------------------------------------------


def csp_directives(value: str) -> dict[str, list[str]]:
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(headers: dict[str, str]) -> None:
    """The headers every response of the site must carry (names in lower case)."""
    assert headers.get("x-frame-options") == "DENY", headers
    assert headers.get("x-content-type-options") == "nosniff", headers
    assert headers.get("referrer-policy") in (
        "same-origin",
        "no-referrer",
        "strict-origin",
        "strict-origin-when-cross-origin",
    ), headers
    assert headers.get("cross-origin-opener-policy") == "same-origin", headers
    csp = csp_directives(headers.get("content-security-policy", ""))
    assert csp.get("default-src") == ["'self'"], csp
    script = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, csp
    assert "*" not in script and "https:" not in script, csp
    assert csp.get("object-src") == ["'none'"], csp
    assert csp.get("frame-ancestors") == ["'none'"], csp
    assert csp.get("base-uri") in (["'self'"], ["'none'"]), csp
    assert csp.get("form-action") == ["'self'"], csp
