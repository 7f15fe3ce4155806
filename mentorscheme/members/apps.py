from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "mentorscheme.members"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from django.core import checks  # noqa: PLC0415

        from mentorscheme.members import access, changes, signals  # noqa: F401, PLC0415

        # Other apps register into these from their own ready(): checked after setup.
        checks.register(changes.check_registered)
        checks.register(access.check_roles_registered)
