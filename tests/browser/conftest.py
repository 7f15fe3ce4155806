"""Chromium, driven by Playwright's sync API, against pytest-django's live server.

The browser is Debian's /usr/bin/chromium (Playwright never downloads one). Without
it the browser tests are skipped, with the reason, unless CI is set: in CI they fail.
Each xdist worker starts one Chromium; each person in a test gets their own browser
context from it (their own cookies), as two people on two machines would, cleared of
what an earlier test left in it.
When a test fails, every page it opened is saved to test-results/screenshots/<test>.png
(the page navigated last) and <test>--<person>.png.
"""

import asyncio
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.personas import login

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
    # A test's pages live for a second or two: V8's optimising compilers (Maglev,
    # TurboFan) would spend more time compiling axe-core and Playwright's scripts
    # than the compiled code saves. About a tenth of the browser's work.
    "--js-flags=--no-opt,--no-maglev",
]
SCREENSHOTS = ROOT / "test-results" / "screenshots"
TIMEOUT_MS = 15_000
VIEWPORT = {"width": 1280, "height": 900}

_report_key = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_report_key, {})[report.when] = report
    return report


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        # Playwright is optional: without it the browser tests are skipped.
        import axe_playwright_python  # noqa: F401, PLC0415
        import playwright  # noqa: F401, PLC0415
    except ImportError as error:
        return f"{error.name} is not installed (pip install -r requirements-dev.txt)"
    return None


def pytest_runtest_setup(item):
    """Skip (or, in CI, fail) before the live server and its database are set up."""
    missing = _missing()
    if missing and item.get_closest_marker("browser"):
        if os.environ.get("CI"):
            pytest.fail(f"Browser tests must run in CI, but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="session")
def _chromium_process():
    """One Chromium for the whole run (for each xdist worker); each test gets its
    own browser contexts from it (Pages below), and no cookie or stored value
    outlives a test.

    While Playwright's sync API is running, its event loop is marked as running on
    this thread, and Django then hands out other database connection objects (they
    live in asgiref Locals): ones that lack the test database's serialized contents,
    so serialized_rollback would silently stop restoring the migrations' data. So the
    loop is marked as running only inside a browser test (``chromium`` below): after
    the database is set up for the test and before it is flushed. That also keeps the
    event loop away from every non-browser test.
    """
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"Browser tests must run in CI, but {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional

    playwright = sync_playwright().start()
    loop = asyncio.get_running_loop()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except BaseException:
        playwright.stop()
        raise
    finally:
        asyncio._set_running_loop(None)
    yield browser, loop
    asyncio._set_running_loop(loop)
    try:
        browser.close()
    finally:
        playwright.stop()
        asyncio._set_running_loop(None)


@pytest.fixture
def chromium(_chromium_process):
    """The run's Chromium, with Playwright's event loop running for this test only."""
    browser, loop = _chromium_process
    # The ORM calls a test makes between browser steps are plain synchronous calls,
    # safe here, though Django sees the event loop and would refuse them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        asyncio._set_running_loop(loop)  # as Playwright's sync calls leave it
        try:
            yield browser
        finally:
            connections.close_all()  # those the event loop's Locals handed out
            asyncio._set_running_loop(None)


#: What a page left by an earlier test could still hold in its browser storage.
_FORGET_STORAGE = "() => { localStorage.clear(); sessionStorage.clear(); }"


class Pages:
    """Opens a page per person, watches for CSP violations, screenshots on failure.

    A page a test has finished with is kept, in its own browser context, for a later
    test of this worker: its cookies and storage are cleared, so the next person
    starts signed out with nothing stored, as in a new context. Starting a context
    costs Chromium new renderer processes, about half a second of work each time.
    A page of a test that failed is closed instead.
    """

    def __init__(self, browser, base_url, idle):
        self.browser, self.base_url, self.idle = browser, base_url, idle
        self.opened = []  # (person, context, page, listeners)
        self.last_navigated = {}
        self.csp_violations = []

    def __call__(self, person: str = "visitor", *, signed_in_as=None):
        """A page for ``person``; with ``signed_in_as`` (a user) already signed in,
        by a session made on the server (for tests about pages, not signing in)."""
        if self.idle:
            context, page = self.idle.pop()
            page.set_viewport_size(VIEWPORT)
        else:
            context = self.browser.new_context(
                base_url=self.base_url, viewport=VIEWPORT
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
        if signed_in_as is not None:
            context.add_cookies([self._session_cookie(signed_in_as)])
        listeners = [
            ("console", lambda message: self._console(person, message)),
            (
                "framenavigated",
                lambda frame: self.last_navigated.__setitem__(person, time.monotonic()),
            ),
        ]
        for event, listener in listeners:
            page.on(event, listener)
        self.opened.append((person, context, page, listeners))
        return page

    def sign_in(self, page, user) -> None:
        """Sign ``page``'s person in again as ``user``, by a session made on the
        server, replacing the one they had (for a test that moves the clock past its
        people's idle timeout: signing in itself is tested on its own)."""
        page.context.add_cookies([self._session_cookie(user)])

    def _session_cookie(self, user) -> dict:
        client = Client()
        login(client, user)
        name = settings.SESSION_COOKIE_NAME
        return {"name": name, "value": client.cookies[name].value, "url": self.base_url}

    def _console(self, person, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(f"{person}: {message.text}")

    def screenshot(self, test_name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        latest = max(self.last_navigated, key=self.last_navigated.get, default=None)
        for person, _, page, _ in self.opened:
            try:
                page.screenshot(
                    path=SCREENSHOTS / f"{name}--{person}.png", full_page=True
                )
                if person == latest:
                    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
            except Exception as error:  # noqa: BLE001 - a screenshot must not hide the failure
                print(f"could not screenshot {person}'s page: {error}")

    def close(self, *, keep: bool) -> None:
        """Keep each page for a later test (``keep``), else close its context."""
        for _, context, page, listeners in self.opened:
            for event, listener in listeners:
                page.remove_listener(event, listener)
            if keep and context.pages == [page]:
                context.clear_cookies()
                if page.url.startswith(self.base_url):
                    page.evaluate(_FORGET_STORAGE)
                self.idle.append((context, page))
            else:
                context.close()


@pytest.fixture(scope="session")
def _idle_pages():
    """Pages, each in its own browser context, that earlier tests finished with."""
    return []


@pytest.fixture
def open_page(live_server, chromium, _idle_pages, request):
    """``open_page("carol")`` gives Carol her own browser context and page."""
    pages = Pages(chromium, live_server.url, _idle_pages)
    yield pages
    reports = request.node.stash.get(_report_key, {})
    failed = any(r.failed for r in reports.values())
    if failed:
        pages.screenshot(request.node.name)
    pages.close(keep=not failed)
    if not failed:
        assert not pages.csp_violations, "\n".join(pages.csp_violations)
