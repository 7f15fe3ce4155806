"""Screenshots of each role's main pages at 390 and 1280 px, for review.

Run by ``make screenshots``: it serves the demo database on a spare local port, signs
in as each demo account through the real sign-in pages (with the demo two-factor
codes), and saves PNGs to ``test-results/review/``. Chromium is Debian's
/usr/bin/chromium, headless; nothing is fetched from the internet.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-results" / "review"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-gpu",
]
WIDTHS = (390, 1280)

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorscheme.settings")


def spare_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("The demo server did not start.")


def code_for(secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.5)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(page, account) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    if account.totp_secret:
        page.wait_for_url("**/accounts/2fa/authenticate/")
        page.get_by_label("Code").fill(code_for(account.totp_secret))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def main() -> None:
    import django

    django.setup()
    from playwright.sync_api import sync_playwright

    from mentorscheme.demo import review

    OUT.mkdir(parents=True, exist_ok=True)
    # Read from the database before Playwright starts its event loop on this thread.
    plan = [(key, account, review.pages_for(key)) for key, account in review.accounts()]
    port = spare_port()
    server = serve(port)
    saved = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for key, account, pages in plan:
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{port}",
                    viewport={"width": 1280, "height": 900},
                )
                page = context.new_page()
                sign_in(page, account)
                for name, path in pages:
                    for width in WIDTHS:
                        page.set_viewport_size({"width": width, "height": 900})
                        page.goto(path)
                        file = OUT / f"{key}-{name}-{width}.png"
                        page.screenshot(path=str(file), full_page=True)
                        saved.append(file)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    for file in saved:
        print(file.relative_to(ROOT))
    print(f"{len(saved)} screenshots in {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
