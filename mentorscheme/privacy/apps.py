from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "mentorscheme.privacy"
    verbose_name = "Data protection and calendar feeds"
