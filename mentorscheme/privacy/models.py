"""Private calendar feeds, and the record of each erasure of a member's data."""

import secrets

from django.db import models
from django.utils import timezone

from mentorscheme.members.models import Member


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A secret address at which a member's calendar app reads their events.

    The token is kept as it is, not hashed: the member needs to see the address again
    to add it to another device, and what it guards is in the same database anyway.
    Making a new one retires the old address at once.
    """

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)
    last_read_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of member {self.member_id}"


class ErasureRecord(models.Model):
    """That a member's personal data was erased, when, by whom and why.

    It names the member only by the id of their (now anonymous) record.
    """

    member = models.OneToOneField(
        Member, null=True, on_delete=models.SET_NULL, related_name="erasure"
    )
    erased_by = models.ForeignKey(
        "members.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField()
    summary = models.JSONField(
        default=dict, help_text="How many records of each kind were changed."
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"Erasure of member {self.member_id} on {self.at:%d %b %Y}"
