"""A changed event reaches the people booked on it; what the register rests on stays
put once attendance is recorded; events go only where their officer can run them."""

import datetime
import io

import icalendar
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.members.models import OfficerRole
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.training import services
from mentorscheme.training.models import BookingStatus, EventKind, TrainingEvent
from tests import factories as f
from tests.personas import login
from tests.training.test_attendance import booked, make_event


def event_on(kind, days, **kwargs):
    """An event starting on a whole minute, as one entered in the form does."""
    event = make_event(kind, days, **kwargs)
    event.starts_at = event.starts_at.replace(second=0, microsecond=0)
    event.ends_at = event.ends_at.replace(second=0, microsecond=0)
    event.save()
    return event


def entered(moment):
    """A moment as an officer types it into the form: London time, which is an hour
    ahead of UTC from late March to late October."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def form_data(event, **changes):
    data = {
        "kind": event.kind,
        "title": event.title,
        "region": event.region_id,
        "starts_at": entered(event.starts_at),
        "ends_at": entered(event.ends_at),
        "location": event.location,
        "online_url": event.online_url,
        "capacity": event.capacity,
        "description": event.description,
    }
    return {**data, **changes}


def test_a_new_time_is_sent_to_everyone_booked_with_an_invitation_that_replaces_the_old(
    client, olivia, alice, bob, django_capture_on_commit_callbacks
):
    event = event_on(EventKind.WORKSHOP, days=10, capacity=1)
    booked(event, alice)
    assert booked(event, bob).status == BookingStatus.WAITING
    login(client, olivia)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/training/manage/{event.pk}/", form_data(event, title="Renamed"))
    assert mail.outbox == []  # a new title alone changes nothing for them
    later = event.starts_at + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/training/manage/{event.pk}/",
            form_data(
                event,
                starts_at=entered(later),
                ends_at=entered(later + datetime.timedelta(hours=3)),
                location="Islington Library",
            ),
        )
    assert response.status_code == 302
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"alice@example.org", "bob@example.org"}
    to_alice = sent["alice@example.org"]
    assert "Changed: Professional Registration workshop" in to_alice.subject
    assert "Islington Library" in to_alice.body
    assert "You still have your place" in to_alice.body
    [(_, content, _)] = to_alice.attachments
    [vevent] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event.uid}@mentorscheme"
    assert vevent["SEQUENCE"] == 1
    assert str(vevent["LOCATION"]) == "Islington Library"
    assert "still on the waiting list" in sent["bob@example.org"].body


def test_an_event_saved_again_in_summer_keeps_its_time(
    client, olivia, alice, clock, django_capture_on_commit_callbacks
):
    clock.move_to(datetime.datetime(2027, 6, 1, 9, 0, tzinfo=datetime.UTC))
    event = event_on(EventKind.WORKSHOP, days=10)
    booked(event, alice)
    login(client, olivia)
    page = client.get(f"/training/manage/{event.pk}/").text
    assert f'value="{entered(event.starts_at)}"' in page  # 10:00 UTC shown as 11:00
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/training/manage/{event.pk}/", form_data(event, title="Renamed")
        )
    assert response.status_code == 302
    starts = event.starts_at
    event.refresh_from_db()
    assert event.starts_at == starts
    assert mail.outbox == []


def test_an_event_to_come_cannot_be_moved_into_the_past(
    client, olivia, alice, django_capture_on_commit_callbacks
):
    event = event_on(EventKind.WORKSHOP, days=20)
    booked(event, alice)
    login(client, olivia)
    mail.outbox.clear()
    last_year = event.starts_at - datetime.timedelta(days=365)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/training/manage/{event.pk}/",
            form_data(
                event,
                starts_at=entered(last_year),
                ends_at=entered(last_year + datetime.timedelta(hours=6)),
            ),
        )
    assert response.status_code == 400
    assert '<a href="#id_starts_at">Starts: The start is in the past.' in response.text
    starts = event.starts_at
    event.refresh_from_db()
    assert event.starts_at == starts
    assert mail.outbox == []


def test_an_event_under_way_can_still_have_its_start_put_right(
    client, olivia, alice, clock
):
    event = event_on(EventKind.WORKSHOP, days=1)
    booked(event, alice)
    clock.move(days=1, hours=1)
    login(client, olivia)
    earlier = event.starts_at - datetime.timedelta(minutes=30)
    response = client.post(
        f"/training/manage/{event.pk}/",
        form_data(event, starts_at=entered(earlier)),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.starts_at == earlier


def test_cancelling_after_a_change_sends_a_later_revision(
    db, alice, django_capture_on_commit_callbacks
):
    event = make_event(EventKind.WORKSHOP, days=10)
    booked(event, alice)
    services.event_update(event=event, location="Islington Library")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event)
    [(_, content, _)] = mail.outbox[0].attachments
    [vevent] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert vevent["SEQUENCE"] == 2 and str(vevent["STATUS"]) == "CANCELLED"


def test_once_attendance_is_recorded_the_time_and_kind_stay(
    client,
    olivia,
    carol,
    clock,
):
    event = event_on(EventKind.WORKSHOP, days=1)
    booking = booked(event, carol)
    clock.move(days=2)
    services.booking_record_attendance(booking=booking, attended=True, by=None)
    login(client, olivia)
    earlier = event.starts_at - datetime.timedelta(days=7)
    response = client.post(
        f"/training/manage/{event.pk}/",
        form_data(
            event,
            starts_at=entered(earlier),
            ends_at=entered(earlier + datetime.timedelta(hours=3)),
        ),
    )
    assert response.status_code == 400
    assert "Attendance has been recorded for this event" in response.text
    event.refresh_from_db()
    assert event.starts_at > earlier + datetime.timedelta(days=6)
    # A wording fix still goes through.
    response = client.post(
        f"/training/manage/{event.pk}/", form_data(event, description="Slides online")
    )
    assert response.status_code == 302


def test_a_no_show_after_the_date_moved_still_takes_the_gate_away(
    db,
    carol,
    clock,
):
    training = make_event(EventKind.MENTOR_TRAINING, days=1)
    workshop = make_event(EventKind.WORKSHOP, days=2)
    bookings = [booked(training, carol), booked(workshop, carol)]
    clock.move(days=3)
    for booking in bookings:
        services.booking_record_attendance(booking=booking, attended=True, by=None)
    assert MentorProfile.objects.get(member=carol).status == MentorStatus.LISTED
    # The date was put right directly in the database (or before this rule).
    TrainingEvent.objects.filter(pk=workshop.pk).update(
        starts_at=workshop.starts_at - datetime.timedelta(hours=30),
        ends_at=workshop.ends_at - datetime.timedelta(hours=30),
    )
    services.booking_record_attendance(booking=bookings[1], attended=False, by=None)
    profile = MentorProfile.objects.get(member=carol)
    assert profile.workshop_attended_on is None
    assert profile.status == MentorStatus.TRAINED


def test_a_past_event_gives_no_places_from_its_waiting_list(
    db, alice, bob, clock, django_capture_on_commit_callbacks
):
    event = make_event(EventKind.WORKSHOP, days=1, capacity=1)
    booked(event, alice)
    waiting = booked(event, bob)
    clock.move(days=2)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=event, capacity=5)
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.WAITING
    assert mail.outbox == []


def test_events_go_only_to_regions_where_the_officer_runs_the_mentors_side(
    client, olivia
):
    f.appoint(olivia, "scotland", role=OfficerRole.CANDIDATE_SUPPORT)
    login(client, olivia)
    form = client.get("/training/manage/new/").text
    assert "London" in form and "Scotland" not in form
    event = make_event(EventKind.WORKSHOP, days=10)
    page = client.get(f"/training/manage/{event.pk}/").text
    assert "Scotland" not in page
    response = client.post(
        f"/training/manage/{event.pk}/",
        form_data(event, region=f.region("scotland").pk),
    )
    assert response.status_code == 400
    event.refresh_from_db()
    assert event.region.code == "london"


def test_an_event_that_has_started_cannot_be_cancelled_so_its_register_stands(
    client, olivia, carol, clock
):
    event = event_on(EventKind.MENTOR_TRAINING, days=1)
    booking = booked(event, carol)
    login(client, olivia)
    assert "Cancel this event" in client.get(f"/training/manage/{event.pk}/").text
    clock.move(days=2)
    services.booking_record_attendance(booking=booking, attended=True, by=None)
    mail.outbox.clear()
    login(client, olivia)  # two days on: signed in afresh
    page = client.get(f"/training/manage/{event.pk}/").text
    assert "Cancel this event" not in page
    assert "it can no longer be cancelled" in page
    response = client.post(
        f"/training/manage/{event.pk}/cancel/", {"confirmed": "yes"}, follow=True
    )
    assert "already started, so it can no longer be cancelled" in response.text
    event.refresh_from_db()
    booking.refresh_from_db()
    assert not event.is_cancelled and booking.status == BookingStatus.ATTENDED
    assert mail.outbox == []
    assert MentorProfile.objects.get(member=carol).trained_on is not None


def test_listed_mentors_are_told_once_when_a_webinars_recording_is_added(
    client, olivia, bob, alice, clock, django_capture_on_commit_callbacks
):
    regulations = RegulationsVersion.objects.get()
    webinar = event_on(EventKind.WEBINAR, days=1)
    clock.move(days=2)
    login(client, olivia)
    url = f"/training/manage/{webinar.pk}/"
    on_regulations = {"regulations": regulations.pk}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            form_data(
                webinar, recording_url="https://video.example/a", **on_regulations
            ),
        )
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]  # alice is no mentor
    told = mail.outbox[0]
    assert told.subject.endswith("Recording to watch: Webinar, London")
    assert "https://video.example/a" in told.body
    assert f"It explains the {regulations}." in told.body
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            form_data(
                webinar, recording_url="https://video.example/b", **on_regulations
            ),
        )
    assert len(mail.outbox) == 1  # a corrected link is not news


def test_a_recording_is_not_sent_to_mentors_already_briefed_on_its_regulations(
    client, olivia, bob, dora, clock, django_capture_on_commit_callbacks
):
    """Bob attended the briefing itself: he is not asked to watch its recording and
    mark himself briefed; Dora, who was not there, is."""
    regulations = RegulationsVersion.objects.get()
    briefing = event_on(EventKind.BRIEFING, days=1)
    briefing.regulations = regulations
    briefing.save()
    attended = booked(briefing, bob)
    clock.move(days=2)
    services.booking_record_attendance(booking=attended, attended=True, by=olivia.user)
    login(client, olivia)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/training/manage/{briefing.pk}/",
            form_data(
                briefing,
                recording_url="https://video.example/a",
                regulations=regulations.pk,
            ),
        )
    assert [m.to for m in mail.outbox] == [["dora@example.org"]]


def test_a_recording_link_given_before_the_webinar_is_sent_once_it_has_ended(
    client, olivia, bob, clock, django_capture_on_commit_callbacks
):
    approved = f.MemberFactory(first_name="Ada", email="ada@example.org")
    f.award(approved, "chartership")
    f.mentor_profile(approved, status=MentorStatus.APPROVED, trained_on=None)
    webinar = event_on(EventKind.WEBINAR, days=3)
    login(client, olivia)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/training/manage/{webinar.pk}/",
            form_data(
                webinar,
                recording_url="https://video.example/later",
                regulations=RegulationsVersion.objects.get().pk,
            ),
        )
        assert services.recordings_announce() == 0
    assert mail.outbox == []  # nothing to watch yet
    clock.move(days=4)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_periodic", stdout=io.StringIO())
        call_command("run_periodic", stdout=io.StringIO())
    told = [m for m in mail.outbox if "Recording to watch" in m.subject]
    # Listed mentors, and those approved on the way to listing.
    assert sorted(m.to[0] for m in told) == ["ada@example.org", "bob@example.org"]
    assert "https://video.example/later" in told[0].body


def test_a_workshops_recording_is_not_sent_to_mentors(
    client, olivia, bob, django_capture_on_commit_callbacks
):
    workshop = event_on(EventKind.WORKSHOP, days=3)
    login(client, olivia)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/training/manage/{workshop.pk}/",
            form_data(workshop, recording_url="https://video.example/w"),
        )
    assert mail.outbox == []


def test_past_briefings_and_webinars_are_listed_with_their_recordings(
    client, bob, clock
):
    recorded = event_on(EventKind.WEBINAR, days=1)
    recorded.recording_url = "https://video.example/recorded"
    recorded.save()
    unrecorded = event_on(EventKind.BRIEFING, days=1)
    unrecorded.title = "Briefing nobody recorded"
    unrecorded.save()
    coming = event_on(EventKind.WORKSHOP, days=5)
    clock.move(days=2)
    page = client.get("/training/").text
    recordings = page.split('id="recordings"')[1]
    assert "https://video.example/recorded" in recordings
    assert recorded.title in recordings
    assert "Briefing nobody recorded" not in page
    assert coming.title in page.split('id="recordings"')[0]
    login(client, bob)
    assert 'href="/training/#recordings"' in client.get("/mentors/").text
