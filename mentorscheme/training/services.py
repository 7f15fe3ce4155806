"""Writes for training events and bookings.

A place is never oversold: booking, cancelling and promotion from the waiting list
each lock the event row first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
immediate transactions serialise writers), then count, then write.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mentorscheme.audit import services as audit
from mentorscheme.locking import lock_row, lock_rows
from mentorscheme.members import officers
from mentorscheme.members import services as members
from mentorscheme.members.models import Member, MembershipStatus
from mentorscheme.notifications import emails
from mentorscheme.training import calendar, changes
from mentorscheme.training.models import (
    HELD_STATUSES,
    LIVE_STATUSES,
    PLACE_STATUSES,
    AcknowledgementHow,
    Booking,
    BookingStatus,
    BriefingAcknowledgement,
    EventKind,
    RegulationsBriefing,
    TrainingEvent,
)


class TrainingError(Exception):
    """The action was refused; the text says why, in plain words. ``field``: the
    form field it concerns, if one does."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


def _locked_event(event_id: int) -> TrainingEvent:
    return lock_row(TrainingEvent, event_id)


def _lock_member(member: Member) -> None:
    lock_row(Member, member.pk)


def _ics(
    event: TrainingEvent, *, member: Member, cancelled: bool = False
) -> emails.Attachment:
    """The calendar invitation for ``member``'s place; the method is also on the
    attachment's content type, where mail programs look for it (RFC 6047)."""
    method = calendar.invitation_method(cancelled=cancelled)
    return emails.Attachment(
        filename="invite.ics",
        content=calendar.invitation(event, member=member, cancelled=cancelled),
        mimetype=f"text/calendar; method={method}",
    )


def places_taken(event: TrainingEvent) -> int:
    return event.bookings.filter(status__in=PLACE_STATUSES).count()


@transaction.atomic
def event_create(*, created_by, **fields) -> TrainingEvent:
    event = TrainingEvent(created_by=created_by, **fields)
    event.full_clean()
    event.save()
    _announce_recording(event)
    return event


#: Events whose recording mentors are told of: what mentors keep up by.
RECORDED_FOR_MENTORS = (EventKind.BRIEFING, EventKind.WEBINAR)


def _announce_recording(event: TrainingEvent, now=None) -> bool:
    """Tell mentors of a briefing's or webinar's recording, the first time it
    has one (a corrected link is not news), once the event has ended: a link given
    beforehand is announced by the periodic run (``recordings_announce``)."""
    now = now or timezone.now()
    if (
        event.recording_url
        and event.kind in RECORDED_FOR_MENTORS
        and not event.is_cancelled
        and event.recording_announced_at is None
        and event.ends_at <= now
    ):
        event.recording_announced_at = now
        event.save(update_fields=["recording_announced_at"])
        changes.recording_added(event=event)
        return True
    return False


def recordings_announce(*, now=None) -> int:
    """Announce the recordings of events that have ended since their link was
    given; each event is locked and read again first. Idempotent."""
    now = now or timezone.now()
    due = TrainingEvent.objects.filter(
        kind__in=RECORDED_FOR_MENTORS,
        is_cancelled=False,
        recording_announced_at__isnull=True,
        ends_at__lte=now,
    ).exclude(recording_url="")
    announced = 0
    for event_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            announced += _announce_recording(_locked_event(event_id), now)
    return announced


def waiting_lists_close(*, now=None) -> int:
    """Once an event has started, tell those still on its waiting list that no place
    came free, and where the next events of its kind are. Each event is claimed by a
    conditional UPDATE, so each person is told once however often this runs. They
    stay on the list: someone let in on the day is still recorded as attending.
    Returns how many were told."""
    now = now or timezone.now()
    due = TrainingEvent.objects.filter(
        starts_at__lte=now, is_cancelled=False, waiting_told_at__isnull=True
    )
    told = 0
    for event_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            if not due.filter(pk=event_id).update(waiting_told_at=now):
                continue
            event = TrainingEvent.objects.get(pk=event_id)
            for booking in event.bookings.filter(
                status=BookingStatus.WAITING
            ).select_related("member"):
                emails.send(
                    "booking_no_place",
                    to=booking.member.email,
                    context={"event": event, "member": booking.member},
                )
                told += 1
    return told


#: How long after an event ends its officers have to take the register before they
#: are reminded.
REGISTER_REMINDER_AFTER = datetime.timedelta(days=1)


def registers_remind(*, now=None) -> int:
    """A day after an event ends with places whose attendance is not recorded, remind
    those who look after the region's mentors (staff where it has nobody): until it
    is recorded, nobody booked counts as trained or briefed. Each event is claimed
    by a conditional UPDATE, so it is reminded of once however often this runs.
    Returns how many events were reminded of."""
    now = now or timezone.now()
    due = TrainingEvent.objects.filter(
        ends_at__lte=now - REGISTER_REMINDER_AFTER,
        is_cancelled=False,
        register_reminded_at__isnull=True,
    )
    reminded = 0
    for event_id in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            if not due.filter(pk=event_id).update(register_reminded_at=now):
                continue
            event = TrainingEvent.objects.select_related("region").get(pk=event_id)
            # Each place to whoever may record it: not an officer's own, nor their
            # report's (``officers.conflict_reason``).
            groups = officers.by_recipients(
                event.region_id,
                officers.MENTORS,
                event.bookings.filter(status=BookingStatus.BOOKED).select_related(
                    "member"
                ),
                about=lambda booking: booking.member,
            )
            for to, places in groups:
                emails.send(
                    "register_to_take",
                    to=to.emails,
                    context={
                        "event": event,
                        "unrecorded": len(places),
                        "staff_instead": to.staff_instead,
                    },
                )
            reminded += bool(groups)
    return reminded


#: What people booked on an event rely on: a change to any of these is sent to them
#: with an updated invitation.
ARRANGEMENTS = ("starts_at", "ends_at", "location", "online_url")
#: What the register's entries rest on: fixed once attendance has been recorded.
REGISTER_FIELDS = ("kind", "starts_at", "ends_at", "regulations")


@transaction.atomic
def event_update(*, event: TrainingEvent, **fields) -> TrainingEvent:
    """Change an event. Everyone booked or waiting is told of a new time, place or
    joining link (with an invitation that replaces the one in their calendar). Once
    attendance has been recorded, the kind, the time and the regulations stay as
    they were: the mentors' gates and briefings rest on them. An event still to come
    cannot be moved into the past."""
    locked = _locked_event(event.pk)
    if "capacity" in fields and fields["capacity"] < places_taken(locked):
        raise TrainingError(
            f"{places_taken(locked)} places are already booked: the capacity cannot be "
            "lower than that.",
            field="capacity",
        )
    changed = {name for name, value in fields.items() if getattr(locked, name) != value}
    now = timezone.now()
    if "starts_at" in changed and fields["starts_at"] <= now < locked.starts_at:
        # Most likely a slip in the year: it would email everyone booked a date
        # gone by and open the register. An event under way can still be put right.
        raise TrainingError(
            "The start is in the past. Check the date and year: an event still to "
            "come cannot be moved to a time that has gone.",
            field="starts_at",
        )
    if (
        changed & set(REGISTER_FIELDS)
        and locked.bookings.filter(
            status__in=[BookingStatus.ATTENDED, BookingStatus.NO_SHOW]
        ).exists()
    ):
        raise TrainingError(
            "Attendance has been recorded for this event, so its kind, time and "
            "regulations can no longer change. If it was entered wrongly, create the "
            "event again and record attendance there."
        )
    for name, value in fields.items():
        setattr(locked, name, value)
    arrangements = changed & set(ARRANGEMENTS)
    if arrangements:
        locked.sequence += 1
    locked.full_clean()
    locked.save()
    if arrangements:
        for booking in locked.bookings.filter(status__in=HELD_STATUSES).select_related(
            "member"
        ):
            emails.send(
                "event_changed",
                to=booking.member.email,
                context={
                    "event": locked,
                    "member": booking.member,
                    "waiting": booking.status == BookingStatus.WAITING,
                },
                attachments=[]
                if booking.status == BookingStatus.WAITING
                else [_ics(locked, member=booking.member)],
            )
    _promote_waiting(locked)
    _announce_recording(locked)
    return locked


def cancel_refusal(event: TrainingEvent) -> str | None:
    """Why ``event`` cannot be cancelled, or None if it can."""
    if event.is_cancelled:
        return "This event has already been cancelled."
    if event.has_started:
        # Attendance is what happened: an event that did not take place is
        # recorded as nobody attending, which the gates then read.
        return (
            "This event has already started, so it can no longer be cancelled. "
            "Record who attended; if it did not take place, mark everyone "
            "“Did not attend”."
        )
    return None


@transaction.atomic
def event_cancel(*, event: TrainingEvent) -> TrainingEvent:
    locked = _locked_event(event.pk)
    if refusal := cancel_refusal(locked):
        raise TrainingError(refusal)
    locked.is_cancelled = True
    locked.sequence += 1
    locked.save(update_fields=["is_cancelled", "sequence"])
    for booking in locked.bookings.filter(status__in=HELD_STATUSES).select_related(
        "member"
    ):
        had_place = booking.status == BookingStatus.BOOKED
        booking.status = BookingStatus.CANCELLED
        booking.save(update_fields=["status", "updated_at"])
        emails.send(
            "event_cancelled",
            to=booking.member.email,
            context={
                "event": locked,
                "member": booking.member,
                "waiting": not had_place,
            },
            # Only a place was sent an invitation to take out of the calendar.
            attachments=[_ics(locked, member=booking.member, cancelled=True)]
            if had_place
            else [],
        )
    return locked


@transaction.atomic
def booking_create(*, event_id: int, member: Member) -> Booking:
    event = _locked_event(event_id)
    if event.is_cancelled:
        raise TrainingError("This event has been cancelled.")
    if event.starts_at <= timezone.now():
        raise TrainingError(
            "This event has already started, so it can no longer be booked."
        )
    if not member.is_current:
        raise TrainingError(
            "Only members whose membership is current can book. Once your renewal "
            "is recorded, you can book; to renew, contact the registration team."
        )
    if event.bookings.filter(member=member, status__in=HELD_STATUSES).exists():
        raise TrainingError(
            "You are already booked on this event (or on its waiting list)."
        )
    # The member next (after the event, the order every writer here locks in):
    # their bookings of two events of one kind at once are then decided in turn.
    _lock_member(member)
    if held := booking_of_the_same_kind(event=event, member=member):
        raise TrainingError(
            _one_is_enough(held, full=places_taken(event) >= event.capacity)
        )
    if event.bookings.filter(member=member, status=BookingStatus.CANCELLED).exists():
        # Their calendar holds this event's cancellation: only a later revision
        # puts it back.
        event.sequence += 1
        event.save(update_fields=["sequence"])
    has_place = places_taken(event) < event.capacity
    booking = Booking.objects.create(
        event=event,
        member=member,
        status=BookingStatus.BOOKED if has_place else BookingStatus.WAITING,
    )
    _tell_booked(booking) if has_place else emails.send(
        "booking_waiting", to=member.email, context={"event": event, "member": member}
    )
    return booking


#: Kinds of event one attendance is enough of: a member holds (or waits for) a place
#: on one of each at a time, so a scarce place is not kept from someone else.
#: Briefings and webinars are open to as many as a member likes.
ONE_IS_ENOUGH_OF = {
    EventKind.MENTOR_TRAINING: "mentor training session",
    EventKind.WORKSHOP: "Professional Registration workshop",
}


def booking_of_the_same_kind(*, event: TrainingEvent, member: Member) -> Booking | None:
    """The member's booking (or place on a waiting list) for another event to come
    of ``event``'s kind, where one is enough; None if they hold none."""
    if event.kind not in ONE_IS_ENOUGH_OF:
        return None
    return (
        _others_of_the_kind(event, member, HELD_STATUSES)
        .select_related("event")
        .order_by("event__starts_at")
        .first()
    )


def _others_of_the_kind(event: TrainingEvent, member: Member, statuses):
    """The member's bookings in ``statuses`` for other events to come of the kind."""
    return Booking.objects.filter(
        member=member,
        status__in=statuses,
        event__kind=event.kind,
        event__is_cancelled=False,
        event__starts_at__gt=timezone.now(),
    ).exclude(event=event)


def _one_is_enough(held: Booking, *, full: bool) -> str:
    other = held.event
    starts = timezone.localtime(other.starts_at)
    where = (
        "are on the waiting list for"
        if held.status == BookingStatus.WAITING
        else "already hold a place on"
    )
    instead = (
        "cancel that one first, then join this event's waiting list."
        if full
        else "move your booking here (below) or cancel that one first."
    )
    return (
        f"You {where} “{other.title}” on {starts:%-d %B %Y}, and one "
        f"{ONE_IS_ENOUGH_OF[other.kind]} is enough. To come to this one "
        f"instead, {instead}"
    )


@transaction.atomic
def booking_move(*, booking_id: int, to_event_id: int, member: Member) -> Booking:
    """Give up a booking (or a place on a waiting list) for a place on another event
    of the same kind to come, in one go: the member is never left with neither, and
    the place given up goes to the old event's waiting list."""
    held = Booking.objects.get(pk=booking_id, member=member)
    # Both events in key order, then the member: as every writer here locks.
    events = {e.pk: e for e in lock_rows(TrainingEvent, [held.event_id, to_event_id])}
    if to_event_id not in events:
        raise TrainingEvent.DoesNotExist(f"No training event with pk={to_event_id}.")
    _lock_member(member)
    held.refresh_from_db()
    old, new = events[held.event_id], events[to_event_id]
    now = timezone.now()
    if held.status not in HELD_STATUSES or old.starts_at <= now:
        raise TrainingError("That booking can no longer be moved.")
    if new.pk == old.pk or new.kind != old.kind:
        raise TrainingError("A booking moves only to another event of its kind.")
    if new.is_cancelled or new.starts_at <= now:
        raise TrainingError("This event has been cancelled or has started.")
    if places_taken(new) >= new.capacity:
        raise TrainingError(
            "This event is full, so your booking was not moved. To wait for a place "
            "here, cancel your other booking, then join this event's waiting list."
        )
    _cancel_and_tell(held, old, member=member)
    if new.bookings.filter(member=member, status=BookingStatus.CANCELLED).exists():
        new.sequence += 1  # their calendar holds this event's cancellation
        new.save(update_fields=["sequence"])
    booking = Booking.objects.create(
        event=new, member=member, status=BookingStatus.BOOKED
    )
    _tell_booked(booking)
    _promote_waiting(old)
    return booking


def _tell_booked(booking: Booking) -> None:
    emails.send(
        "booking_confirmed",
        to=booking.member.email,
        context={"event": booking.event, "member": booking.member},
        attachments=[_ics(booking.event, member=booking.member)],
    )


def _promote_waiting(event: TrainingEvent) -> None:
    """Give free places to the waiting list, first come first served, while the
    event is still to come (a place at something already under way helps nobody)."""
    if event.is_cancelled or event.starts_at <= timezone.now():
        return
    free = event.capacity - places_taken(event)
    if free <= 0:
        return
    waiting = event.bookings.filter(status=BookingStatus.WAITING).select_related(
        "member"
    )
    for booking in waiting.order_by("created_at", "id"):
        if free <= 0:
            break
        if _holds_a_place_of_the_kind(event=event, member=booking.member):
            continue  # stays on the list, for if they give that place up
        booking.status = BookingStatus.BOOKED
        booking.save(update_fields=["status", "updated_at"])
        _tell_booked(booking)
        free -= 1


def _holds_a_place_of_the_kind(*, event: TrainingEvent, member: Member) -> bool:
    """Whether ``member`` holds a place on another event to come of ``event``'s kind,
    where one is enough. A place on a waiting list joined before that rule must not
    become a second place: it is passed over while they hold the other. The member
    is locked (after the event, as every writer here locks) so that a booking they
    make at the same moment is decided in turn."""
    if event.kind not in ONE_IS_ENOUGH_OF:
        return False
    _lock_member(member)
    return _others_of_the_kind(event, member, [BookingStatus.BOOKED]).exists()


@transaction.atomic
def booking_cancel(*, booking_id: int, member: Member) -> Booking:
    booking = Booking.objects.select_related("event").get(pk=booking_id, member=member)
    event = _locked_event(booking.event_id)
    booking.refresh_from_db()
    if booking.status not in HELD_STATUSES:
        raise TrainingError("This booking cannot be cancelled now.")
    if event.starts_at <= timezone.now():
        raise TrainingError("This event has already started.")
    _cancel_and_tell(booking, event, member=member)
    _promote_waiting(event)
    return booking


def _cancel_and_tell(
    booking: Booking,
    event: TrainingEvent,
    *,
    member: Member,
    email: str = "booking_cancelled",
    **context,
) -> None:
    """Cancel the member's place (or place on the waiting list) at ``event``, which
    the caller has locked, and send them ``email`` (with ``context`` beside the
    event's); a place given up goes to the waiting list once the caller is done."""
    had_place = booking.status == BookingStatus.BOOKED
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status", "updated_at"])
    attachments = []
    if had_place:
        # A cancellation replaces the invitation only as a later revision of it.
        event.sequence += 1
        event.save(update_fields=["sequence"])
        attachments = [_ics(event, member=member, cancelled=True)]
    emails.send(
        email,
        to=member.email,
        context={"event": event, "member": member, "waiting": not had_place} | context,
        attachments=attachments,
    )


# -- places held by members whose membership lapsed ----------------------------------
#
# Only current members book. A membership mostly lapses through a renewal recorded
# late, so a lapsed member keeps their places for the grace period (as their
# mentoring carries on for it), told so; still lapsed after it, each place to come is
# cancelled, as they could cancel it themselves, and given to the waiting list.


def _places_to_come(member_ids):
    return Booking.objects.filter(
        member_id__in=member_ids,
        status__in=HELD_STATUSES,
        event__is_cancelled=False,
        event__starts_at__gt=timezone.now(),
    )


def bookings_lapse_tell(*, member_ids) -> int:
    """Tell each member newly found lapsed who holds places to come (or waits for
    one) until when they are kept. How many were told."""
    told = 0
    bookings = (
        _places_to_come(member_ids)
        .exclude(member__membership_status=MembershipStatus.CURRENT)
        .select_related("event", "member")
        .order_by("member_id", "event__starts_at")
    )
    by_member: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_member.setdefault(booking.member_id, []).append(booking)
    for held in by_member.values():
        member = held[0].member
        emails.send(
            "bookings_held_for_lapse",
            to=member.email,
            context={
                "member": member,
                "bookings": held,
                "until": member.lapse_grace_ends_on,
            },
        )
        told += 1
    return told


def _lapsed_past_grace(before):
    return (
        Member.objects.exclude(membership_status=MembershipStatus.CURRENT)
        .filter(membership_lapsed_at__lt=before)
        .values("pk")
    )


def bookings_of_lapsed_members_cancel(*, today: datetime.date | None = None) -> int:
    """Cancel the places to come (and places on waiting lists) of members still
    lapsed after the grace period, each member told, and give the freed places to
    the waiting list. Each event's are decided again under its lock, so
    overlapping runs cancel each once. How many were cancelled."""
    today = today or timezone.localdate()
    before = members.lapse_grace_over_before(today)
    events = (
        _places_to_come(_lapsed_past_grace(before))
        .order_by("event_id")
        .values_list("event_id", flat=True)
        .distinct()
    )
    return sum(_cancel_for_lapse(event_id, before) for event_id in list(events))


@transaction.atomic
def _cancel_for_lapse(event_id: int, before) -> int:
    event = _locked_event(event_id)  # the event first, as every writer here
    if event.is_cancelled or event.starts_at <= timezone.now():
        return 0
    due = lock_rows(
        event.bookings.filter(
            status__in=HELD_STATUSES,
            member__in=_lapsed_past_grace(before),
        ).select_related("member")
    )
    for booking in due:
        _cancel_and_tell(
            booking,
            event,
            member=booking.member,
            email="booking_cancelled_lapsed",
            grace_days=settings.LAPSE_GRACE_DAYS,
        )
    # Only once all of them are out: none of them is given a place.
    _promote_waiting(event)
    return len(due)


@transaction.atomic
def booking_record_attendance(*, booking: Booking, attended: bool, by) -> Booking:
    """The officer's register: attended or not, once the event has started.

    Every entry, a correction included, re-runs the member's mentor gates, so a
    "did not attend" takes away what the attendance gave.

    Someone on the waiting list let in on the day is recorded as attending too:
    the room held them, so they are given a place, and if every place was taken
    the number of places is raised to count them (never more taken than places).
    """
    # The event first, then the booking: the order every writer here locks in.
    event = _locked_event(booking.event_id)
    booking = lock_row(Booking.objects.select_related("member"), booking.pk)
    booking.event = event
    if booking.status == BookingStatus.WAITING and not attended:
        raise TrainingError(
            f"{booking.member.full_name} was on the waiting list and had no place, "
            "so there is no absence to record."
        )
    if booking.status not in (
        BookingStatus.BOOKED,
        BookingStatus.ATTENDED,
        BookingStatus.NO_SHOW,
        BookingStatus.WAITING,
    ):
        raise TrainingError("Only booked places can be marked as attended or not.")
    _refuse_register_entry(event, booking.member, by)
    before = booking.status
    if before == BookingStatus.WAITING:
        _give_a_place(event)
    booking.status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
    if booking.status == before:
        return booking
    booking.save(update_fields=["status", "updated_at"])
    _attendance_recorded(
        booking, attended=attended, was=BookingStatus(before).label, by=by
    )
    return booking


@transaction.atomic
def booking_record_walk_in(
    *, event: TrainingEvent, membership_number: str, by
) -> Booking:
    """Someone who came without a place (never booked, or cancelled and came after
    all) is added to the register as attending, once the event has started: a place
    is found for them as for someone let in from the waiting list, and the gates
    run as for any attendance (a correction later works the same way)."""
    event = _locked_event(event.pk)
    number = membership_number.strip()
    member = (
        Member.objects.filter(membership_number__iexact=number).first()
        if number
        else None
    )
    if member is None or member.is_erased:  # what remains of an erasure is nobody
        raise TrainingError(
            f"No member has the membership number {number or '(none given)'}. "
            "Check it in the member records, or on their membership card.",
            field="membership_number",
        )
    _refuse_register_entry(event, member, by)
    if event.bookings.filter(member=member, status__in=LIVE_STATUSES).exists():
        raise TrainingError(
            f"{member.full_name} is already on this event's register: record their "
            "attendance there.",
            field="membership_number",
        )
    _give_a_place(event)
    booking = Booking.objects.create(
        event=event, member=member, status=BookingStatus.ATTENDED
    )
    booking.event = event
    _attendance_recorded(booking, attended=True, was="Came without a place", by=by)
    return booking


def _refuse_register_entry(event: TrainingEvent, member: Member, by) -> None:
    """Why ``by`` may not write ``member``'s line of the register now, if so."""
    conflict = officers.conflict_reason(by, member)
    if conflict:
        raise TrainingError(
            f"{conflict} Another support officer of the region, or the registration "
            "team, records this attendance."
        )
    if event.starts_at > timezone.now():
        starts = timezone.localtime(event.starts_at)
        raise TrainingError(
            "Attendance can be recorded once the event has started "
            f"({starts:%-d %B %Y at %H:%M})."
        )
    if event.is_cancelled:
        raise TrainingError("This event was cancelled, so nobody attended it.")


def _give_a_place(event: TrainingEvent) -> None:
    """Someone let in on the day holds a place: if every place was taken, the
    places are raised to count them (never more taken than places)."""
    if places_taken(event) >= event.capacity:
        event.capacity = places_taken(event) + 1
        event.save(update_fields=["capacity"])


def _attendance_recorded(booking: Booking, *, attended: bool, was: str, by) -> None:
    """Keep who recorded it, and re-run what rests on it: the mentor's gates, or
    their briefing on the regulations."""
    event = booking.event
    audit.record(
        actor=by,
        action=audit.AuditAction.ATTENDANCE_RECORDED,
        target=booking,
        details={
            "attended": attended,
            "was": was,
            "event_starts": timezone.localtime(event.starts_at).isoformat(),
        },
    )
    if event.kind in (EventKind.MENTOR_TRAINING, EventKind.WORKSHOP):
        changes.attendance_changed(
            member=booking.member,
            kind=event.kind,
            on=timezone.localdate(event.starts_at),
            attended=attended,
            by=by,
        )
    elif event.kind in (EventKind.BRIEFING, EventKind.WEBINAR) and event.regulations_id:
        _briefing_attendance(booking, attended=attended)


def _briefing_attendance(booking: Booking, *, attended: bool) -> None:
    if attended:
        briefing_acknowledge(
            member=booking.member,
            regulations_id=booking.event.regulations_id,
            how=AcknowledgementHow.ATTENDED,
        )
        return
    still_attended = Booking.objects.filter(
        member=booking.member,
        status=BookingStatus.ATTENDED,
        event__regulations_id=booking.event.regulations_id,
    ).exists()
    if not still_attended:
        BriefingAcknowledgement.objects.filter(
            member=booking.member,
            regulations_id=booking.event.regulations_id,
            how=AcknowledgementHow.ATTENDED,
        ).delete()


@transaction.atomic
def briefing_publish(
    *,
    regulations,
    title: str,
    summary: str = "",
    recording_url: str = "",
    recorded_on: datetime.date | None = None,
) -> RegulationsBriefing:
    briefing = RegulationsBriefing(
        regulations=regulations,
        title=title,
        summary=summary,
        recording_url=recording_url,
        recorded_on=recorded_on,
    )
    briefing.full_clean()
    briefing.save()
    changes.briefing_published(briefing=briefing)  # the mentors app tells them
    return briefing


@transaction.atomic
def briefing_acknowledge(*, member: Member, regulations_id: int, how: str):
    acknowledgement, _ = BriefingAcknowledgement.objects.get_or_create(
        member=member, regulations_id=regulations_id, defaults={"how": how}
    )
    return acknowledgement
