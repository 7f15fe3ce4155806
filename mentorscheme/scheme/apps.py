from django.apps import AppConfig


class SchemeConfig(AppConfig):
    name = "mentorscheme.scheme"
