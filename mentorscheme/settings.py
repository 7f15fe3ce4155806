"""Settings for Mentor Scheme, read from the environment.

Defaults give the embedded demo (SQLite, outbox email, DEBUG on). Production sets
DJANGO_DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and EMAIL_URL-style settings.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes")


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item]


DEBUG = envbool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "insecure-demo-key-only-for-local-runs"  # noqa: S105
# Production serves only the hosts the operator names; the demo adds the test client's.
ALLOWED_HOSTS = envlist(
    "ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else ""
)
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# Demo conveniences (outbox page, one-time codes for demo accounts) are on in DEBUG.
DEMO_MODE = envbool("DEMO_MODE", DEBUG)
# Days a mentoring carries on after the mentor's or the candidate's membership (or
# the mentor's registration) lapsed, for the renewal to be recorded; still lapsed
# then, the scheme ends it. A lapsed member's bookings of training places are kept
# as long. Memberships mostly lapse through a late renewal.
LAPSE_GRACE_DAYS = envint("LAPSE_GRACE_DAYS", 30)
# Approved mentors who hold no booking for the training or workshop they still
# need are reminded this many days after approval, and again as long after each
# reminder, at most MENTOR_STEPS_REMINDERS times.
MENTOR_STEPS_REMINDER_DAYS = envint("MENTOR_STEPS_REMINDER_DAYS", 30)
MENTOR_STEPS_REMINDERS = envint("MENTOR_STEPS_REMINDERS", 2)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "mentorscheme.audit",
    "mentorscheme.members",
    "mentorscheme.scheme",
    "mentorscheme.mentors",
    "mentorscheme.mentoring",
    "mentorscheme.training",
    "mentorscheme.notifications",
    "mentorscheme.contact",
    "mentorscheme.guidance",
    "mentorscheme.oversight",
    "mentorscheme.api",
    "mentorscheme.privacy",
    "mentorscheme.periodic",
    "ninja",
    "mentorscheme.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Cache-Control: private, no-store on every answer to a signed-in person.
    "mentorscheme.members.middleware.PrivateResponseMiddleware",
    "mentorscheme.members.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "mentorscheme.two_factor.RequireTwoFactorMiddleware",
    # In DEBUG (the demo), a missing page still gets the site's own page.
    "mentorscheme.errors.FriendlyNotFoundMiddleware",
    # A row lock not had in time: "try again", not an error page.
    "mentorscheme.errors.BusyMiddleware",
]

ROOT_URLCONF = "mentorscheme.urls"
WSGI_APPLICATION = "mentorscheme.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "mentorscheme" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "mentorscheme.members.context_processors.roles",
                "mentorscheme.homes.navigation.navigation",
            ],
            # urltags: {% url %} reversing each address once a process; datetags:
            # the date filter formatting each date once.
            "builtins": [
                "mentorscheme.formtags",
                "mentorscheme.urltags",
                "mentorscheme.datetags",
            ],
        },
    },
]

_default_db = f"sqlite:///{BASE_DIR / 'var' / 'mentorscheme.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the task worker and the web server use the file together.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Pages run short queries: PostgreSQL's JIT compiler spends longer (around 100 ms)
    # compiling a query it guesses is costly than the query then takes to run.
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options.setdefault("options", "-c jit=off")
    # A page runs the same few queries on every request: sent with their parameters
    # apart (server-side binding) and prepared once a connection has run them twice,
    # PostgreSQL parses and plans each once a connection instead of once a request,
    # which was most of the database's time on a page. Off (0) behind a pooler that
    # hands each transaction a different server connection (PgBouncer's transaction
    # mode), where a statement prepared on one connection is unknown on the next.
    if envint("DB_PREPARED_STATEMENTS", 1):
        _options.setdefault("server_side_binding", True)
        _options.setdefault("prepare_threshold", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# How long a transaction waits for a row another one has locked before giving up
# and asking the person to try again (PostgreSQL; SQLite waits busy_timeout).
LOCK_TIMEOUT_MS = envint("LOCK_TIMEOUT_MS", 5000)

# Rate limits must hold across app servers, so the cache lives in the database.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "mentorscheme_cache",
        # Sign-in and API rate limits count here beside the dashboards' figures:
        # with Django's 300 entries, a burst of new keys (sign-ins to many addresses)
        # would drop a third of them, limits' counts included. Not far more: every
        # write counts the table's rows, and expired rows go only once it is full.
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_ADAPTER = "mentorscheme.members.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "mentorscheme.members.forms.SignupForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Mentor Scheme] "
# How many proxies (load balancers) sit in front of the app servers and append to
# X-Forwarded-For. The client's address is the one the outermost of them saw; with 0
# (the default) forwarded headers are ignored and the socket's address is used. Every
# limit counts by it: sign-in, sign-up, password reset, contact and the API.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
NINJA_NUM_PROXIES = TRUSTED_PROXY_COUNT
# allauth's limits, counted atomically in the database cache. A failed sign-in counts
# against the client's address for that account ("key": see members.adapter), so a
# stranger's guesses never lock the owner out from where they are.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
    # Contact us: messages per client address.
    "contact": "5/h/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Mentor Scheme"

# An idle timeout: a sign-in ends after this long without a request.
SESSION_COOKIE_AGE = envint("SESSION_IDLE_TIMEOUT", 30 * 60)
# Renewed by members.middleware.IdleSessionMiddleware at most once a minute, so the
# timeout above is an idle one without a database write on every request.
SESSION_SAVE_EVERY_REQUEST = False

LANGUAGE_CODE = "en-gb"
# allauth's words in the site's sentence case (tools/sentence_case_allauth.py).
LOCALE_PATHS = [BASE_DIR / "mentorscheme" / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "mentorscheme" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email: the demo keeps messages in an outbox page; production uses SMTP.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "mentorscheme.notifications.backends.OutboxBackend"
    if DEMO_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Mentor Scheme <registration@mentorscheme.example>"
)

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
