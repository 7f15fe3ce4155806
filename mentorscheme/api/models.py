"""Integration tokens: how another system (the membership database) uses the API."""

from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    MEMBERS_WRITE = "members:write", "Create and update members and their awards"
    DIRECTORY_READ = "directory:read", "Read the mentor directory"
    READ = "read", "Read training events and other public information"


class IntegrationToken(models.Model):
    """A bearer token for one integration. Only a hash of its secret is kept.

    The token reads ``ms_<prefix>_<secret>``: the prefix finds the row, the SHA-256
    of the whole token is compared in constant time. The token is shown once.
    """

    name = models.CharField(max_length=100, help_text="What uses this token.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # A token with members:write rewrites the register for as long as it lives,
        # without its holder signing in: only staff given this may make one.
        permissions = [
            (
                "issue_register_token",
                "Can make API tokens that create and update members",
            )
        ]

    def __str__(self):
        return f"{self.name} (ms_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]
