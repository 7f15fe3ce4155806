"""Mentors who stay current: asked to confirm availability every N months, paused
after 30 days without an answer; a mentor who steps down, or stays lapsed past the
grace period, leaves each candidate a next step."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.mentoring.models import HelpFlag, MentoringRelationship
from mentorscheme.mentors import services
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.scheme.models import SchemeSettings
from mentorscheme.training import services as training_services
from mentorscheme.training.models import BookingStatus, EventKind, TrainingEvent
from tests import factories as f
from tests.personas import login


@pytest.fixture
def dora(db):
    """A London mentor listed 13 months ago, never asked about availability."""
    member = f.MemberFactory(
        first_name="Dora", last_name="Dee", email="dora@example.org"
    )
    f.award(member, "chartership")
    f.with_account(member)
    f.mentor_profile(member, listed_at=timezone.now() - datetime.timedelta(days=400))
    return member


def run_periodic():
    call_command("run_periodic", stdout=open("/dev/null", "w"))  # noqa: SIM115


def sent_to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_run_periodic_twice_around_the_deadline_pauses_once_and_emails_once(
    dora, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
        run_periodic()
    [asked] = sent_to("dora@example.org")
    assert "still available" in asked.subject
    clock.move(days=29)
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert MentorProfile.objects.get(member=dora).accepting
    clock.move(days=1, hours=1)  # past the 30-day deadline
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
        run_periodic()
    profile = MentorProfile.objects.get(member=dora)
    assert not profile.accepting
    [paused] = sent_to("dora@example.org")
    assert "paused" in paused.subject
    assert profile.history.filter(note__contains="no answer").count() == 1


def test_the_interval_is_a_setting(dora):
    SchemeSettings.objects.update_or_create(
        pk=1, defaults={"availability_check_months": 24}
    )
    assert services.mentor_availability_check()["asked"] == 0


def test_a_mentor_relisted_after_a_lapse_is_not_paused_for_the_question_before_it(
    dora, clock, django_capture_on_commit_callbacks
):
    """Asked, then lapsed before answering, then renewed weeks later: the run that
    lists her again must not also pause her for not answering while she could not
    mentor."""
    services.mentor_availability_check()
    clock.move(days=10)
    dora.membership_status = "lapsed"
    dora.save()
    run_periodic()
    clock.move(days=30)
    dora.membership_status = "current"
    dora.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert [m.subject for m in sent_to("dora@example.org")] == [
        "[Mentor Scheme] You are listed as a mentor again"
    ]
    assert MentorProfile.objects.get(member=dora).accepting


def test_the_question_says_how_often_it_is_asked(
    dora, django_capture_on_commit_callbacks
):
    SchemeSettings.objects.update_or_create(
        pk=1, defaults={"availability_check_months": 6}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.mentor_availability_check()
    [asked] = sent_to("dora@example.org")
    assert "Every 6 months we ask" in asked.body
    assert "year" not in asked.body


def test_one_click_confirms_and_a_paused_mentor_is_listed_again(client, dora, clock):
    services.mentor_availability_check()
    login(client, dora)
    assert "Are you still available to mentor?" in client.get("/mentors/").text
    clock.move(days=31)
    services.mentor_availability_check()
    assert not MentorProfile.objects.get(member=dora).accepting
    login(client, dora)  # a month later: a new sign-in
    client.post("/mentors/availability/", {"capacity": "3"})
    profile = MentorProfile.objects.get(member=dora)
    assert profile.accepting and profile.capacity == 3
    assert profile.availability_asked_at is None
    clock.move(days=200)
    assert services.mentor_availability_check()["asked"] == 0  # confirmed recently


def test_refresher_training_reminders_when_staff_set_an_interval(dora):
    assert services.mentor_availability_check()["refresher"] == 0
    SchemeSettings.objects.update_or_create(
        pk=1, defaults={"refresher_training_months": 24}
    )
    assert services.mentor_availability_check()["refresher"] == 1
    assert services.mentor_availability_check()["refresher"] == 0


def test_refresher_training_falls_due_by_the_date_in_london(dora):
    """Just after midnight in London in summer (still the day before in UTC), a
    24-month interval counts training done on the day before the date it reached."""
    SchemeSettings.objects.update_or_create(
        pk=1, defaults={"refresher_training_months": 24}
    )
    now = datetime.datetime(2026, 7, 1, 23, 30, tzinfo=datetime.UTC)
    due = timezone.localdate(now - datetime.timedelta(days=730))  # 2 July 2024
    MentorProfile.objects.filter(member=dora).update(
        trained_on=due - datetime.timedelta(days=1), availability_confirmed_at=now
    )
    assert services.mentor_availability_check(now=now)["refresher"] == 1


def test_a_mentor_who_refreshed_their_training_is_not_reminded_to_refresh_it(
    dora, olivia, clock, django_capture_on_commit_callbacks
):
    """Dora first trained in March 2024 and went to a refresher session in London a
    few weeks ago: with a 24-month interval she is not told her training is due,
    and when it is due again, the email dates it from the refresher."""
    SchemeSettings.objects.update_or_create(
        pk=1, defaults={"refresher_training_months": 24}
    )
    start = timezone.now() + datetime.timedelta(days=1)
    refresher = TrainingEvent.objects.create(
        kind=EventKind.MENTOR_TRAINING,
        title="Mentor training (refresher), London",
        region=dora.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=6),
        capacity=10,
    )
    booking = training_services.booking_create(event_id=refresher.pk, member=dora)
    clock.move(days=2)
    training_services.booking_record_attendance(
        booking=booking, attended=True, by=olivia.user
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mentor_availability_check()["refresher"] == 0
    assert not [m for m in sent_to("dora@example.org") if "refresh" in m.body]
    clock.move(days=2 * 365 + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mentor_availability_check()["refresher"] == 1
    [due] = [m for m in sent_to("dora@example.org") if "refresh" in m.body]
    attended = timezone.localdate(refresher.starts_at)
    assert f"your last was on {attended:%-d %B %Y}" in due.body


def test_a_mentor_stepping_down_leaves_each_candidate_a_next_step(
    client, alice, dora, olivia, django_capture_on_commit_callbacks
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile
    )
    spare = f.MemberFactory(first_name="Sid", last_name="Spare", email="s@example.org")
    f.award(spare, "fellowship")
    f.mentor_profile(spare)
    with django_capture_on_commit_callbacks(execute=True):
        services.mentor_retire(profile=dora.mentor_profile, by=dora.user)
    relationship.refresh_from_db()
    assert relationship.ended_by == "mentor"
    assert relationship.end_reason == "Your mentor has stepped down from mentoring."
    flag = HelpFlag.objects.get(enrolment=relationship.enrolment)
    assert flag.why == HelpFlag.Why.MENTOR_LEFT
    assert any(
        "has ended" in m.subject or "ended" in m.body for m in sent_to(alice.email)
    )
    login(client, alice)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/").text
    assert "by the mentor" in page and "(mentor delisted)" not in page
    login(client, olivia)
    dashboard = client.get("/oversight/").text
    assert "Their mentor stepped down or lapsed" in dashboard
    assert "Their mentor was Dora Dee." in dashboard
    assert "Suggested new mentors" in dashboard and "Sid Spare" in dashboard


def test_the_candidates_side_is_told_of_each_candidate_whose_mentor_stepped_down(
    alice, dora, olivia, django_capture_on_commit_callbacks
):
    """The help flag waits on the dashboard; the region's Candidate Support Officer
    is emailed too, as for a candidate who asks for help, so it is not left until
    someone happens to look."""
    MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.mentor_retire(profile=dora.mentor_profile, by=dora.user)
    [told] = sent_to("olivia@example.org")
    assert "Alice Archer" in told.body and "stepped down" in told.body
    assert "/oversight/#help" in told.body
    assert f"/members/register/{alice.pk}/" in told.body


def test_stepping_down_gives_up_a_place_on_mentor_training_to_the_waiting_list(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    """An applicant who steps down no longer needs the mentor training they booked:
    the place goes to the first on the waiting list, and both are emailed."""
    f.mentor_profile(carol, status=MentorStatus.APPROVED, trained_on=None)
    starts = timezone.now() + datetime.timedelta(days=10)
    training = TrainingEvent.objects.create(
        kind=EventKind.MENTOR_TRAINING,
        title="Mentor training, London",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=6),
        location="Camden Library",
        capacity=1,
    )
    next_in_line = f.MemberFactory(first_name="Nell", email="nell@example.org")
    f.with_account(next_in_line)
    training_services.booking_create(event_id=training.pk, member=carol)
    training_services.booking_create(event_id=training.pk, member=next_in_line)
    login(client, carol)
    page = client.post("/mentors/retire/").text
    assert "Your place on mentor training is cancelled" in page
    assert f"Mentor training, London, {timezone.localtime(starts):%-d %B %Y}" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentors/retire/", {"confirmed": "yes"})
    assert MentorProfile.objects.get(member=carol).status == MentorStatus.RETIRED
    statuses = dict(training.bookings.values_list("member__first_name", "status"))
    assert statuses == {"Carol": BookingStatus.CANCELLED, "Nell": BookingStatus.BOOKED}
    [cancelled] = sent_to("carol@example.org")
    assert "Cancelled: Mentor training, London" in cancelled.subject
    [booked] = sent_to("nell@example.org")
    assert "Mentor training, London" in booked.subject


def test_an_applicant_who_stops_is_told_it_withdraws_the_application(client, carol):
    """Someone approved but never listed is not told they are taken off the list,
    nor thanked for mentoring they never did."""
    f.mentor_profile(carol, status=MentorStatus.APPROVED, trained_on=None)
    login(client, carol)
    assert "Withdraw your application" in client.get("/mentors/").text
    page = client.post("/mentors/retire/").text
    assert "Withdraw your application to mentor" in page
    assert "taken off the list" not in page
    page = client.post("/mentors/retire/", {"confirmed": "yes"}, follow=True).text
    assert "You have withdrawn your application to mentor." in page
    assert "Thank you for mentoring" not in page
    assert MentorProfile.objects.get(member=carol).status == MentorStatus.RETIRED


def test_a_mentor_still_lapsed_after_the_grace_period_leaves_each_candidate_a_flag(
    alice, dora
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile
    )
    dora.membership_status = "lapsed"
    dora.save()
    services.mentor_lapse_check()
    today = timezone.localdate()
    assert mentoring_services.lapsed_mentoring_end(today=today) == 0
    after = today + datetime.timedelta(days=settings.LAPSE_GRACE_DAYS)
    assert mentoring_services.lapsed_mentoring_end(today=after) == 1
    relationship.refresh_from_db()
    assert relationship.ended_by == "scheme" and "lapsed" in relationship.end_reason
    assert "not renewed within 30 days" in relationship.end_reason
    assert HelpFlag.objects.filter(why=HelpFlag.Why.MENTOR_LEFT).count() == 1


def test_resuming_after_a_pause_for_silence_counts_as_an_answer(dora, clock):
    services.mentor_availability_check()
    clock.move(days=31)
    assert services.mentor_availability_check()["paused"] == 1
    profile = MentorProfile.objects.get(member=dora)
    services.mentor_set_accepting(profile=profile, accepting=True)
    clock.move(hours=1)
    assert services.mentor_availability_check()["paused"] == 0
    profile.refresh_from_db()
    assert profile.accepting and profile.availability_asked_at is None


def test_a_mentor_who_resumes_after_a_long_pause_is_not_asked_straight_after(
    client, dora, django_capture_on_commit_callbacks
):
    """Pressing "Resume" says they are available now: the next hourly run must not
    email them to ask whether they are still available."""
    profile = MentorProfile.objects.get(member=dora)
    profile.accepting = False
    profile.save()
    login(client, dora)
    client.post("/mentors/accepting/", {"accepting": "yes"})
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert sent_to("dora@example.org") == []
    assert "Are you still available" not in client.get("/mentors/").text


def test_confirming_availability_keeps_places_within_the_schemes_limit(client, dora):
    services.mentor_availability_check()
    login(client, dora)
    response = client.post("/mentors/availability/", {"capacity": "5000"})
    assert response.status_code == 400
    assert "10 places is the most we allow at once" in response.text
    profile = MentorProfile.objects.get(member=dora)
    assert profile.capacity == 2 and profile.availability_asked_at is not None
