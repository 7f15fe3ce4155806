"""A matched pair can reach each other: contact details from acceptance, not before."""

import datetime

from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.scheme.models import SchemeSettings
from tests.mentoring.test_requests import ask
from tests.personas import login


def accept(client, dora, request):
    login(client, dora)
    return client.post(
        f"/mentoring/requests/{request.pk}/accept/",
        {"not_line_manager": "yes"},
    )


def test_nobody_sees_contact_details_before_acceptance(client, alice, dora):
    dora.contact_phone = "07700 900123"
    dora.save()
    ask(client, alice, dora)
    request = MentoringRequest.objects.get()
    page = client.get(f"/mentoring/requests/{request.pk}/")
    assert "dora@example.org" not in page.text
    assert "07700 900123" not in page.text
    login(client, dora)
    page = client.get(f"/mentoring/requests/{request.pk}/")
    assert "alice@example.org" not in page.text


def test_on_acceptance_each_sees_the_others_chosen_contact_details(
    client, alice, dora, django_capture_on_commit_callbacks
):
    login(client, dora)
    client.post(
        "/members/me/contact/",
        {
            "contact_email": "Dora.Mentoring@example.org",
            "contact_phone": "07700 900123",
        },
    )
    ask(client, alice, dora)
    with django_capture_on_commit_callbacks(execute=True):
        accept(client, dora, MentoringRequest.objects.get())
    relationship = MentoringRelationship.objects.get()
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert "How to reach Alice" in page.text
    assert "alice@example.org" in page.text  # her account email, by default
    login(client, alice)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert "dora.mentoring@example.org" in page.text
    assert "07700 900123" in page.text
    by_recipient = {m.to[0]: m.body for m in mail.outbox}
    assert "dora.mentoring@example.org" in by_recipient["alice@example.org"]
    assert "07700 900123" in by_recipient["alice@example.org"]
    assert "alice@example.org" in by_recipient["dora@example.org"]


def test_an_officer_does_not_see_the_pairs_contact_details(client, alice, dora, olivia):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    relationship = MentoringRelationship.objects.get()
    login(client, olivia)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert page.status_code == 200
    assert "How to reach" not in page.text


def test_contact_details_go_a_set_period_after_the_mentoring_ended(client, alice, dora):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    relationship = MentoringRelationship.objects.get()
    client.post(
        f"/mentoring/relationships/{relationship.pk}/end/",
        {"reason": "We agreed to stop.", "confirmed": "yes"},
    )
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert "alice@example.org" in page.text  # still tying up loose ends
    days = SchemeSettings.load().contact_days_after_end
    relationship.refresh_from_db()
    relationship.ended_on = timezone.localdate() - datetime.timedelta(days=days + 1)
    relationship.save()
    page = client.get(f"/mentoring/relationships/{relationship.pk}/")
    assert "alice@example.org" not in page.text


def test_a_phone_number_must_look_like_one(client, alice):
    login(client, alice)
    response = client.post(
        "/members/me/contact/", {"contact_email": "", "contact_phone": "call me"}
    )
    assert response.status_code == 400
    assert "Enter a phone number" in response.text


def test_the_contact_form_names_the_address_used_when_left_empty(client, alice):
    # Alice signs in with another address now; the scheme writes to her record's.
    alice.user.email = "alice.new@example.org"
    alice.user.save()
    page = login(client, alice).get("/members/me/contact/").text
    assert "Leave empty to use the email on your membership record, " in page
    assert "alice@example.org." in page
