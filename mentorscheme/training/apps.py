from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "mentorscheme.training"

    def ready(self):
        from django.core import checks  # noqa: PLC0415

        from mentorscheme.training import changes  # noqa: PLC0415

        # mentors registers into these from its ready(): checked after setup.
        checks.register(changes.check_registered)
