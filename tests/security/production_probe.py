"""Ask the real settings, configured for production, what they do; print JSON.

Run in a subprocess by tests/security/test_production.py with DJANGO_DEBUG=0, a long
random SECRET_KEY, ALLOWED_HOSTS and a throwaway SQLite DATABASE_URL, because
settings are read once per process. It runs ``check --deploy``, migrates the throwaway
database (a copy of the test run's, when there is one: migrate then finds nothing to
do), collects static files into a temporary folder (production serves them from
WhiteNoise's manifest), signs a member in through the real sign-in page, and records
the headers and cookies of each kind of response.

    python -m tests.security.production_probe HOST STATIC_ROOT
"""

import io
import json
import sys

#: Kinds of static file the probe never fetches.
NOT_FETCHED = ["js", "map", "svg", "md", "txt"]


def _cookie(morsel) -> dict:
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }


def _check_deploy() -> dict:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    out = io.StringIO()
    try:
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
    except SystemCheckError as failure:
        return {"ok": False, "output": out.getvalue() + str(failure)}
    return {"ok": True, "output": out.getvalue()}


def _responses(host: str) -> dict:
    from allauth.account.models import EmailAddress
    from django.test import Client

    from mentorscheme.members.models import Member, Region, User

    password = "a long production pass phrase"  # noqa: S105
    user = User.objects.create_user(email="probe@example.org", password=password)
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    Member.objects.create(
        membership_number="P000001",
        first_name="Pat",
        last_name="Probe",
        email=user.email,
        region=Region.objects.order_by("pk").first(),
        user=user,
    )

    client = Client(HTTP_HOST=host)
    result = {"headers": {}, "cookies": {}}
    plain = client.get("/guidance/")
    result["http"] = {"status": plain.status_code, "location": plain.get("Location")}

    def record(label, response):
        result["headers"][label] = {
            "status": response.status_code,
            **{k.lower(): v for k, v in response.headers.items()},
        }

    record("home", client.get("/", secure=True))
    sign_in = client.get("/accounts/login/", secure=True)
    record("sign_in", sign_in)
    if "csrftoken" in sign_in.cookies:
        result["cookies"]["csrf"] = _cookie(sign_in.cookies["csrftoken"])
    signed_in = client.post(
        "/accounts/login/",
        {"login": user.email, "password": password},
        secure=True,
    )
    record("sign_in_post", signed_in)
    if "sessionid" in signed_in.cookies:
        result["cookies"]["session"] = _cookie(signed_in.cookies["sessionid"])
    record("your_account", client.get("/members/me/", secure=True))
    record("unknown_host", client.get("/", secure=True, HTTP_HOST="testserver"))
    record("not_found", client.get("/no-such-page/", secure=True))
    record("static", client.get("/static/css/site.css", secure=True))
    return result


def main(host: str, static_root: str) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from whitenoise.compress import Compressor

    report = {
        "check": _check_deploy(),
        "settings": {
            "DEBUG": settings.DEBUG,
            "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
            "DEMO_MODE": settings.DEMO_MODE,
            "SESSION_COOKIE_AGE": settings.SESSION_COOKIE_AGE,
            "MIDDLEWARE": settings.MIDDLEWARE,
            "SESSION_EXPIRE_AT_BROWSER_CLOSE": settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
        },
    }
    call_command("migrate", verbosity=0)
    # Gzipping the API docs' scripts and source maps (megabytes) was a third of the
    # probe's work; it fetches a stylesheet, so only stylesheets are compressed.
    skip_compressing = [*Compressor.SKIP_COMPRESS_EXTENSIONS, *NOT_FETCHED]
    with override_settings(
        STATIC_ROOT=static_root, WHITENOISE_SKIP_COMPRESS_EXTENSIONS=skip_compressing
    ):
        call_command("collectstatic", verbosity=0, interactive=False)
        report.update(_responses(host))
    print(json.dumps(report))


if __name__ == "__main__":
    main(*sys.argv[1:3])
