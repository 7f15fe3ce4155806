"""Training events and bookings, through training's own services (places never oversold)."""

from django.db.models import Count, Q
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from mentorscheme.api.auth import require_member, require_scope
from mentorscheme.api.models import Scope
from mentorscheme.api.problems import ApiProblem, error_responses, refusal
from mentorscheme.api.schemas import (
    BookingIn,
    BookingOut,
    Code,
    EventOut,
    Id,
    PageParams,
    page_of,
    paginate,
)
from mentorscheme.training import services
from mentorscheme.training.access import may_join_online, own_booking
from mentorscheme.training.models import (
    PLACE_STATUSES,
    Booking,
    EventKind,
    TrainingEvent,
)

router = Router(tags=["training"])


class EventFilters(Schema):
    kind: EventKind | None = None
    region: Code | None = Field(None, description="A region code.")
    include_past: bool = Field(False, description="Also events that have ended.")


def _events():
    return TrainingEvent.objects.select_related("region").annotate(
        taken=Count("bookings", filter=Q(bookings__status__in=PLACE_STATUSES))
    )


def _event_out(event, links=frozenset()) -> dict:
    """An event; its joining link only where ``links`` holds its pk (the caller
    holds a place on it or runs it)."""
    return {
        "id": event.pk,
        "uid": str(event.uid),
        "kind": event.kind,
        "title": event.title,
        "region": event.region.code,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "location": event.location,
        "online_url": event.online_url if event.pk in links else None,
        "description": event.description,
        "capacity": event.capacity,
        "free_places": max(event.capacity - event.taken, 0),
        "is_cancelled": event.is_cancelled,
    }


@router.get("/events", response=page_of(EventOut), summary="Training events")
def events(request, filters: Query[EventFilters], page: Query[PageParams]):
    require_scope(request.auth, Scope.READ)
    found = _events().order_by("starts_at", "pk")
    if not filters.include_past:
        found = found.filter(is_cancelled=False, ends_at__gte=timezone.now())
    if filters.kind:
        found = found.filter(kind=filters.kind)
    if filters.region:
        found = found.filter(region__code=filters.region)
    links = may_join_online(request.auth.roles, found.values("pk"))
    return paginate(found, page, lambda event: _event_out(event, links))


@router.get(
    "/events/{event_id}",
    response={200: EventOut, **error_responses(404)},
    summary="One training event",
)
def event_get(request, event_id: Id):
    require_scope(request.auth, Scope.READ)
    event = _events().filter(pk=event_id).first()
    if event is None:
        raise ApiProblem("not-found", "There is no such event.")
    return _event_out(event, may_join_online(request.auth.roles, [event.pk]))


def _booking_out(booking: Booking) -> dict:
    return {
        "id": booking.pk,
        "event_id": booking.event_id,
        "event_title": booking.event.title,
        "starts_at": booking.event.starts_at,
        "status": booking.status,
        "created_at": booking.created_at,
    }


@router.get("/bookings", response=page_of(BookingOut), summary="Your bookings")
def bookings(request, page: Query[PageParams]):
    member = require_member(request.auth)
    mine = member.bookings.select_related("event").order_by("-event__starts_at", "-pk")
    return paginate(mine, page, _booking_out)


@router.post(
    "/bookings",
    response={201: BookingOut, **error_responses(404, 409)},
    summary="Book a place (or join the waiting list when full)",
)
def booking_create(request, payload: BookingIn):
    member = require_member(request.auth)
    if not TrainingEvent.objects.filter(pk=payload.event_id).exists():
        raise ApiProblem("not-found", "There is no such event.")
    try:
        booking = services.booking_create(event_id=payload.event_id, member=member)
    except services.TrainingError as error:
        raise refusal(error) from None
    return Status(201, _booking_out(booking))


@router.post(
    "/bookings/{booking_id}/cancel",
    response={200: BookingOut, **error_responses(404, 409)},
    summary="Cancel your booking",
)
def booking_cancel(request, booking_id: Id):
    member = require_member(request.auth)
    if own_booking(member, booking_id) is None:
        raise ApiProblem("not-found", "You have no such booking.")
    try:
        booking = services.booking_cancel(booking_id=booking_id, member=member)
    except services.TrainingError as error:
        raise refusal(error) from None
    return _booking_out(booking)
