"""Fixtures every test may use: the personas of tests/personas.py (alice, bob, carol,
dora, olivia, oscar, sam, sam_with_totp, larry), the whole-site ``world``, and a clean
cache for each test.
"""

import gc

import pytest
from django.core.cache import cache
from django.db import connection, connections
from pytest_django.plugin import blocking_manager_key

from mentorscheme.mentors import directory
from tests import migrated_database, personas
from tests.clock import clock  # noqa: F401  (a fixture for every test)
from tests.security.world import World, build_world

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


#: Whether a transactional test has run in this process since the tables last held
#: what the migrations put in them (its clean-up empties every table).
_tables_emptied = False


def pytest_runtest_setup(item):
    """Tests marked ``postgres`` (row locks, races, triggers) need PostgreSQL.

    pytest-django runs the transactional tests after the others, but with the
    work-stealing scheduler a worker that has run some may then take ordinary tests
    from another worker's queue: before the first of those, what the migrations put
    in the tables (reference data, guidance pages) is put back, as a test with
    ``serialized_rollback`` does when it starts.
    """
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: set DATABASE_URL (as .ci/run does)")
    db_marker = item.get_closest_marker("django_db")
    if _tables_emptied and db_marker and not _is_transactional(item):
        _refill_tables(item.config)


def _refill_tables(config) -> None:
    global _tables_emptied
    with config.stash[blocking_manager_key].unblock():
        for alias in connections:
            contents = getattr(connections[alias], "_test_serialized_contents", None)
            if contents:
                connections[alias].creation.deserialize_db_from_string(contents)
    _tables_emptied = False


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        marker
        and marker.kwargs.get("transaction")
        or set(item.fixturenames) & {"transactional_db", "live_server"}
    )


def pytest_collection_finish(session):
    """The modules, Django and the collected tests live for the whole run: frozen, the
    cyclic garbage collector stops walking them again and again, and it runs less often
    (a test makes many short-lived objects). It took about 8% of the run, now 3%."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 50)


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


@pytest.fixture(scope="session")
def _kept_migrated_database(request, django_db_createdb):
    """A test database copied from the one the migrations built in an earlier run
    (tests/migrated_database.py)."""
    with pytest.MonkeyPatch.context() as patch:
        if hasattr(request.config, "cache"):  # not with -p no:cacheprovider
            migrated_database.use_kept_database(
                patch,
                request.config.cache.mkdir("migrated-database"),
                afresh=django_db_createdb,
            )
        yield


@pytest.fixture(scope="session")
def django_db_setup(_kept_migrated_database, django_db_setup):
    """pytest-django's test databases, the SQLite one from a kept copy."""
    yield


@pytest.fixture(autouse=True)
def _clear_cache(request):
    """Rate limits (in the database cache) and the directory's index: each test
    starts with none.

    Tests that use no database (the pure rules and engine) are left alone.
    """
    global _tables_emptied
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    if _is_transactional(request.node):
        request.getfixturevalue("transactional_db")
        _tables_emptied = True
    elif marker or "db" in names:
        request.getfixturevalue("db")
    else:
        yield
        return
    cache.clear()
    directory.forget_index()  # this process's ranking index, from an earlier test
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    return personas.alice()


@pytest.fixture
def bob(db):
    return personas.bob()


@pytest.fixture
def carol(db):
    return personas.carol()


@pytest.fixture
def dora(db):
    return personas.dora()


@pytest.fixture
def olivia(db):
    return personas.olivia()


@pytest.fixture
def oscar(db):
    return personas.oscar()


@pytest.fixture
def sam(db):
    return personas.sam()


@pytest.fixture
def sam_with_totp(sam):
    return personas.with_totp(sam)


@pytest.fixture
def larry(db):
    return personas.larry()


@pytest.fixture
def world(alice, bob, olivia, oscar, sam_with_totp) -> World:
    """An object of every kind a URL can name, and a person in every role
    (tests/security/world.py), for tests that walk the whole site."""
    return build_world(alice, bob, olivia, oscar, sam_with_totp)
