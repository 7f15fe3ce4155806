"""The sign-in pages speak the site's sentence case and say which email to use."""

import re

from tests import factories as f
from tests.personas import login


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_sign_in_is_in_sentence_case(client, db):
    page = client.get("/accounts/login/").text
    assert "<title> Sign in" in re.sub(r"\s+", " ", page)
    assert "Remember me" in page
    assert "Sign In" not in page and "Remember Me" not in page


def test_sign_up_says_to_use_the_membership_email(client, db):
    page = client.get("/accounts/signup/").text
    assert "Sign up" in page and "Signup" not in page and "Sign Up" not in page
    assert "Use the email address on your membership record" in text_of(page)


def test_two_factor_cancel_is_not_the_main_button(client, sam_with_totp):
    client.post(
        "/accounts/login/", {"login": "sam@example.org", "password": f.PASSWORD}
    )
    page = client.get("/accounts/2fa/authenticate/").text
    assert "Two-factor authentication" in page
    cancel = re.search(r"<button[^>]*>\s*Cancel\s*</button>", page)
    assert cancel and 'class="button-secondary"' in cancel.group(0)


def test_two_factor_settings_offer_their_actions_as_buttons_not_a_list(
    client, sam_with_totp
):
    page = login(client, sam_with_totp).get("/accounts/2fa/").text
    assert "Authenticator app" in page
    assert "<li><a" not in page.split('id="main"', 1)[1]
    # Turning the authenticator app off weakens the account: it is not the green
    # button that goes ahead.
    deactivate = re.search(
        r'<a class="([^"]*)" href="/accounts/2fa/totp/deactivate/"', page
    )
    assert deactivate and deactivate.group(1) == "button button-warning"


def test_two_factor_buttons_and_the_password_check_speak_plainly(client, sam_with_totp):
    login(client, sam_with_totp)
    page = text_of(client.get("/accounts/2fa/").text)
    assert "Turn off" in page and "Make new codes" in page
    assert "Deactivate" not in page and "Generate" not in page
    page = text_of(client.get("/accounts/reauthenticate/").text)
    assert "To keep your account safe, confirm it is you." in page
    assert "reauthenticate" not in page.lower()
