"""Who may run training events and briefings, and see an event's joining link."""

from django.http import Http404

from mentorscheme.members.access import Roles, regions_to_act_in
from mentorscheme.training.models import PLACE_STATUSES, Booking, TrainingEvent


def can_manage_events(roles: Roles) -> bool:
    """Training, workshops and briefings: the mentors' side (MSO) and staff."""
    return roles.is_staff or bool(roles.mentor_side_region_ids)


def can_publish_briefings(roles: Roles) -> bool:
    return roles.is_staff


def events_to_manage(roles: Roles):
    events = TrainingEvent.objects.select_related("region")
    if roles.is_staff:
        return events
    return events.filter(region_id__in=roles.mentor_side_region_ids)


def regions_to_run_events_in(roles: Roles):
    """The regions where this person may put an event: the mentors' side of their
    offices (every active region for staff). A Candidate Support Officer's region is
    not among them: they could not manage the event afterwards."""
    regions = regions_to_act_in(roles)
    if roles.is_staff:
        return regions
    return regions.filter(pk__in=roles.mentor_side_region_ids)


def get_event_to_manage_or_404(roles: Roles, event_id: int):
    try:
        return events_to_manage(roles).get(pk=event_id)
    except TrainingEvent.DoesNotExist:
        raise Http404("No such event") from None


def own_booking(member, booking_id: int | None) -> Booking | None:
    """One of the member's own bookings, with its event; None for anyone else's."""
    if member is None or booking_id is None:
        return None
    return (
        Booking.objects.select_related("event")
        .filter(pk=booking_id, member=member)
        .first()
    )


def may_join_online(roles: Roles, event_ids) -> set[int]:
    """Of these events (pks, or a query of them), those whose joining link this
    person may see: the ones they hold a place on, and the ones they run (officers
    of the region, staff)."""
    allowed = set(
        events_to_manage(roles).filter(pk__in=event_ids).values_list("pk", flat=True)
    )
    if roles.member is not None:
        allowed |= set(
            Booking.objects.filter(
                member=roles.member, event_id__in=event_ids, status__in=PLACE_STATUSES
            ).values_list("event_id", flat=True)
        )
    return allowed
