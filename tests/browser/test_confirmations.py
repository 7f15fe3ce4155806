"""Confirmation pages in the browser: reached from the real forms, clean under axe at
both widths, worked with the keyboard alone, and nothing changes until the yes."""

import re

import pytest
from playwright.sync_api import expect

from mentorscheme.members.models import Member
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.training.models import Booking, BookingStatus
from tests.browser.helpers import accessibility_problems, expect_message

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 390, "height": 844}


def audited_at_both_widths(page) -> list[str]:
    problems = accessibility_problems(page)
    page.set_viewport_size(NARROW)
    problems += [f"at 390 px: {p}" for p in accessibility_problems(page)]
    page.set_viewport_size(WIDE)
    return problems


def test_staff_erasing_a_member_confirm_on_a_page_that_names_who_to_tell(
    open_page, world
):
    page = open_page("staff", signed_in_as=world.staff)
    page.goto(f"/privacy/erase/{world.member.pk}/")
    page.get_by_label("Why").fill("Erasure request by email on 3 May, ref DP-9.")
    page.get_by_role("button", name="Continue").click()
    expect(
        page.get_by_role("heading", name="Erase Alice Archer's personal data?")
    ).to_be_visible()
    assert not audited_at_both_widths(page)
    page.get_by_role("link", name="No, keep it").click()
    expect(page).to_have_url(re.compile(f"/privacy/erase/{world.member.pk}/$"))
    assert Member.objects.get(pk=world.member.pk).first_name == "Alice"


def test_an_officer_declines_an_application_only_after_reading_what_is_sent(
    open_page, world
):
    page = open_page("officer", signed_in_as=world.officer.user)
    page.goto(f"/mentors/review/{world.review_profile.pk}/")
    page.get_by_label("Decline").check()
    page.get_by_label("Message to the applicant").fill("Please attend a workshop.")
    page.get_by_role("button", name="Record decision").click()
    expect(
        page.get_by_role("heading", name="Decline Carol Cole's mentor application?")
    ).to_be_visible()
    expect(page.locator(".consequences")).to_contain_text("Please attend a workshop.")
    assert not audited_at_both_widths(page)
    profile = MentorProfile.objects.get(pk=world.review_profile.pk)
    assert profile.status == MentorStatus.APPLIED
    # Keyboard only, on a phone: from the heading, Tab reaches the yes button.
    page.set_viewport_size(NARROW)
    page.get_by_role("heading", level=1).focus()
    yes = page.get_by_role("button", name="Yes, decline the application")
    for _ in range(10):
        page.keyboard.press("Tab")
        if yes.evaluate("b => b === document.activeElement"):
            break
    page.keyboard.press("Enter")
    expect_message(page, "Decision recorded")
    profile.refresh_from_db()
    assert profile.status == MentorStatus.DECLINED


def test_cancelling_a_booking_is_confirmed_before_the_place_goes(open_page, world):
    page = open_page("applicant", signed_in_as=world.applicant.user)
    page.goto(f"/training/{world.event.pk}/")
    page.get_by_role("button", name="Cancel my booking").click()
    expect(
        page.get_by_role(
            "heading", name="Cancel your booking for Mentor training, London?"
        )
    ).to_be_visible()
    assert not audited_at_both_widths(page)
    assert Booking.objects.get(pk=world.booking.pk).status == BookingStatus.BOOKED
    page.get_by_role("button", name="Yes, cancel my booking").click()
    expect_message(page, "Your booking has been cancelled.")
    assert Booking.objects.get(pk=world.booking.pk).status == BookingStatus.CANCELLED
