from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """An email as delivered by the demo's outbox backend, readable by staff."""

    to = models.TextField()
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    attachments = models.JSONField(default=list, blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self):
        return self.subject
