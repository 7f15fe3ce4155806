from django.apps import AppConfig


class MentoringConfig(AppConfig):
    name = "mentorscheme.mentoring"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.members import changes  # noqa: PLC0415
        from mentorscheme.mentoring import services, signals  # noqa: PLC0415

        signals.connect()
        # Imported line managers and awards take effect at once.
        changes.on_import_committed(services.register_changed)
