"""Test settings: the real settings with fast hashing, in-memory email, immediate tasks."""

from mentorscheme.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DEMO_MODE = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
# Browser tests keep their pages, and the pages their connections to the live server,
# from one test to the next: each of the server's threads closes its database
# connection when its request ends, so none is still open when the test database is
# dropped (PostgreSQL refuses to drop a database in use).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
