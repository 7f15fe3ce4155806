"""Each person's home shows their own next steps, a section per role, one link away."""

import datetime

import pytest
from django.utils import timezone

from mentorscheme.contact.models import Feedback
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.oversight.models import AllocationRun, RunStatus
from mentorscheme.scheme.models import RegulationsVersion
from mentorscheme.training.models import (
    Booking,
    BookingStatus,
    BriefingAcknowledgement,
    TrainingEvent,
)
from tests import factories as f
from tests.personas import login, mentor


def home(client, who):
    response = login(client, who).get("/")
    assert response.status_code == 200
    return response.text


def ask(alice, bob):
    return mentoring.request_create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hello"
    )


def test_a_new_candidate_is_sent_to_find_a_mentor(client, alice):
    page = home(client, alice)
    assert "Working towards Chartership" in page
    assert 'class="step-link" href="/mentoring/directory/">Find a mentor</a>' in page
    # Not "nothing is waiting" just above the step to take.
    assert "Nobody is waiting for your answer. Your next step is below." in page
    assert "Nothing is waiting for you" not in page


def test_a_candidate_asked_for_further_information_is_sent_to_find_a_mentor(
    client, alice, sam
):
    enrolment = alice.enrolments.get()
    mentoring.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    page = home(client, alice)
    assert "We have your submission and email you the outcome." in page
    assert 'class="step-link" href="/mentoring/directory/"' not in page
    mentoring.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    page = home(client, alice)
    assert 'class="step-link" href="/mentoring/directory/">Find a mentor</a>' in page


def test_a_mentor_sees_the_request_waiting_for_their_answer(client, alice, bob):
    request = ask(alice, bob)
    page = home(client, bob)
    assert "Alice Archer asked you to be their mentor." in page
    assert f'href="/mentoring/requests/{request.pk}/">Answer the request</a>' in page
    assert "1 thing waits for you." in page


def test_a_candidate_waiting_for_an_answer_is_told_so(client, alice, bob):
    ask(alice, bob)
    page = home(client, alice)
    assert "1 request waiting for a mentor’s answer." in page


def test_a_matched_candidate_is_asked_to_confirm_the_agreement(client, alice, bob):
    relationship = mentoring.request_accept(
        request=ask(alice, bob),
        mentor=bob.mentor_profile,
        confirms_not_line_manager=True,
    )
    assert "Write your mentoring agreement" in home(client, alice)
    mentoring.agreement_save(
        relationship=relationship,
        member=bob,
        goals="Portfolio",
        frequency="Monthly",
        meeting_modes=["zoom"],
        confidentiality="Private",
    )
    page = home(client, alice)
    assert "needs your confirmation" in page
    assert f'href="/mentoring/relationships/{relationship.pk}/">Confirm' in page
    assert 'class="step-link" href="/mentoring/directory/"' not in page
    assert "needs your confirmation" not in home(client, bob)  # bob wrote it


def test_an_applicant_is_told_to_book_what_is_missing(client, bob):
    profile = bob.mentor_profile
    profile.status = MentorStatus.APPROVED
    profile.trained_on = None
    profile.workshop_attended_on = None
    profile.save()
    page = home(client, bob)
    assert "Becoming a mentor" in page
    assert 'href="/training/?kind=mentor_training">Book mentor training</a>' in page
    assert 'href="/training/?kind=workshop">Book a workshop</a>' in page


def test_an_officer_sees_applications_help_and_attendance(client, olivia):
    applicant = f.MemberFactory(region=f.region("london"))
    f.award(applicant, "chartership")
    f.mentor_profile(applicant, status=MentorStatus.APPLIED)
    waiting = f.MemberFactory(region=f.region("london"))
    mentoring.help_request(enrolment=f.enrol(waiting), message="Please help")
    event = TrainingEvent.objects.create(
        kind="workshop",
        title="Workshop",
        region=f.region("london"),
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=3, hours=-2),
        capacity=10,
    )
    Booking.objects.create(event=event, member=applicant, status=BookingStatus.BOOKED)
    page = home(client, olivia)
    assert "Support officer for London." in page
    assert "1 mentor application or training evidence to review." in page
    assert 'href="/mentors/review/">Review applications</a>' in page
    assert "1 candidate asked for help" in page
    assert f'href="/training/manage/{event.pk}/">Record attendance</a>' in page


def test_staff_see_new_feedback_and_regions_without_an_officer(client, sam_with_totp):
    Feedback.objects.create(topic="general", message="Hello")
    page = home(client, sam_with_totp)
    assert "1 new message from visitors and members." in page
    assert "Regions without a support officer for each side" in page
    assert "Scotland" in page
    # Named as the page it opens is headed (its own "Scheme settings" is one of
    # the pages there), in the menu and on the home.
    link = 'href="/oversight/scheme/">Scheme administration</a>'
    menu, main = page.split("<main", 1)
    assert link in menu and link in main
    assert "Scheme settings" not in page
    assert "<h1>Scheme administration</h1>" in client.get("/oversight/scheme/").text


def test_someone_with_several_roles_sees_each(client, alice, bob, olivia):
    f.enrol(olivia)
    f.mentor_profile(olivia)
    page = home(client, olivia)
    for heading in ("Your qualification", "Your mentoring", "Your region"):
        assert f">{heading}</h2>" in page


@pytest.mark.parametrize("persona", ["alice", "bob", "olivia", "sam_with_totp"])
def test_a_home_reads_a_fixed_number_of_queries(
    client, persona, request, django_assert_max_num_queries
):
    who = request.getfixturevalue(persona)
    login(client, who)
    with django_assert_max_num_queries(20):
        client.get("/")


def test_a_matched_candidate_is_not_told_no_mentors_were_found(client, alice, bob):
    relationship = mentoring.request_accept(
        request=ask(alice, bob),
        mentor=bob.mentor_profile,
        confirms_not_line_manager=True,
    )
    page = login(client, alice).get("/mentoring/directory/").text
    assert "You have a mentor" in page
    assert "Bob Baker has been your mentor since" in page
    assert f'href="/mentoring/relationships/{relationship.pk}/#end"' in page
    assert "mentors found" not in page


def test_directory_cards_show_region_places_and_only_what_sets_a_mentor_apart(
    client, alice, bob
):
    other = mentor(last_name="Other").mentor_profile
    other.regions.set([f.region("london")])
    other.meeting_modes = ["zoom", "in_person"]
    other.save()
    page = login(client, alice).get("/mentoring/directory/").text
    assert "<dt>Region</dt><dd>Yorkshire and Humber</dd>" in page
    assert "<dt>In person in</dt><dd>London</dd>" in page
    assert "free of 2" in page
    # Both mentors share Zoom with Alice: said once, above the list.
    assert page.count("meets in ways you chose") <= 1


def test_a_candidate_with_two_enrolments_sees_what_waits_on_each(client, alice, bob):
    chartership = alice.enrolments.get()
    certification = f.enrol(alice, "certification")  # the newest: shown first
    request = mentoring.request_create(
        enrolment=chartership, mentor=bob.mentor_profile, message="Hello"
    )
    mentoring.request_ask_more(
        request=request, mentor=bob.mentor_profile, message="Which sector?"
    )
    page = home(client, alice)
    assert "1 thing waits for you." in page
    assert "Bob Baker asked you for more information." in page
    assert f'href="/mentoring/requests/{request.pk}/"' in page
    # Each enrolment says which it is and links to its own page.
    assert "Working towards Chartership." in page
    assert "Working towards Certification." in page
    assert f'href="/mentoring/?enrolment={certification.pk}"' in page
    assert f'href="/mentoring/?enrolment={chartership.pk}"' in page


def test_a_mentor_is_asked_to_catch_up_from_the_first_hour_of_new_regulations(
    client, bob, clock
):
    """Regulations take effect on a London day: at half past midnight in summer
    (still the day before in UTC) they are the ones in force."""
    BriefingAcknowledgement.objects.create(
        member=bob, regulations=RegulationsVersion.objects.get(), how="watched"
    )
    RegulationsVersion.objects.create(
        name="Regulations of 1 June 2027", effective_from=datetime.date(2027, 6, 1)
    )
    london = timezone.get_default_timezone()
    clock.move_to(datetime.datetime(2027, 6, 1, 0, 30, tzinfo=london))
    page = home(client, bob)
    assert "Catch up with the Regulations of 1 June 2027" in page


def allocation_run(region_code: str, **fields) -> AllocationRun:
    run = AllocationRun.objects.create(**fields)
    run.regions.set([f.region(region_code)])
    return run


def pair(outcome: str) -> dict:
    return {"candidate": 1, "mentor": 2, "outcome": outcome, "reason": ""}


def test_an_officer_is_asked_to_send_the_rest_of_a_stopped_sending(
    client, olivia, oscar
):
    run = allocation_run(
        "london",
        status=RunStatus.PUBLISHING,
        progress={"stage": "stopped", "done": 1},
        published=[pair("requested")],
    )
    page = home(client, olivia)
    assert "Sending an allocation stopped part way" in page
    assert f'href="/oversight/allocations/{run.pk}/">Send the rest</a>' in page
    assert "Sending an allocation stopped" not in home(client, oscar)


def test_an_officer_is_told_of_pairs_the_last_allocation_failed_to_send(
    client, olivia, oscar
):
    run = allocation_run(
        "london",
        status=RunStatus.PUBLISHED,
        published=[pair("requested"), pair("failed"), pair("failed")],
        published_at=timezone.now(),
    )
    page = home(client, olivia)
    assert "2 pairs of the last allocation were not sent" in page
    assert (
        f'href="/oversight/allocations/{run.pk}/?shown=not-sent#outcomes">'
        "See the pairs not sent</a>"
    ) in page
    assert "not sent" not in home(client, oscar)
    allocation_run("london", status=RunStatus.PROPOSED)
    assert "were not sent" not in home(client, olivia)


def test_an_allocation_to_review_and_one_sent_are_told_in_the_glossarys_words(
    client, olivia
):
    """An allocation's matches are sent, not published ("Words we use")."""
    proposed = allocation_run("london", status=RunStatus.PROPOSED)
    page = home(client, olivia)
    assert "nothing is sent until you send its matches." in page
    assert f'href="/oversight/allocations/{proposed.pk}/">Review the allocation' in page
    sent = allocation_run("london", status=RunStatus.PUBLISHED)
    page = client.get(f"/oversight/allocations/{sent.pk}/").text
    assert f"<h1>Allocation run {sent.pk}: sent</h1>" in page
    listed = client.get("/oversight/allocations/").text
    assert "publish" not in (page + listed).lower().replace("allocation_publish", "")


def test_a_mentors_page_names_regions_to_meet_in_only_when_they_meet_in_person(
    client, alice
):
    remote = mentor(last_name="Remote").mentor_profile
    remote.regions.set([f.region("london")])  # chosen once, no longer meets there
    remote.meeting_modes = ["zoom"]
    remote.save()
    login(client, alice)
    page = client.get(f"/mentoring/directory/{remote.pk}/").text
    assert "<dt>Ways of meeting</dt><dd>Zoom</dd>" in page
    assert "meeting in person" not in page
    remote.meeting_modes = ["zoom", "in_person"]
    remote.save()
    page = client.get(f"/mentoring/directory/{remote.pk}/").text
    assert "<dt>Regions for meeting in person</dt><dd>London</dd>" in page
