"""Writes for a member's calendar feed. One transaction each."""

from django.db import transaction

from mentorscheme.members.models import Member
from mentorscheme.privacy.models import CalendarFeed, new_feed_token


@transaction.atomic
def feed_renew(*, member: Member) -> CalendarFeed:
    """Give the member a feed at a new secret address; any old address stops working."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        member=member
    )
    if not created:
        feed.token = new_feed_token()
        feed.last_read_at = None
        feed.save(update_fields=["token", "last_read_at"])
    return feed


@transaction.atomic
def feed_turn_off(*, member: Member) -> None:
    CalendarFeed.objects.filter(member=member).delete()
