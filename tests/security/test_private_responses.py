"""Pages and API answers with personal data are never kept by a shared cache."""

from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse

from mentorscheme.api import services as api_services
from mentorscheme.privacy import services as privacy_services
from tests import factories as f
from tests.personas import login


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def test_a_signed_in_page_is_private_and_not_stored(client, alice):
    login(client, alice)
    for url in ["/members/me/", "/privacy/export/", "/mentoring/", "/"]:
        response = client.get(url)
        assert {"private", "no-store"} <= cache_control(response), url


def test_an_api_answer_by_session_or_token_is_private(client, alice):
    _, plain = api_services.token_create(name="Sync", scopes=["read"], created_by=None)
    login(client, alice)
    assert {"private", "no-store"} <= cache_control(client.get("/api/me"))
    client.logout()
    token_answer = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert {"private", "no-store"} <= cache_control(token_answer)


def test_a_calendar_feed_is_private_and_not_stored(client, alice):
    feed = privacy_services.feed_renew(member=alice)
    response = client.get(f"/privacy/calendar/{feed.token}.ics")
    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)


def test_public_guidance_for_visitors_may_be_cached(client, db):
    # The negative control: the header is about personal data, not every page.
    assert "no-store" not in cache_control(client.get("/guidance/"))


def test_an_email_confirmation_link_opened_signed_out_is_private(client, db):
    # The page names the address being confirmed, to whoever opens the link.
    user = f.UserFactory(email="new.member@example.org")
    address = EmailAddress.objects.filter(user=user).get()
    address.verified = False
    address.save()
    key = EmailConfirmationHMAC(address).key
    response = client.get(reverse("account_confirm_email", args=[key]))
    assert "new.member@example.org" in response.text
    assert {"private", "no-store"} <= cache_control(response)
