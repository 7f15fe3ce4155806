from django.apps import AppConfig


class PeriodicConfig(AppConfig):
    name = "mentorscheme.periodic"
