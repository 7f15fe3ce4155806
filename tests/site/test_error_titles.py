"""A page whose form came back with errors says so first in its title ("Error: …"), as the
GOV.UK pattern does, so a screen-reader user hears it as soon as the page loads."""

import re

from mentorscheme.mentoring.models import MentoringRequest
from tests.mentoring.test_requests import ask
from tests.personas import login


def title(response) -> str:
    match = re.search(r"<title>(.*?)</title>", response.text, flags=re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip()


def test_declining_without_a_reason_puts_error_in_the_request_pages_title(
    client, alice, dora
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, dora)
    assert not title(client.get(f"/mentoring/requests/{request.pk}/")).startswith(
        "Error"
    )
    response = client.post(f"/mentoring/requests/{request.pk}/decline/")
    assert (
        title(response)
        == "Error: Request from Alice Archer to Dora Davies — Mentor Scheme"
    )


def test_asking_without_a_question_puts_error_in_the_request_pages_title(
    client, alice, dora
):
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    login(client, dora)
    response = client.post(f"/mentoring/requests/{request.pk}/ask/", {"message": ""})
    assert "Say what you would like to know." in response.text
    assert title(response).startswith("Error: Request from Alice Archer")


def test_an_empty_sign_in_puts_error_in_the_title(client, db):
    assert title(client.get("/accounts/login/")) == "Sign in — Mentor Scheme"
    response = client.post("/accounts/login/", {"login": "", "password": ""})
    assert title(response) == "Error: Sign in — Mentor Scheme"


def test_an_empty_sign_up_puts_error_in_the_title(client, db):
    response = client.post("/accounts/signup/", {})
    assert title(response) == "Error: Sign up — Mentor Scheme"


def test_an_empty_message_to_the_team_puts_error_in_the_title_once(client, db):
    response = client.post("/contact/", {"message": ""})
    assert title(response) == "Error: Contact us or give feedback — Mentor Scheme"
