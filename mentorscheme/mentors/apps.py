from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentorscheme.mentors"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.mentors import access, signals  # noqa: PLC0415

        access.register_mentor_role()
        signals.connect()
