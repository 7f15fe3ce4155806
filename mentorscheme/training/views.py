from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorscheme import confirm
from mentorscheme.fields import parse_id
from mentorscheme.members.access import require, roles_for
from mentorscheme.members.models import Region
from mentorscheme.training import calendar, services
from mentorscheme.training.access import (
    can_manage_events,
    can_publish_briefings,
    events_to_manage,
    get_event_to_manage_or_404,
    may_join_online,
    own_booking,
    regions_to_run_events_in,
)
from mentorscheme.training.forms import BriefingForm, EventForm
from mentorscheme.training.models import (
    HELD_STATUSES,
    Booking,
    BookingStatus,
    EventKind,
    RegulationsBriefing,
    TrainingEvent,
)


def event_list(request):
    """Events to come, and the recordings of those past: briefings and webinars
    mentors keep up by."""
    now = timezone.now()
    events = TrainingEvent.objects.filter(is_cancelled=False).select_related("region")
    kind, region = request.GET.get("kind", ""), request.GET.get("region", "")
    if kind in EventKind.values:
        events = events.filter(kind=kind)
    if region_id := parse_id(region):
        events = events.filter(region_id=region_id)
    recordings = (
        events.filter(ends_at__lt=now).exclude(recording_url="").order_by("-starts_at")
    )
    events = events.filter(ends_at__gte=now)
    # Published for every region, so shown whatever the region chosen.
    briefings = []
    if kind in ("", EventKind.BRIEFING):
        briefings = (
            RegulationsBriefing.objects.filter(published_at__lte=now)
            .exclude(recording_url="")
            .select_related("regulations")
        )
    roles = roles_for(request.user)
    bookings = []
    if roles.member:
        bookings = Booking.objects.filter(
            member=roles.member,
            status__in=HELD_STATUSES,
        ).select_related("event")
    return render(
        request,
        "training/index.html",
        {
            "events": events[:200],
            "recordings": recordings[:100],
            "briefings": briefings,
            "kinds": EventKind.choices,
            "kind": kind,
            "regions": Region.objects.filter(is_active=True),
            "region": region,
            "bookings": bookings,
            "can_manage": can_manage_events(roles),
        },
    )


def event_detail(request, pk: int):
    event = get_object_or_404(TrainingEvent.objects.select_related("region"), pk=pk)
    roles = roles_for(request.user)
    booking = None
    if roles.member:
        booking = event.bookings.filter(
            member=roles.member,
            status__in=HELD_STATUSES,
        ).first()
    held = None
    if roles.member and booking is None:
        held = services.booking_of_the_same_kind(event=event, member=roles.member)
    taken = services.places_taken(event)
    return render(
        request,
        "training/event.html",
        {
            "event": event,
            "booking": booking,
            "held": held,
            "free": max(event.capacity - taken, 0),
        },
    )


def event_ics(request, pk: int):
    event = get_object_or_404(TrainingEvent, pk=pk)
    links = may_join_online(roles_for(request.user), [event.pk])
    response = HttpResponse(
        calendar.calendar_for([event], cancelled=event.is_cancelled, links=links),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    return response


@login_required
@require_POST
def book(request, pk: int):
    roles = roles_for(request.user)
    require(roles.member is not None)
    try:
        booking = services.booking_create(event_id=pk, member=roles.member)
    except services.TrainingError as refusal:
        messages.error(request, str(refusal))
    except TrainingEvent.DoesNotExist:
        return HttpResponse(status=404)
    else:
        messages.success(
            request,
            "You are booked. We have emailed you a calendar invitation."
            if booking.status == BookingStatus.BOOKED
            else "The event is full, so you are on the waiting list. We will email you "
            "if a place comes free.",
        )
    return redirect("training:event", pk=pk)


@login_required
@require_POST
def move_booking(request, pk: int):
    """Move the booking held for another event of this kind to this one."""
    roles = roles_for(request.user)
    require(roles.member is not None)
    booking_id = parse_id(request.POST.get("booking", ""))
    if booking_id is None:
        return HttpResponse(status=400)
    held = own_booking(roles.member, booking_id)
    to = TrainingEvent.objects.filter(pk=pk).first()
    if (
        confirm.needs_confirmation(request)
        and held is not None
        and to is not None
        and held.status in HELD_STATUSES
        and held.event.starts_at > timezone.now()
        and services.places_taken(to) < to.capacity  # else refused at once, below
    ):
        return _confirm_booking_move(request, held, to)
    try:
        services.booking_move(
            booking_id=booking_id, to_event_id=pk, member=roles.member
        )
    except services.TrainingError as refusal:
        messages.error(request, str(refusal))
    except (Booking.DoesNotExist, TrainingEvent.DoesNotExist):
        return HttpResponse(status=404)
    else:
        messages.success(
            request,
            "Your booking has been moved to this event. We have emailed you a "
            "calendar invitation, and taken the other event out of your calendar.",
        )
    return redirect("training:event", pk=pk)


@login_required
@require_POST
def cancel_booking(request, pk: int):
    roles = roles_for(request.user)
    require(roles.member is not None)
    booking = own_booking(roles.member, pk)
    if booking is None:
        raise Http404("No such booking")
    if (
        confirm.needs_confirmation(request)
        and booking.status in HELD_STATUSES
        and booking.event.starts_at > timezone.now()
    ):
        return _confirm_booking_cancel(request, booking)
    try:
        services.booking_cancel(booking_id=booking.pk, member=roles.member)
    except services.TrainingError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Your booking has been cancelled.")
    return redirect("training:event", pk=booking.event_id)


def _giving_up(booking) -> list[str]:
    """What giving up ``booking`` does: to the member, and to whoever waits."""
    event = booking.event
    when = f"{timezone.localtime(event.starts_at):%A %-d %B %Y}"
    if booking.status == BookingStatus.WAITING:
        return [
            f"You leave the waiting list for {event.title} on {when}, and are not "
            "offered a place if one comes free.",
        ]
    waiting = event.bookings.filter(status=BookingStatus.WAITING).count()
    return [
        f"You give up your place at {event.title} on {when}.",
        "The first person on the waiting list is given your place and emailed."
        if waiting
        else "Your place is offered to anyone who books next.",
    ]


def _confirm_booking_move(request, held, to):
    when = f"{timezone.localtime(to.starts_at):%A %-d %B %Y}"
    return confirm.confirmation_page(
        request,
        title=f"Move your booking to {to.title} on {when}",
        consequences=[
            *_giving_up(held),
            f"You take a place at {to.title} on {when}.",
            "You are emailed a calendar invitation, and the other event is taken "
            "out of your calendar.",
        ],
        button="Yes, move my booking",
        back_url=reverse("training:event", args=[to.pk]),
        back_text="No, keep my booking",
        undo="You can move back later only if a place is still free there.",
    )


def _confirm_booking_cancel(request, booking):
    event = booking.event
    consequences = _giving_up(booking)
    consequences.append(
        "You are emailed that the booking is cancelled, with a calendar update."
    )
    return confirm.confirmation_page(
        request,
        title=f"Cancel your booking for {event.title}",
        consequences=consequences,
        button="Yes, cancel my booking",
        back_url=reverse("training:event", args=[event.pk]),
        back_text="No, keep my booking",
        undo="You can book again later only if a place is still free.",
        danger=True,
    )


# -- officers ------------------------------------------------------------------------


@login_required
def manage_list(request):
    roles = roles_for(request.user)
    require(can_manage_events(roles))
    events = events_to_manage(roles).order_by("-starts_at")[:200]
    return render(request, "training/manage_list.html", {"events": events})


@login_required
def event_create(request):
    roles = roles_for(request.user)
    require(can_manage_events(roles))
    form = EventForm(request.POST or None, regions=regions_to_run_events_in(roles))
    if request.method == "POST" and form.is_valid():
        event = services.event_create(created_by=request.user, **form.cleaned_data)
        messages.success(request, f"“{event.title}” has been created.")
        return redirect("training:manage", pk=event.pk)
    return render(
        request,
        "training/event_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def event_manage(request, pk: int):
    roles = roles_for(request.user)
    event = get_event_to_manage_or_404(roles, pk)
    form = EventForm(
        request.POST or None,
        regions=regions_to_run_events_in(roles),
        initial={f: getattr(event, f) for f in EventForm.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.event_update(event=event, **form.cleaned_data)
        except services.TrainingError as refusal:
            form.add_error(refusal.field, str(refusal))
        else:
            messages.success(request, "The event has been updated.")
            return redirect("training:manage", pk=pk)
    bookings = event.bookings.exclude(status=BookingStatus.CANCELLED).select_related(
        "member"
    )
    return render(
        request,
        "training/manage.html",
        {
            "event": event,
            "form": form,
            "bookings": bookings,
            "taken": services.places_taken(event),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def event_cancel(request, pk: int):
    roles = roles_for(request.user)
    event = get_event_to_manage_or_404(roles, pk)
    if refusal := services.cancel_refusal(event):
        messages.error(request, refusal)
        return redirect("training:manage", pk=pk)
    if confirm.needs_confirmation(request):
        booked = [
            b.member.full_name
            for b in event.bookings.filter(status__in=HELD_STATUSES).select_related(
                "member"
            )
        ]
        return confirm.confirmation_page(
            request,
            title=f"Cancel {event.title}",
            consequences=[
                confirm.Consequence(
                    f"Everyone booked or waiting is emailed that it is cancelled "
                    f"({len(booked)} {'person' if len(booked) == 1 else 'people'}):",
                    tuple(booked),
                )
                if booked
                else "Nobody is booked, so nobody is emailed.",
                "The event stays listed, marked cancelled, and takes no bookings.",
            ],
            button="Yes, cancel the event",
            back_url=reverse("training:manage", args=[pk]),
            back_text="No, keep the event",
            danger=True,
        )
    try:
        services.event_cancel(event=event)
    except services.TrainingError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request, "The event has been cancelled and everyone booked emailed."
        )
    return redirect("training:manage", pk=pk)


@login_required
@require_POST
def attendance(request, pk: int, booking_pk: int):
    roles = roles_for(request.user)
    event = get_event_to_manage_or_404(roles, pk)
    booking = get_object_or_404(
        Booking.objects.select_related("member"), pk=booking_pk, event=event
    )
    was_waiting = booking.status == BookingStatus.WAITING
    try:
        recorded = services.booking_record_attendance(
            booking=booking,
            attended=request.POST.get("attended") == "yes",
            by=request.user,
        )
    except services.TrainingError as refusal:
        messages.error(request, str(refusal))
    else:
        if was_waiting:
            messages.success(request, _let_in_message(recorded, event.capacity))
    return redirect("training:manage", pk=pk)


@login_required
@require_POST
def walk_in(request, pk: int):
    """Add someone who came without a place to the register, as attending."""
    roles = roles_for(request.user)
    event = get_event_to_manage_or_404(roles, pk)
    try:
        booking = services.booking_record_walk_in(
            event=event,
            membership_number=request.POST.get("membership_number", ""),
            by=request.user,
        )
    except services.TrainingError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(
            request,
            f"{booking.member.full_name} is recorded as attending, having come "
            "without a place.",
        )
    return redirect("training:manage", pk=pk)


def _let_in_message(booking: Booking, capacity_before: int) -> str:
    name, capacity = booking.member.full_name, booking.event.capacity
    if capacity > capacity_before:
        return (
            f"{name}, let in from the waiting list, is recorded as attending. Every "
            f"place was taken, so the places have been raised to {capacity}."
        )
    return f"{name}, let in from the waiting list, is recorded as attending."


@login_required
def briefing_publish(request):
    roles = roles_for(request.user)
    require(can_publish_briefings(roles))
    form = BriefingForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and confirm.needs_confirmation(request)
    ):
        return confirm.confirmation_page(
            request,
            title=f"Publish “{form.cleaned_data['title']}”",
            consequences=[
                "Every mentor, listed or on the way to listing, is emailed, each "
                "asked to watch the recording "
                "or attend a briefing, then mark themselves up to date with "
                f"{form.cleaned_data['regulations']}.",
                "The briefing is listed on each mentor's page.",
            ],
            button="Yes, publish and email the mentors",
            back_url=reverse("training:briefing_new"),
            undo="Once sent, the emails cannot be called back.",
        )
    if request.method == "POST" and form.is_valid():
        services.briefing_publish(**form.cleaned_data)
        messages.success(request, "The briefing is published and the mentors emailed.")
        return redirect("training:index")
    return render(
        request,
        "training/briefing_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
