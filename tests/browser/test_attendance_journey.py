"""Attendance that happened, in a real browser, with a test clock (never a sleep).

An officer creates a workshop for next week and cannot take its register today; with
the clock moved past its start, marks the applicant as attended, and the applicant is
listed; a correction to "did not attend" delists them, with the reason in their
history.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.training import services as training
from mentorscheme.training.models import EventKind, TrainingEvent
from tests import factories as f
from tests.browser.helpers import (
    accessibility_problems,
    expect_message,
    layout_problems,
)

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def erin(db):
    """Approved to mentor in London, mentor training done, workshop still to do."""
    member = f.MemberFactory(
        first_name="Erin", last_name="Ellis", email="erin@example.org"
    )
    f.award(member, "chartership")
    f.with_account(member)
    f.mentor_profile(
        member,
        status=MentorStatus.TRAINED,
        trained_on=datetime.date(2024, 3, 1),
        workshop_attended_on=None,
    )
    return member


def local_input(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def test_attendance_only_once_started_and_a_correction_delists(
    open_page, erin, olivia, clock
):
    officer = open_page("olivia", signed_in_as=olivia.user)
    officer.goto("/training/manage/new/")
    officer.get_by_label("Type of event").select_option(
        label="Professional Registration workshop"
    )
    officer.get_by_label("Title").fill("Registration workshop, next week")
    officer.get_by_label("Region").select_option(label="London")
    starts = timezone.now() + datetime.timedelta(days=7)
    officer.get_by_label("Starts").fill(local_input(starts))
    officer.get_by_label("Ends").fill(local_input(starts + datetime.timedelta(hours=3)))
    officer.get_by_label("Place (if in person)").fill("The Library, London")
    officer.get_by_label("Places").fill("12")
    officer.get_by_role("button", name="Create the event").click()
    expect_message(officer, "has been created")
    manage_url = officer.url

    applicant = open_page("erin", signed_in_as=erin.user)
    applicant.goto("/training/")
    applicant.get_by_role("link", name="Registration workshop, next week").click()
    applicant.get_by_role("button", name="Book a place").click()
    expect_message(applicant, "You are booked")

    attended = re.compile(r"^Attended\s*: Erin Ellis$")
    officer.goto(manage_url)
    # Before the workshop starts there is nothing to press yet.
    expect(officer.get_by_role("button", name=attended)).to_have_count(0)
    expect(officer.get_by_text("Recorded once the event starts")).to_be_visible()
    assert MentorProfile.objects.get(member=erin).status == MentorStatus.TRAINED

    clock.move(days=7, hours=1)  # the workshop is under way
    open_page.sign_in(officer, olivia.user)  # a week on, signed out when idle
    officer.goto(manage_url)
    button = officer.get_by_role("button", name=attended)
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    assert MentorProfile.objects.get(member=erin).status == MentorStatus.LISTED

    not_attended = officer.get_by_role(
        "button", name=re.compile(r"^Did not attend\s*: Erin Ellis$")
    )
    not_attended.click()
    expect(not_attended).to_have_attribute("aria-pressed", "true")
    assert MentorProfile.objects.get(member=erin).status == MentorStatus.TRAINED

    open_page.sign_in(applicant, erin.user)
    applicant.goto("/mentors/")
    history = applicant.get_by_role("heading", name="History").locator(
        "xpath=following-sibling::ol[1]"
    )
    expect(history).to_contain_text("Taken off the list")
    expect(history).to_contain_text("not attending the workshop")


def test_a_register_to_take_and_its_walk_in_form_have_no_accessibility_problem(
    open_page, erin, olivia, clock
):
    """Once a workshop is over with Erin's place unrecorded: the dashboard lists it,
    and its register, with the form for someone who came without a place, passes
    axe and the layout checks at both widths."""
    start = timezone.now() + datetime.timedelta(days=1)
    workshop = TrainingEvent.objects.create(
        kind=EventKind.WORKSHOP,
        title="Registration workshop, London",
        region=erin.region,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        location="The Library, London",
        capacity=12,
    )
    training.booking_create(event_id=workshop.pk, member=erin)
    clock.move(days=2)
    officer = open_page("olivia", signed_in_as=olivia.user)
    problems = []
    for path in ("/oversight/", f"/training/manage/{workshop.pk}/"):
        officer.goto(path)
        for size in (WIDE, NARROW):
            officer.set_viewport_size(size)
            problems += [
                f"{path} {size['width']}: {p}"
                for p in (accessibility_problems(officer) + layout_problems(officer))
            ]
    assert not problems, "\n".join(problems)
    officer.set_viewport_size(WIDE)
    officer.get_by_label("Membership number").fill(olivia.membership_number)
    officer.get_by_role("button", name="Record as attending").click()
    expect_message(officer, "This is your own case")
