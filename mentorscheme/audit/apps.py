from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mentorscheme.audit"
