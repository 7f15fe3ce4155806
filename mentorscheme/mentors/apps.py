from django.apps import AppConfig


class MentorsConfig(AppConfig):
    name = "mentorscheme.mentors"

    def ready(self):
        from mentorscheme.mentors import signals

        signals.connect()
