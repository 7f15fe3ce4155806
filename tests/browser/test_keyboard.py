"""Asking a mentor with the keyboard alone: Tab, Shift+Tab, Enter and Space.

At every stop the focus must be visible (a :focus-visible outline) and on screen, and
the stops must follow the order of the page (no jumps back, nothing skipped that a
person would need).
"""

import re

import pytest
from playwright.sync_api import expect

from mentorscheme.mentoring.models import MentoringRequest
from tests.browser.helpers import focused, tab_to
from tests.personas import mentor

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def named(text):
    return lambda element: element["name"] == text


def assert_in_page_order(stops):
    orders = [stop["order"] for stop in stops]
    assert orders == sorted(orders), f"focus jumped about: {stops}"


def test_a_candidate_asks_a_mentor_with_the_keyboard_alone(open_page, alice):
    dora = mentor(first_name="Dora", last_name="Davies", level="fellowship")
    page = open_page("alice", signed_in_as=alice.user)
    page.goto("/")

    # The first stop is the skip link, and it works.
    page.keyboard.press("Tab")
    first = focused(page)
    assert first["name"] == "Skip to main content" and first["onScreen"], first
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "main"

    page.keyboard.press("Shift+Tab")  # back into the header, from the main content
    stops = tab_to(page, named("Find a mentor"), key="Shift+Tab")
    assert stops[-1]["tag"] == "a"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mentoring/directory/$"))

    stops = tab_to(page, named("Dora Davies"))
    assert_in_page_order(stops)
    visited = [stop["name"] for stop in stops]
    assert visited[0] == "Skip to main content"
    assert visited[1:3] == [
        "Mentor Scheme Professional Registration mentoring",
        "Your account",
    ]
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dora Davies")

    stops = tab_to(page, lambda element: element["tag"] == "textarea")
    assert_in_page_order(stops)
    assert "Back to the directory" in [stop["name"] for stop in stops]
    page.keyboard.type("I am working toward Chartership; could we have a first chat?")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "Send my request"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["tag"] == "textarea"
    page.keyboard.press("Tab")
    page.keyboard.press("Space")

    expect(page.locator(".messages")).to_contain_text("Your request has gone to Dora")
    request = MentoringRequest.objects.get(enrolment__member=alice)
    assert request.mentor == dora.mentor_profile
    assert request.message.startswith("I am working toward Chartership")


def test_a_form_with_errors_takes_the_focus_to_the_summary(open_page, alice):
    dora = mentor(first_name="Dora", last_name="Davies", level="fellowship")
    page = open_page("alice", signed_in_as=alice.user)
    page.goto(f"/mentoring/directory/{dora.mentor_profile.pk}/")
    tab_to(page, named("Send my request"))
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_be_focused()
    # From the summary, the link to the field takes the keyboard user there.
    page.keyboard.press("Tab")
    assert focused(page)["name"].startswith("Your message to the mentor")
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "textarea"


def test_the_phone_menu_works_with_the_keyboard_alone(open_page, alice):
    """At 390 px the pages sit behind a Menu button that opens without JavaScript."""
    page = open_page("alice", signed_in_as=alice.user)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(page.get_by_role("link", name="Find a mentor", exact=True)).to_have_count(1)
    stops = tab_to(page, named("Menu"))
    assert_in_page_order(stops)
    assert all(stop["onScreen"] for stop in stops), stops
    page.keyboard.press("Enter")
    stops = tab_to(page, named("Find a mentor"))
    assert stops[-1]["onScreen"] and stops[-1]["tag"] == "a", stops[-1]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/mentoring/directory/$"))
    # Closed again on the new page; Escape-free: Enter on Menu toggles it.
    stops = tab_to(page, named("Menu"))
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(page.locator(".menu-narrow")).not_to_have_attribute("open", "")
