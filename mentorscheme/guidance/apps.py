from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "mentorscheme.guidance"
