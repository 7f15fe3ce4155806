from django.apps import AppConfig
from django.core import checks

from mentorscheme.members import changes


class MembersConfig(AppConfig):
    name = "mentorscheme.members"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.members import access, signals  # noqa: F401, PLC0415

        # Other apps register into these from their own ready(): checked after setup.
        checks.register(changes.check_registered)
        checks.register(access.check_roles_registered)
