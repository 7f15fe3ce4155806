from django.apps import AppConfig


class SchemeConfig(AppConfig):
    name = "mentorscheme.scheme"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.scheme import access  # noqa: PLC0415

        access.register_candidate_role()
