"""Writes for a member's calendar feed. One transaction each."""

from django.db import transaction

from mentorscheme.locking import lock_row
from mentorscheme.members.models import Member
from mentorscheme.privacy.models import CalendarFeed, new_feed_token


@transaction.atomic
def feed_renew(*, member: Member) -> CalendarFeed:
    """Give the member a feed at a new secret address; any old address stops working."""
    # The member's row is the lock: two renewals at once make one feed, not two.
    lock_row(Member, member.pk)
    feed, created = CalendarFeed.objects.get_or_create(member=member)
    if not created:
        feed.token = new_feed_token()
        feed.last_read_at = None
        feed.save(update_fields=["token", "last_read_at"])
    return feed


@transaction.atomic
def feed_turn_off(*, member: Member) -> None:
    CalendarFeed.objects.filter(member=member).delete()
