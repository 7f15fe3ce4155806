"""Personas shared by every test.

- alice: a candidate working toward Chartership in London
- bob: a listed Chartered mentor in Yorkshire
- olivia: Mentor Support Officer for London (two-factor set up)
- oscar: Mentor Support Officer for Scotland only (two-factor set up)
- sam: staff (two-factor set up)
- larry: a Chartered member whose membership has lapsed
"""

import pytest
from django.core.cache import cache
from django.db import connection

from mentorscheme.pagecache import pages
from tests import factories as f
from tests.clock import clock  # noqa: F401  (a fixture for every test)

#: Suites of pure Python (the rules and the engine) that never touch the database.
PURE_SUITES = ("tests/matching/", "tests/scheme_rules/")


#: Why each browser test was skipped in this run (see pytest_unconfigure below).
_browser_skips: list[str] = []


def pytest_runtest_logreport(report):
    """Note browser tests skipped. With pytest-xdist the workers' reports arrive here in
    the main process too, so the note covers the whole run."""
    if report.skipped and "browser" in report.keywords:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        _browser_skips.append(str(reason).removeprefix("Skipped: "))


def pytest_unconfigure(config):
    """Say loudly, after everything else, that the browser tests did not run, and the
    one command that lets them run."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if hasattr(config, "workerinput") or not _browser_skips or reporter is None:
        return
    reasons = sorted(set(_browser_skips))
    no_chromium = any("chromium" in reason.lower() for reason in reasons)
    command = (
        "sudo apt-get install chromium"
        if no_chromium
        else "pip install -r requirements-dev.txt"
    )
    banner = "!" * 78
    lines = [
        "",
        banner,
        f"!! {len(_browser_skips)} BROWSER TESTS WERE SKIPPED:"
        " no page was checked in a real browser.",
        *(f"!!   why: {reason}" for reason in reasons),
        f"!! To run them: {command}",
        banner,
    ]
    for line in lines:
        reporter.write_line(line, red=True, bold=True)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every other test may use the database, even through a persona it picks at run
    time; marking them lets pytest-django run them before the transactional tests,
    whose clean-up empties the tables the migrations filled."""
    for item in items:
        path = item.nodeid.replace("\\", "/")
        if not path.startswith(PURE_SUITES) and not item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate limits (in the database cache) and kept pages: each test starts with none.

    Tests that use no database (the pure rules and engine) are left alone.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if (
        marker
        and marker.kwargs.get("transaction")
        or names & {"transactional_db", "live_server"}
    ):
        request.getfixturevalue("transactional_db")
    elif marker or "db" in names:
        request.getfixturevalue("db")
        if connection.vendor == "postgresql":
            # The test's transaction never commits: stamp each write as it happens.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS pagecache_touch IMMEDIATE")
    else:
        yield
        return
    cache.clear()
    pages.forget_all()
    yield
    cache.clear()
    pages.forget_all()


@pytest.fixture
def alice(db):
    member = f.MemberFactory(
        first_name="Alice", last_name="Archer", email="alice@example.org"
    )
    f.with_account(member)
    f.enrol(member, "chartership")
    return member


@pytest.fixture
def bob(db):
    member = f.MemberFactory(
        first_name="Bob",
        last_name="Baker",
        email="bob@example.org",
        region=f.region("yorkshire-humber"),
    )
    f.award(member, "chartership")
    f.with_account(member)
    f.mentor_profile(member)
    return member


@pytest.fixture
def olivia(db):
    member = f.MemberFactory(
        first_name="Olivia", last_name="Owen", email="olivia@example.org"
    )
    f.award(member, "chartership")
    f.with_account(member, totp=True)
    f.appoint(member, "london")
    return member


@pytest.fixture
def oscar(db):
    member = f.MemberFactory(
        first_name="Oscar",
        last_name="Ortiz",
        email="oscar@example.org",
        region=f.region("scotland"),
    )
    f.award(member, "fellowship")
    f.with_account(member, totp=True)
    f.appoint(member, "scotland")
    return member


@pytest.fixture
def sam(db):
    return f.UserFactory(email="sam@example.org", is_staff=True)


@pytest.fixture
def sam_with_totp(sam):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(sam, f.TOTP_SECRET)
    return sam


@pytest.fixture
def larry(db):
    member = f.MemberFactory(
        first_name="Larry",
        last_name="Lapsed",
        email="larry@example.org",
        membership_status="lapsed",
    )
    f.award(member, "chartership")
    f.with_account(member)
    f.enrol(member, "fellowship")
    return member


def login(client, member_or_user):
    user = getattr(member_or_user, "user", None) or member_or_user
    client.force_login(user)
    return client
