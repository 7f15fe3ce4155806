from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "mentorscheme.oversight"
