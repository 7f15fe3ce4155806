from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "mentorscheme.members"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.members import signals  # noqa: F401, PLC0415
