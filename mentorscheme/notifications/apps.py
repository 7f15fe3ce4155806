from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mentorscheme.notifications"
