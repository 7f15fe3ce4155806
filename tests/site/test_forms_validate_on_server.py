"""Every form leaves checking to the server (GOV.UK pattern).

Browsers' own "Please fill out this field" bubbles are in US English, vanish on their own and
are read poorly by some screen readers; a form carries ``novalidate`` so the site's error summary
and the message beside each field are what people meet.
"""

import re
from pathlib import Path

import pytest

import mentorscheme

ROOT = Path(mentorscheme.__file__).parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def form_tags(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*>", html, flags=re.S)


@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_sign_in_and_sign_up_forms_are_checked_by_the_site(client, db, path):
    forms = form_tags(client.get(path).text)
    main = [tag for tag in forms if "account_logout" not in tag and "logout" not in tag]
    assert main, forms
    assert all("novalidate" in tag for tag in main), main


def test_an_empty_sign_in_shows_the_sites_own_error_summary(client, db):
    response = client.post("/accounts/login/", {"login": "", "password": ""})
    assert "There is a problem" in response.text
    assert "This field is required." in response.text


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_form_of_the_site_is_checked_by_the_site(path):
    missing = [tag for tag in form_tags(path.read_text()) if "novalidate" not in tag]
    assert not missing, missing
