"""Regulation changes that reach people: a version is published for today or later,
mentors and candidates are told, "up to date" follows the candidate's own version with
a grace period, webinars count as briefings, and officers see who is up to date."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.oversight import services as oversight_services
from mentorscheme.scheme.models import RegulationsVersion, SchemeSettings
from mentorscheme.training import services
from mentorscheme.training.models import (
    AcknowledgementHow,
    EventKind,
    TrainingEvent,
)
from tests import factories as f
from tests.personas import login


@pytest.fixture
def briefed_bob(bob):
    """Bob, listed, briefed on the regulations in force (those of 2013)."""
    services.briefing_acknowledge(
        member=bob,
        regulations_id=RegulationsVersion.objects.get().pk,
        how=AcknowledgementHow.WATCHED,
    )
    return bob


def publish(days_from_today=0, by=None, name="Regulations of 2027"):
    return oversight_services.regulations_create(
        by=by,
        name=name,
        effective_from=timezone.localdate() + datetime.timedelta(days=days_from_today),
        summary="Shorter statements.",
    )


def up_to_date(member) -> bool:
    return mentor_selectors.annotated(member.mentor_profile).up_to_date


def test_a_version_dated_in_the_past_is_refused(client, sam_with_totp):
    login(client, sam_with_totp)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(
        "/oversight/scheme/regulations/",
        {"name": "Backdated", "effective_from": yesterday.isoformat(), "summary": ""},
    )
    assert response.status_code == 400
    assert "cannot be in the past" in response.text
    assert RegulationsVersion.objects.count() == 1


def test_publishing_tells_listed_mentors_and_enrolled_candidates(
    alice, briefed_bob, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish(days_from_today=30, by=sam)
    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {"alice@example.org", "bob@example.org"}
    assert "be briefed on them by" in sent["bob@example.org"].body
    assert "stay under" in sent["alice@example.org"].body
    assert "move to Regulations of 2027" in sent["alice@example.org"].body


def test_a_new_version_leaves_briefed_mentors_up_to_date_for_the_grace_period(
    briefed_bob, clock
):
    SchemeSettings.objects.update_or_create(pk=1, defaults={"briefing_grace_days": 60})
    publish(days_from_today=0)
    assert up_to_date(briefed_bob)
    clock.move(days=61)
    assert not up_to_date(briefed_bob)


def test_up_to_date_for_a_candidate_means_briefed_on_their_version(
    client, alice, briefed_bob, clock
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=briefed_bob.mentor_profile
    )
    new = publish(days_from_today=10)
    login(client, briefed_bob)
    page = client.get("/mentors/").text
    assert "you are briefed on them" in page
    assert "you are not yet briefed on them" not in page
    # A candidate moves once the new version is in force; with no grace period the
    # earlier briefing stops counting for them at once.
    SchemeSettings.objects.update_or_create(pk=1, defaults={"briefing_grace_days": 0})
    clock.move(days=10)
    login(client, briefed_bob)
    mentoring_services.enrolment_move_regulations(
        enrolment=relationship.enrolment, regulations=new
    )
    page = client.get("/mentors/").text
    assert "you are not yet briefed on them" in page
    assert "There is no briefing on the Regulations of 2027 to watch yet." in page


def test_a_candidate_chooses_to_move_to_the_new_version(client, alice, clock):
    new = publish(days_from_today=10)
    login(client, alice)
    enrolment = alice.enrolments.get()
    assert "Move to Regulations of 2027" not in client.get("/mentoring/").text
    clock.move(days=10)
    login(client, alice)
    assert "Move to Regulations of 2027" in client.get("/mentoring/").text
    move = {"enrolment": enrolment.pk, "regulations": new.pk}
    asked = client.post("/mentoring/regulations/", move).text
    assert "Move to Regulations of 2027?" in asked
    assert "You cannot move back to" in asked
    enrolment.refresh_from_db()
    assert enrolment.regulations != new
    client.post("/mentoring/regulations/", move | {"confirmed": "yes"})
    enrolment.refresh_from_db()
    assert enrolment.regulations == new


def test_webinar_attendance_counts_as_a_briefing_and_shows_its_recording(
    client, bob, clock
):
    regulations = RegulationsVersion.objects.get()
    starts = timezone.now() + datetime.timedelta(days=2)
    webinar = TrainingEvent.objects.create(
        kind=EventKind.WEBINAR,
        title="The regulations explained",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        online_url="https://meet.example.org/regs",
        recording_url="https://video.example.org/regs-recording",
        capacity=100,
        regulations=regulations,
    )
    booking = services.booking_create(event_id=webinar.pk, member=bob)
    assert not up_to_date(bob)
    clock.move(days=2, minutes=5)
    services.booking_record_attendance(booking=booking, attended=True, by=None)
    assert up_to_date(bob)
    page = client.get(f"/training/{webinar.pk}/").text
    assert "https://video.example.org/regs-recording" in page


def test_officers_see_who_is_up_to_date_by_region(client, olivia, oscar, briefed_bob):
    dave = f.MemberFactory(first_name="Dave", last_name="Dunn", email="d@example.org")
    f.award(dave, "chartership")
    f.mentor_profile(dave)
    login(client, olivia)
    page = client.get("/oversight/up-to-date/").text
    assert "Dave Dunn" in page and "Bob Baker" not in page  # Bob is in Yorkshire
    login(client, oscar)
    assert "Dave Dunn" not in client.get("/oversight/up-to-date/").text


def test_a_candidate_sees_whether_a_mentor_is_briefed_on_their_own_version(
    client, alice, briefed_bob, clock
):
    new = publish(days_from_today=5)
    login(client, alice)
    url = f"/mentoring/directory/{briefed_bob.mentor_profile.pk}/"
    assert (
        "Briefed on your regulations (Regulations of 2 December 2013)"
        in client.get(url).text
    )
    SchemeSettings.objects.update_or_create(pk=1, defaults={"briefing_grace_days": 0})
    clock.move(days=5)
    login(client, alice)
    mentoring_services.enrolment_move_regulations(
        enrolment=alice.enrolments.get(), regulations=new
    )
    page = client.get(url).text
    assert "Not yet briefed on your regulations (Regulations of 2027)" in page


def run_periodic():
    call_command("run_periodic", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_version_published_in_advance_is_offered_from_its_date_and_told_again_then(
    client, alice, bob, sam, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        new = publish(days_from_today=30, by=sam)
    opens = f"{new.effective_from:%-d %B %Y}"
    told = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert f"from {opens} you can choose it on your mentoring page" in told.body
    assert "We will email you again on that day." in told.body
    assert told.subject.endswith(f"your choice from {opens}")
    login(client, alice)
    page = client.get("/mentoring/").text
    assert f"New regulations from {opens}" in page
    assert "Move to Regulations of 2027" not in page

    mail.outbox.clear()
    clock.move(days=29)
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert mail.outbox == []
    clock.move(days=1)
    for _ in range(2):  # the second run tells nobody again
        with django_capture_on_commit_callbacks(execute=True):
            run_periodic()
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert f"are in force from {opens}" in mail.outbox[0].body
    assert "choose it on your mentoring page." in mail.outbox[0].body
    assert "email you again" not in mail.outbox[0].body
    login(client, alice)
    assert "Move to Regulations of 2027" in client.get("/mentoring/").text


def test_a_version_in_force_on_publication_is_not_announced_twice(
    alice, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish(days_from_today=0, by=sam)
        run_periodic()
    told = [m for m in mail.outbox if m.to == ["alice@example.org"]]
    assert len(told) == 1
    assert "choose it on your mentoring page." in told[0].body


def test_publishing_emails_each_person_once_and_mentors_on_the_way_to_listing_too(
    client, alice, bob, sam_with_totp, django_capture_on_commit_callbacks
):
    f.enrol(alice, "revalidation")
    submitted = f.MemberFactory(email="submitted@example.org")
    f.enrol(submitted, status="submitted")
    for status in ("approved", "trained", "workshop_attended", "applied"):
        member = f.MemberFactory(email=f"{status}@example.org")
        f.award(member, "chartership")
        f.mentor_profile(member, status=status)
    login(client, sam_with_totp)
    version = {"name": "Regulations of 2030", "effective_from": "2030-01-01"}
    page = client.post("/oversight/scheme/regulations/", version).text
    assert "Emails go to 4 mentors, listed or on the way to listing," in page
    assert "Emails go to 1 candidate who has not yet submitted their portfolio," in page
    assert "from 1 January 2030" in page
    assert "Yes, publish and email 5 people" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/oversight/scheme/regulations/", version | {"confirmed": "yes"})
    sent = sorted(address for m in mail.outbox for address in m.to)
    assert sent == [
        "alice@example.org",
        "approved@example.org",
        "bob@example.org",
        "trained@example.org",
        "workshop_attended@example.org",
    ]
    to_alice = next(m for m in mail.outbox if m.to == ["alice@example.org"]).body
    assert "You enrolled on Chartership under" in to_alice
    assert "You enrolled on Revalidation under" in to_alice
    to_trained = next(m for m in mail.outbox if m.to == ["trained@example.org"]).body
    assert "shown as up to date in the mentor directory once you are listed" in (
        to_trained
    )


def test_publishing_a_briefing_emails_mentors_on_the_way_to_listing_too(
    bob, django_capture_on_commit_callbacks
):
    for status in ("approved", "trained", "workshop_attended", "applied", "retired"):
        member = f.MemberFactory(email=f"{status}@example.org")
        f.award(member, "chartership")
        f.mentor_profile(member, status=status)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.briefing_publish(
            regulations=RegulationsVersion.objects.get(), title="The 2013 rules"
        )
    assert sorted(address for m in mail.outbox for address in m.to) == [
        "approved@example.org",
        "bob@example.org",
        "trained@example.org",
        "workshop_attended@example.org",
    ]


def test_a_submitted_portfolio_stays_under_its_regulations(client, alice, clock):
    new = publish(days_from_today=0)
    enrolment = alice.enrolments.get()
    enrolment.status = "submitted"
    enrolment.save()
    login(client, alice)
    assert "Move to Regulations of 2027" not in client.get("/mentoring/").text
    with pytest.raises(mentoring_services.MentoringError, match="assessed under"):
        mentoring_services.enrolment_move_regulations(
            enrolment=enrolment, regulations=new
        )


def test_a_briefing_is_marked_watched_only_once_there_is_one_to_watch(
    client, bob, clock
):
    new = publish(days_from_today=30)
    login(client, bob)
    page = client.get("/mentors/").text
    assert "I have watched the briefing on Regulations of 2027" not in page
    assert "There is no briefing on the Regulations of 2027 to watch yet." in page
    response = client.post("/mentors/briefings/watched/", {"regulations": new.pk})
    assert (
        "no briefing on these regulations to watch yet"
        in client.get(response["Location"]).text
    )
    assert not bob.briefings.filter(regulations=new).exists()

    services.briefing_publish(
        regulations=new,
        title="What changes in 2027",
        recording_url="https://video.example.org/2027",
    )
    page = client.get("/mentors/").text
    assert "I have watched the briefing on Regulations of 2027" in page
    client.post("/mentors/briefings/watched/", {"regulations": new.pk})
    assert bob.briefings.filter(regulations=new).exists()


def recorded_webinar(regulations, starts):
    """An hour's webinar on ``regulations`` from ``starts``, its recording linked."""
    return TrainingEvent.objects.create(
        kind=EventKind.WEBINAR,
        title="The 2027 regulations explained",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        online_url="https://meet.example.org/regs",
        recording_url="https://video.example.org/regs-2027",
        capacity=100,
        regulations=regulations,
    )


def test_a_recorded_webinar_is_a_briefing_to_have_watched(client, bob):
    new = publish(days_from_today=30)
    starts = timezone.now() - datetime.timedelta(days=1)
    recorded_webinar(new, starts)
    login(client, bob)
    assert "I have watched the briefing on Regulations of 2027" in (
        client.get("/mentors/").text
    )
    client.post("/mentors/briefings/watched/", {"regulations": new.pk})
    assert bob.briefings.filter(regulations=new).exists()


def test_a_webinars_recording_is_watched_only_once_the_webinar_has_happened(
    client, bob, clock
):
    new = publish(days_from_today=30)
    starts = timezone.now() + datetime.timedelta(days=7)
    recorded_webinar(new, starts)
    login(client, bob)
    assert "There is no briefing on the Regulations of 2027 to watch yet." in (
        client.get("/mentors/").text
    )
    client.post("/mentors/briefings/watched/", {"regulations": new.pk})
    assert not bob.briefings.filter(regulations=new).exists()
    clock.move(days=7, hours=2)
    login(client, bob)
    client.post("/mentors/briefings/watched/", {"regulations": new.pk})
    assert bob.briefings.filter(regulations=new).exists()


def test_only_mentors_on_their_way_or_listed_mark_a_briefing_watched(client, alice):
    regulations = RegulationsVersion.objects.get()
    services.briefing_publish(regulations=regulations, title="The 2013 regulations")
    login(client, alice)  # a candidate, not a mentor
    client.post("/mentors/briefings/watched/", {"regulations": regulations.pk})
    assert not alice.briefings.exists()
    profile = f.mentor_profile(alice, status="applied")
    client.post("/mentors/briefings/watched/", {"regulations": regulations.pk})
    assert not alice.briefings.exists()
    profile.status = "approved"
    profile.save()
    client.post("/mentors/briefings/watched/", {"regulations": regulations.pk})
    assert alice.briefings.filter(regulations=regulations).exists()


def test_a_lapsed_candidate_is_not_told_they_may_move_to_new_regulations(
    alice, larry, sam, django_capture_on_commit_callbacks
):
    f.enrol(larry, "chartership")
    with django_capture_on_commit_callbacks(execute=True):
        publish(days_from_today=30, by=sam)
    assert "larry@example.org" not in {m.to[0] for m in mail.outbox}
    assert (
        oversight_services.regulations_recipients(
            effective_from=timezone.localdate() + datetime.timedelta(days=30)
        )["candidates"]
        == 1
    )
