"""The scheme's main journeys, end to end, in a real browser.

(a) a member applies to mentor, the officer approves, the member books training and a
    workshop, the officer records attendance, and the member is listed;
(b) a candidate enrols declaring a line manager, finds that mentor, asks, is
    accepted, both see contact details, a first chat is logged, they agree an
    agreement, log a meeting, and both confirm completion; and a line manager recorded
    by the import closes a pending request, the candidate reading why;
(c) a visitor sends feedback and the registration team reads it.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentorscheme.contact.models import Feedback
from mentorscheme.members import importing
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.training.models import EventKind, TrainingEvent
from tests import factories as f
from tests.browser.helpers import expect_message, in_menu, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def dan(db):
    """A London member with an account, not yet enrolled on anything."""
    member = f.MemberFactory(
        first_name="Dan", last_name="Dale", email="dan@example.org"
    )
    f.with_account(member)
    return member


# The button's name is "Attended" plus visually hidden text naming the member.
ATTENDED_CAROL = re.compile(r"^Attended\s*: Carol Cole$")


def local_input(moment: datetime.datetime) -> str:
    """A date and time as the hint asks for it, in the site's time zone."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def test_a_member_becomes_a_listed_mentor(open_page, carol, olivia, clock):
    starts = timezone.now() + datetime.timedelta(days=20)
    TrainingEvent.objects.create(
        kind=EventKind.MENTOR_TRAINING,
        title="Mentor training in London",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        location="The Library, London",
        capacity=12,
    )

    member = open_page("carol")
    sign_in(member, "carol@example.org")
    member.get_by_role("link", name="Become a mentor").click()
    member.get_by_role("button", name="Register my interest").click()
    expect(member.get_by_role("heading", name="Apply to mentor")).to_be_visible()
    member.get_by_label("Your experience").fill(
        "Twenty years in public libraries; I have supported many colleagues."
    )
    member.get_by_label("Certification", exact=True).check()
    member.get_by_label("Chartership", exact=True).check()
    member.get_by_label("Zoom").check()
    member.get_by_label("London").check()
    member.get_by_label("How many candidates you can mentor at once").fill("2")
    member.get_by_label("I will book the scheme's mentor training").check()
    member.get_by_role("button", name="Send my application").click()
    expect_message(member, "Your application has been sent")

    officer = open_page("olivia")
    sign_in(officer, "olivia@example.org", totp_secret=f.TOTP_SECRET)
    in_menu(officer, "Mentor applications").click()
    officer.get_by_role("link", name="Carol Cole").click()
    officer.get_by_label("Approve").check()
    officer.get_by_role("button", name="Record decision").click()
    expect_message(officer, "Decision recorded")

    # The officer puts on a workshop.
    officer.get_by_role("link", name="Training", exact=True).click()
    officer.get_by_role("link", name="Manage your region's events").click()
    officer.get_by_role("link", name="Create an event").click()
    officer.get_by_label("Type of event").select_option(
        label="Professional Registration workshop"
    )
    officer.get_by_label("Title").fill("Registration workshop, London")
    officer.get_by_label("Region").select_option(label="London")
    workshop_starts = timezone.now() + datetime.timedelta(days=30)
    officer.get_by_label("Starts").fill(local_input(workshop_starts))
    officer.get_by_label("Ends").fill(
        local_input(workshop_starts + datetime.timedelta(hours=2))
    )
    officer.get_by_label("Place (if in person)").fill("The Library, London")
    officer.get_by_label("Places").fill("20")
    officer.get_by_role("button", name="Create the event").click()
    expect_message(officer, "has been created")

    for title in ("Registration workshop, London", "Mentor training in London"):
        member.get_by_role("link", name="Training", exact=True).click()
        member.get_by_role("link", name=title).click()
        member.get_by_role("button", name="Book a place").click()
        expect_message(member, "You are booked")

    # Attendance is recorded once the events have happened.
    clock.move(days=31)
    # A month on, both have been signed out (idle timeout) and are signed in again.
    open_page.sign_in(officer, olivia.user)
    open_page.sign_in(member, carol.user)
    for title in ("Registration workshop, London", "Mentor training in London"):
        officer.get_by_role("link", name="Training", exact=True).click()
        officer.get_by_role("link", name="Manage your region's events").click()
        officer.get_by_role("link", name=title).click()
        attended = officer.get_by_role("button", name=ATTENDED_CAROL)
        attended.click()
        expect(attended).to_have_attribute("aria-pressed", "true")

    assert MentorProfile.objects.get(member=carol).status == MentorStatus.LISTED
    member.goto("/")  # listed now: the menu says so
    in_menu(member, "Your candidates").click()
    expect(member.locator(".summary .tag")).to_have_text("Listed")
    officer.get_by_role("link", name="Find a mentor").click()
    expect(officer.get_by_role("link", name="Carol Cole")).to_be_visible()


def test_a_candidate_is_mentored_to_completion(open_page, dan, bob):
    manager = f.MemberFactory(first_name="Mia", last_name="Manning")
    candidate = open_page("dan")
    sign_in(candidate, "dan@example.org")
    candidate.get_by_role("link", name="Enrol on a qualification").click()
    candidate.get_by_label("Qualification").select_option(label="Chartership")
    candidate.get_by_label("Zoom").check()
    candidate.get_by_label("A member of the body").check()
    candidate.get_by_label("Their membership number, or their full name").fill(
        manager.membership_number
    )
    candidate.get_by_role("button", name="Enrol").click()
    expect_message(candidate, "You are enrolled")

    candidate.get_by_role("link", name="Bob Baker").first.click()
    candidate.get_by_label("Your message to the mentor").fill(
        "I am working toward Chartership and would value an informal first chat."
    )
    candidate.get_by_role("button", name="Send my request").click()
    expect_message(candidate, "Your request has gone to Bob")

    mentor = open_page("bob")
    sign_in(mentor, "bob@example.org")
    in_menu(mentor, "Your candidates").click()
    mentor.get_by_role("link", name="Read and answer").click()
    mentor.get_by_label("I confirm that I am not Dan's line manager").check()
    mentor.get_by_role("button", name="Accept Dan as my candidate").click()
    expect_message(mentor, "You have accepted")
    # Both see how to reach the other, from acceptance.
    expect(mentor.get_by_role("heading", name="How to reach Dan")).to_be_visible()
    expect(mentor.get_by_role("link", name="dan@example.org")).to_be_visible()
    relationship = MentoringRelationship.objects.get()
    candidate.goto(f"/mentoring/relationships/{relationship.pk}/")
    expect(candidate.get_by_role("link", name="bob@example.org")).to_be_visible()

    # The informal first chat, logged before the agreement.
    candidate.get_by_role("link", name="Log a meeting").click()
    candidate.get_by_label("How you met").select_option(label="Phone")
    candidate.get_by_label("Length in minutes").fill("20")
    candidate.get_by_label("Notes").fill("Informal first chat about how we might work.")
    candidate.get_by_role("button", name="Add to the log").click()
    expect_message(candidate, "added to your log")

    mentor.get_by_role("link", name="Write the mentoring agreement").click()
    mentor.get_by_label("Goals").fill("Submit a Chartership portfolio by June.")
    mentor.get_by_label("How often you will meet").fill("An hour every month")
    mentor.get_by_label("Zoom").check()
    mentor.get_by_role("button", name="Save and confirm").click()
    expect_message(mentor, "asked to confirm it")

    candidate.get_by_role("link", name="Your mentoring").click()
    candidate.get_by_role("link", name="Confirm your mentoring agreement").click()
    candidate.get_by_role("button", name="I confirm this agreement").click()
    expect_message(candidate, "You have confirmed the agreement")

    candidate.get_by_role("link", name="Log a meeting").click()
    # The date picker offers today (it is blank if the value is not in ISO format).
    expect(candidate.get_by_label("Date")).to_have_value(
        timezone.localdate().strftime("%d/%m/%Y")
    )
    candidate.get_by_label("How you met").select_option(label="Zoom")
    candidate.get_by_label("Length in minutes").fill("60")
    candidate.get_by_label("Notes").fill("Talked about the evidence for criterion 2.")
    candidate.get_by_role("button", name="Add to the log").click()
    expect_message(candidate, "added to your log")

    mentor.reload()
    expect(mentor.get_by_text("Talked about the evidence")).to_be_visible()
    mentor.get_by_role("link", name="Confirm that mentoring is complete").click()
    mentor.get_by_role("button", name="Yes, mentoring is complete").click()
    expect_message(mentor, "the other person has been asked to")
    relationship.refresh_from_db()
    assert relationship.status == "active"  # one side is not enough

    candidate.reload()
    candidate.get_by_role("link", name="Confirm that mentoring is complete").click()
    candidate.get_by_role("button", name="Yes, mentoring is complete").click()
    expect_message(candidate, "mentoring is complete")
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    assert relationship.completion_confirmed_at is not None


def members_csv(dan, bob) -> bytes:
    """Dan's row of the membership database's export, Bob now his line manager."""
    row = {
        "membership_number": dan.membership_number,
        "first_name": dan.first_name,
        "last_name": dan.last_name,
        "email": dan.email,
        "region": dan.region.code,
        "line_manager": bob.membership_number,
        "membership_status": "current",
    }
    names = [column.name for column in importing.MEMBER_COLUMNS]
    return (
        ",".join(names) + "\n" + ",".join(row.get(n, "") for n in names) + "\n"
    ).encode()


def test_a_line_manager_recorded_by_import_closes_the_request(
    open_page, dan, bob, sam_with_totp
):
    f.enrol(dan, "chartership")
    candidate = open_page("dan")
    sign_in(candidate, "dan@example.org")
    candidate.goto(f"/mentoring/directory/{bob.mentor_profile.pk}/")
    candidate.get_by_label("Your message to the mentor").fill("Could you mentor me?")
    candidate.get_by_role("button", name="Send my request").click()
    expect_message(candidate, "Your request has gone to Bob")

    # The registration team imports the membership database's export, which
    # records Bob as Dan's line manager.
    staff = open_page("sam")
    sign_in(staff, "sam@example.org", totp_secret=f.TOTP_SECRET)
    staff.goto("/members/import/")
    staff.get_by_label("CSV file").set_input_files(
        files=[
            {
                "name": "members.csv",
                "mimeType": "text/csv",
                "buffer": members_csv(dan, bob),
            }
        ]
    )
    staff.get_by_role("button", name="Check and import").click()
    expect(staff.get_by_text("The file was imported.")).to_be_visible()

    candidate.get_by_role("link", name="Your mentoring").click()
    candidate.get_by_role("link", name="Bob Baker").click()
    expect(
        candidate.get_by_role("heading", name="Why this request was closed")
    ).to_be_visible()
    expect(
        candidate.get_by_text("Bob Baker is recorded as your line manager")
    ).to_be_visible()


def test_a_visitor_sends_feedback_that_the_team_reads(open_page, sam_with_totp):
    visitor = open_page("visitor")
    visitor.goto("/")
    visitor.get_by_role("link", name="Contact us", exact=True).click()
    visitor.get_by_label("Topic").select_option(label="Feedback on this website")
    visitor.get_by_label("Message").fill("The directory is easy to use. Thank you!")
    visitor.get_by_label("Name").fill("Vic Visitor")
    visitor.get_by_label("Email").fill("vic@example.org")
    visitor.get_by_role("button", name="Send your message").click()
    expect(
        visitor.get_by_role("heading", name="Thank you — your message has been sent")
    ).to_be_visible()
    assert Feedback.objects.get().email == "vic@example.org"

    staff = open_page("sam")
    sign_in(staff, "sam@example.org", totp_secret=f.TOTP_SECRET)
    # The answer waits on the team's home, one link away.
    staff.get_by_role("link", name="Answer feedback").click()
    expect(staff.get_by_text("Feedback on this website").first).to_be_visible()
