from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "mentorscheme.members"

    def ready(self):
        from mentorscheme.members import signals  # noqa: F401
