"""Reads from the member register."""

from django.db.models import Prefetch, Q, QuerySet

from mentorscheme.members.models import RegistrationAward


def member_search(*, members: QuerySet, text: str = "", region_id: int | None = None):
    """Members matching a search, with what a register list shows prefetched."""
    if text:
        for word in text.split():
            members = members.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(membership_number__iexact=word)
                | Q(email__iexact=word)
            )
    if region_id:
        members = members.filter(region_id=region_id)
    return members.select_related("region", "organisation").prefetch_related(
        Prefetch("awards", queryset=RegistrationAward.objects.select_related("level"))
    )
