from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "mentorscheme.oversight"

    def ready(self):
        # Models can be imported only once the app registry is ready.
        from mentorscheme.members import changes  # noqa: PLC0415
        from mentorscheme.mentors import changes as mentors  # noqa: PLC0415
        from mentorscheme.oversight import figures, signals  # noqa: PLC0415

        # The dashboard's rows follow every change the services make to what they
        # count, and an import's rewrite of regions and memberships.
        mentors.on_counts_changed(figures.counts_changed)
        changes.on_import_written(figures.import_written)
        # And every other save of what they count (the Django admin above all).
        signals.connect()
