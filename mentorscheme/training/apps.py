from django.apps import AppConfig
from django.core import checks

from mentorscheme.training import changes


class TrainingConfig(AppConfig):
    name = "mentorscheme.training"

    def ready(self):
        # mentors registers into these from its ready(): checked after setup.
        checks.register(changes.check_registered)
