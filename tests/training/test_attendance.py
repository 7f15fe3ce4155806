"""Attendance that happened: the register opens when the event starts, and every entry
(a correction included) re-runs the mentor's gates."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.members.models import ERASED_NUMBER_PREFIX, Member
from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.mentoring.models import (
    MentoringRelationship,
    MentoringRequest,
    RequestStatus,
)
from mentorscheme.mentors import services as mentor_services
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.training import services
from mentorscheme.training.models import BookingStatus, EventKind, TrainingEvent
from tests import factories as f
from tests.personas import login


def make_event(kind, days, capacity=12, region="london"):
    starts = timezone.now() + datetime.timedelta(days=days)
    return TrainingEvent.objects.create(
        kind=kind,
        title=f"{EventKind(kind).label}, London",
        region=f.region(region),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        location="Camden Library",
        capacity=capacity,
    )


def booked(event, member):
    return services.booking_create(event_id=event.pk, member=member)


def test_attendance_cannot_be_recorded_before_the_event_starts(
    client, carol, olivia, clock
):
    training = make_event(EventKind.MENTOR_TRAINING, days=6)
    workshop = make_event(EventKind.WORKSHOP, days=11)
    bookings = [booked(training, carol), booked(workshop, carol)]
    login(client, olivia)
    for booking in bookings:
        response = client.post(
            f"/training/manage/{booking.event_id}/attendance/{booking.pk}/",
            {"attended": "yes"},
            follow=True,
        )
        assert "Attendance can be recorded once the event has started" in response.text
    profile = MentorProfile.objects.get(member=carol)
    assert profile.status == MentorStatus.APPROVED
    assert (profile.trained_on, profile.workshop_attended_on) == (None, None)
    assert "Mentor training — done" not in login(client, carol).get("/mentors/").text
    with pytest.raises(services.TrainingError, match="once the event has started"):
        services.booking_record_attendance(booking=bookings[0], attended=True, by=None)


def test_once_started_attendance_lists_and_a_correction_delists_with_the_reason(
    carol, olivia, alice, clock, django_capture_on_commit_callbacks
):
    training = make_event(EventKind.MENTOR_TRAINING, days=6)
    workshop = make_event(EventKind.WORKSHOP, days=11)
    training_booking, workshop_booking = (
        booked(training, carol),
        booked(workshop, carol),
    )
    clock.move(days=12)
    for booking in (training_booking, workshop_booking):
        services.booking_record_attendance(booking=booking, attended=True, by=None)
    profile = MentorProfile.objects.get(member=carol)
    assert profile.status == MentorStatus.LISTED
    assert profile.workshop_attended_on == timezone.localdate(workshop.starts_at)
    request = MentoringRequest.objects.create(
        enrolment=alice.enrolments.get(), mentor=profile, message="Would you?"
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.booking_record_attendance(
            booking=workshop_booking, attended=False, by=olivia.user
        )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.TRAINED
    assert profile.workshop_attended_on is None
    last = profile.history.last()
    assert last.from_status == MentorStatus.LISTED and last.by == olivia.user
    assert "not attending the workshop" in last.note
    assert "has not yet attended a Professional Registration workshop" in last.note
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    recipients = {m.to[0]: m.subject for m in mail.outbox}
    assert "no longer listed" in recipients["carol@example.org"]
    assert "closed" in recipients["alice@example.org"]


def test_a_correction_that_leaves_another_attendance_keeps_the_gate(carol, clock):
    first = make_event(EventKind.WORKSHOP, days=2)
    second = make_event(EventKind.WORKSHOP, days=4)
    first_booking = booked(first, carol)
    clock.move(days=3)  # a second workshop is booked once the first has been
    second_booking = booked(second, carol)
    clock.move(days=2)
    services.booking_record_attendance(booking=first_booking, attended=True, by=None)
    services.booking_record_attendance(booking=second_booking, attended=True, by=None)
    services.booking_record_attendance(booking=first_booking, attended=False, by=None)
    profile = MentorProfile.objects.get(member=carol)
    assert profile.workshop_attended_on == timezone.localdate(second.starts_at)
    assert profile.status == MentorStatus.WORKSHOP_ATTENDED


def test_attendance_from_before_the_interest_was_registered_counts(olivia, clock):
    dan = f.MemberFactory(first_name="Dan", email="dan@example.org")
    f.award(dan, "chartership")
    f.with_account(dan)
    workshop = make_event(EventKind.WORKSHOP, days=1)
    booking = booked(workshop, dan)
    clock.move(days=2)
    services.booking_record_attendance(booking=booking, attended=True, by=None)
    profile = mentor_services.mentor_register_interest(member=dan)
    assert profile.workshop_attended_on == timezone.localdate(workshop.starts_at)
    profile.status = MentorStatus.APPLIED
    profile.save()
    mentor_services.mentor_application_review(
        profile=profile, decision=MentorStatus.APPROVED, by=olivia.user
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.WORKSHOP_ATTENDED


def test_the_dashboard_and_the_event_pages_count_places_alike(
    client, carol, olivia, alice, clock
):
    event = make_event(EventKind.WORKSHOP, days=1)
    booking = booked(event, carol)
    booked(event, alice)
    clock.move(days=1, hours=1)  # under way: the register is being taken
    services.booking_record_attendance(booking=booking, attended=True, by=None)
    assert booking.__class__.objects.get(pk=booking.pk).status == BookingStatus.ATTENDED
    login(client, olivia)
    dashboard = client.get("/oversight/").text
    assert "2 of 12" in dashboard and "0 of 12" not in dashboard
    assert "2 of 12 places taken" in client.get(f"/training/manage/{event.pk}/").text
    assert "10 of 12 free" in client.get(f"/training/{event.pk}/").text


def test_an_officer_cannot_record_their_own_or_their_reports_attendance(
    client, carol, olivia, clock
):
    carol.line_manager = olivia
    carol.save()
    f.mentor_profile(
        olivia, status=MentorStatus.APPROVED, trained_on=None, workshop_attended_on=None
    )
    training = make_event(EventKind.MENTOR_TRAINING, days=6)
    bookings = [booked(training, carol), booked(training, olivia)]
    clock.move(days=6, minutes=5)
    login(client, olivia)
    for booking, why in zip(bookings, ["line manager", "your own case"], strict=True):
        response = client.post(
            f"/training/manage/{training.pk}/attendance/{booking.pk}/",
            {"attended": "yes"},
            follow=True,
        )
        assert why in response.text
        assert "records this attendance" in response.text
        booking.refresh_from_db()
        assert booking.status == BookingStatus.BOOKED
    for member in (carol, olivia):
        profile = MentorProfile.objects.get(member=member)
        assert profile.trained_on is None


def test_someone_let_in_from_the_waiting_list_on_the_day_is_recorded_as_attending(
    client, olivia, alice, carol, clock
):
    training = make_event(EventKind.MENTOR_TRAINING, days=3, capacity=1)
    place = booked(training, alice)
    waiting = booked(training, carol)
    assert waiting.status == BookingStatus.WAITING
    login(client, olivia)
    url = f"/training/manage/{training.pk}/"
    assert "let in from the waiting list" not in client.get(url).text
    clock.move(days=3, minutes=5)  # under way; Alice came too
    login(client, olivia)
    page = client.get(url).text
    assert "Attended (let in from the waiting list)" in page
    response = client.post(
        f"{url}attendance/{waiting.pk}/", {"attended": "yes"}, follow=True
    )
    assert "Carol" in response.text and "recorded as attending" in response.text
    assert "the places have been raised to 2" in response.text
    assert "2 of 2 places taken" in response.text
    waiting.refresh_from_db()
    place.refresh_from_db()
    assert (waiting.status, place.status) == (
        BookingStatus.ATTENDED,
        BookingStatus.BOOKED,
    )
    profile = MentorProfile.objects.get(member=carol)
    assert profile.trained_on == timezone.localdate(training.starts_at)
    assert profile.status == MentorStatus.TRAINED


def test_a_place_added_on_the_day_goes_to_someone_let_in_from_the_waiting_list(
    olivia, alice, carol, clock
):
    workshop = make_event(EventKind.WORKSHOP, days=3, capacity=1)
    place = booked(workshop, alice)
    waiting = booked(workshop, carol)
    clock.move(days=3, minutes=5)
    # A chair was found: the officer adds a place once the workshop has begun.
    services.event_update(event=workshop, capacity=2)
    services.booking_record_attendance(booking=waiting, attended=True, by=olivia.user)
    workshop.refresh_from_db()
    assert workshop.capacity == 2
    assert services.places_taken(workshop) == 2
    assert MentorProfile.objects.get(member=carol).workshop_attended_on is not None
    place.refresh_from_db()
    assert place.status == BookingStatus.BOOKED


def test_the_waiting_list_is_not_marked_absent_nor_in_before_the_event_starts(
    olivia, alice, carol, clock
):
    training = make_event(EventKind.MENTOR_TRAINING, days=3, capacity=1)
    booked(training, alice)
    waiting = booked(training, carol)
    with pytest.raises(services.TrainingError, match="once the event has started"):
        services.booking_record_attendance(booking=waiting, attended=True, by=None)
    clock.move(days=3, minutes=5)
    with pytest.raises(services.TrainingError, match="no absence to record"):
        services.booking_record_attendance(booking=waiting, attended=False, by=None)
    waiting.refresh_from_db()
    training.refresh_from_db()
    assert waiting.status == BookingStatus.WAITING and training.capacity == 1


def test_each_entry_in_the_register_is_in_the_audit_log_with_who_made_it(
    client, carol, olivia, sam_with_totp, clock
):
    """Attendance is what lists a mentor, so the registration team can see who
    recorded it and who corrected it."""
    training = make_event(EventKind.MENTOR_TRAINING, days=6)
    booking = booked(training, carol)
    clock.move(days=7)
    login(client, olivia)
    register = f"/training/manage/{training.pk}/attendance/{booking.pk}/"
    client.post(register, {"attended": "yes"})
    client.post(register, {"attended": "no"})
    login(client, sam_with_totp)
    page = client.get("/oversight/audit/", {"action": "attendance_recorded"}).text
    assert "2 entries." in page
    assert page.count("olivia@example.org") == 2
    assert "Carol Cole" in page and "Mentor training, London" in page


def test_attendance_buttons_appear_once_the_event_has_started(
    client, olivia, alice, clock
):
    training = make_event(EventKind.MENTOR_TRAINING, days=3)
    booked(training, alice)
    url = f"/training/manage/{training.pk}/"
    page = login(client, olivia).get(url).text
    assert "Recorded once the event starts" in page
    assert "Did not attend<" not in page and "Attended<" not in page
    clock.move(days=3, minutes=5)
    page = login(client, olivia).get(url).text
    assert "Recorded once the event starts" not in page
    assert "Did not attend<" in page and "Attended<" in page


def test_a_correction_while_a_mentor_is_lapsed_is_not_lost_when_they_renew(
    client, carol, olivia, alice, clock, django_capture_on_commit_callbacks
):
    """Carol is listed on a workshop, lapses, and the workshop is corrected to "did
    not attend" meanwhile. Once she renews she is not listed (the workshop is still
    to do), and not left "lapsed" either: she is told what is missing, her history
    says why, and her candidate's mentoring carries on as after any renewal."""
    training = make_event(EventKind.MENTOR_TRAINING, days=6)
    workshop = make_event(EventKind.WORKSHOP, days=11)
    bookings = booked(training, carol), booked(workshop, carol)
    clock.move(days=12)
    for booking in bookings:
        services.booking_record_attendance(booking=booking, attended=True, by=None)
    profile = MentorProfile.objects.get(member=carol)
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=profile
    )
    Member.objects.filter(pk=carol.pk).update(membership_status="lapsed")
    mentor_services.mentor_lapse_check()
    assert MentorProfile.objects.get(member=carol).status == MentorStatus.LAPSED
    services.booking_record_attendance(
        booking=bookings[1], attended=False, by=olivia.user
    )
    Member.objects.filter(pk=carol.pk).update(membership_status="current")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mentor_services.mentor_lapse_check()
        mentor_services.mentor_lapse_check()
    profile = MentorProfile.objects.get(member=carol)
    assert profile.status == MentorStatus.TRAINED
    [told] = [m for m in mail.outbox if "no longer listed" in m.subject]
    assert told.to == [carol.email]
    assert "Attend a Professional Registration workshop." in told.body
    assert "listed again automatically" in told.body
    notes = " ".join(profile.history.values_list("note", flat=True))
    assert "not attending the workshop" in notes
    page = login(client, carol).get("/mentors/").text
    assert "Attend a Professional Registration workshop" in page
    relationship.refresh_from_db()
    assert relationship.status == "active"
    clock.move(days=60)  # past the grace period: a renewed mentor's mentoring stays
    mentor_services.mentor_lapse_check()
    mentoring_services.lapsed_mentoring_end(today=timezone.localdate())
    relationship.refresh_from_db()
    assert relationship.status == "active"


def test_an_event_over_with_its_register_not_taken_is_on_the_dashboard(
    client, carol, olivia, sam_with_totp, clock
):
    """Nobody listed from a workshop whose register was never taken: the officer,
    and the registration team, see it waiting until every place is recorded."""
    workshop = make_event(EventKind.WORKSHOP, days=3)
    briefing = make_event(EventKind.BRIEFING, days=4)
    booking = booked(workshop, carol)
    booked(briefing, carol)
    clock.move(days=3, hours=2)  # the workshop is under way: its own row says so
    login(client, olivia)
    assert "Registers to take" not in client.get("/oversight/").text
    clock.move(days=2)  # both are over
    page = login(client, olivia).get("/oversight/").text
    section = page.split('id="registers"')[1].split("</table>")[0]
    assert f'href="/training/manage/{workshop.pk}/"' in section
    assert f'href="/training/manage/{briefing.pk}/"' in section
    assert "1 not recorded" in section
    assert (
        "London"
        in login(client, sam_with_totp)
        .get("/oversight/")
        .text.split('id="registers"')[1]
        .split("</table>")[0]
    )
    services.booking_record_attendance(booking=booking, attended=True, by=olivia.user)
    section = (
        login(client, olivia)
        .get("/oversight/")
        .text.split('id="registers"')[1]
        .split("</table>")[0]
    )
    assert f'href="/training/manage/{workshop.pk}/"' not in section


def test_someone_who_came_without_a_place_is_added_to_the_register(
    client, carol, olivia, clock
):
    """Carol cancelled her workshop place, then came on the day after all: once the
    workshop has started the officer adds her to the register by her membership
    number, and she is listed as any attendee would be."""
    MentorProfile.objects.filter(member=carol).update(
        status=MentorStatus.TRAINED, trained_on=datetime.date(2025, 3, 1)
    )
    workshop = make_event(EventKind.WORKSHOP, days=2, capacity=1)
    booking = booked(workshop, carol)
    services.booking_cancel(booking_id=booking.pk, member=carol)
    url = f"/training/manage/{workshop.pk}/walk-in/"
    number = {"membership_number": carol.membership_number}
    login(client, olivia)
    page = client.get(f"/training/manage/{workshop.pk}/").text
    assert "came without a place" not in page  # not before it starts
    refused = client.post(url, number, follow=True).text
    assert "once the event has started" in refused
    clock.move(days=2, hours=1)
    login(client, olivia)
    assert "came without a place" in client.get(f"/training/manage/{workshop.pk}/").text
    unknown = client.post(url, {"membership_number": "X-404"}, follow=True).text
    assert "No member has the membership number X-404" in unknown
    done = client.post(url, number, follow=True).text
    assert "Carol Cole is recorded as attending" in done
    profile = MentorProfile.objects.get(member=carol)
    assert profile.status == MentorStatus.LISTED
    assert profile.workshop_attended_on == timezone.localdate(workshop.starts_at)
    again = client.post(url, number, follow=True).text
    assert "is already on this event" in again
    # And she can be corrected like anyone on it.
    [attended] = workshop.bookings.filter(status=BookingStatus.ATTENDED)
    services.booking_record_attendance(booking=attended, attended=False, by=olivia.user)
    assert MentorProfile.objects.get(member=carol).status == MentorStatus.TRAINED


def test_an_officer_cannot_add_themselves_to_a_register(client, olivia, clock):
    workshop = make_event(EventKind.WORKSHOP, days=1)
    clock.move(days=1, hours=1)
    page = (
        login(client, olivia)
        .post(
            f"/training/manage/{workshop.pk}/walk-in/",
            {"membership_number": olivia.membership_number},
            follow=True,
        )
        .text
    )
    assert "This is your own case" in page
    assert not workshop.bookings.exists()


def test_the_officers_are_reminded_once_of_a_register_not_taken(
    carol, olivia, clock, django_capture_on_commit_callbacks
):
    """A day after a workshop ends with places not recorded, the region's Mentor
    Support Officer is emailed, once, with the link to take the register."""
    workshop = make_event(EventKind.WORKSHOP, days=1)
    booked(workshop, carol)
    clock.move(days=1, hours=12)  # ended a few hours ago: the officer has the day
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
    assert mail.outbox == []
    clock.move(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
        call_command("run_periodic", stdout=io.StringIO())
    [reminder] = mail.outbox
    assert reminder.to == ["olivia@example.org"]
    assert workshop.title in reminder.body and "1 place" in reminder.body
    assert f"/training/manage/{workshop.pk}/" in reminder.body


def test_what_remains_of_an_erased_member_cannot_be_added_to_a_register(olivia, clock):
    workshop = make_event(EventKind.WORKSHOP, days=1)
    erased = f.MemberFactory(membership_number=f"{ERASED_NUMBER_PREFIX}42")
    clock.move(days=1, hours=1)
    with pytest.raises(services.TrainingError, match="No member has the membership"):
        services.booking_record_walk_in(
            event=workshop, membership_number=erased.membership_number, by=olivia.user
        )
    assert not workshop.bookings.exists()


def test_an_officers_own_place_left_unrecorded_is_sent_to_the_registration_team(
    carol, olivia, sam, clock, django_capture_on_commit_callbacks
):
    """Olivia, London's only officer, went to the workshop too: she may record
    Carol's place but not her own, which the registration team is reminded of."""
    workshop = make_event(EventKind.WORKSHOP, days=1)
    booked(workshop, carol)
    booked(workshop, olivia)
    clock.move(days=2, hours=12)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.registers_remind() == 1
    by_address = {tuple(m.to): m.body for m in mail.outbox}
    assert set(by_address) == {("olivia@example.org",), ("sam@example.org",)}
    assert (
        "1 place on its register is still not marked"
        in by_address[("olivia@example.org",)]
    )
    assert "free to record it" in by_address[("sam@example.org",)]
