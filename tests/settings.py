"""Test settings: the real settings with fast hashing, in-memory email, immediate tasks."""

from mentorscheme.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DEMO_MODE = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
