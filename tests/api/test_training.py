import datetime

from django.utils import timezone

from mentorscheme.training.models import Booking, TrainingEvent
from tests import factories as f
from tests.api.conftest import Api, assert_problem


def _event(**kwargs):
    start = timezone.now() + datetime.timedelta(days=10)
    values = {
        "kind": "mentor_training",
        "title": "Mentor training, London",
        "region": f.region("london"),
        "starts_at": start,
        "ends_at": start + datetime.timedelta(hours=3),
        "capacity": 1,
    } | kwargs
    return TrainingEvent.objects.create(**values)


def test_events_are_listed_with_free_places(client, make_token):
    event = _event()
    _event(
        title="Old",
        starts_at=timezone.now() - datetime.timedelta(days=3),
        ends_at=timezone.now() - datetime.timedelta(days=2),
    )
    body = Api(client, make_token("read")).get("/events").json()
    assert [e["id"] for e in body["items"]] == [event.pk]
    assert body["items"][0]["free_places"] == 1
    assert body["items"][0]["uid"] == str(event.uid)
    past = Api(client, make_token("read")).get("/events", {"include_past": True})
    assert past.json()["count"] == 2


def test_booking_then_waiting_then_cancelling(api_as, alice, bob):
    event = _event()
    booked = api_as(alice).post("/bookings", {"event_id": event.pk})
    assert booked.status_code == 201, booked.content
    assert booked.json()["status"] == "booked"
    waiting = api_as(bob).post("/bookings", {"event_id": event.pk})
    assert waiting.json()["status"] == "waiting"
    again = assert_problem(
        api_as(alice).post("/bookings", {"event_id": event.pk}), 409, "refused"
    )
    assert "already booked" in again["detail"]

    booking_id = booked.json()["id"]
    assert_problem(api_as(bob).post(f"/bookings/{booking_id}/cancel"), 404, "not-found")
    cancelled = api_as(alice).post(f"/bookings/{booking_id}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    assert Booking.objects.get(member=bob).status == "booked"
    assert api_as(bob).get("/bookings").json()["items"][0]["status"] == "booked"


def test_booking_a_missing_event_is_not_found(api_as, alice):
    assert_problem(api_as(alice).post("/bookings", {"event_id": 999}), 404, "not-found")


def test_a_token_cannot_book(token_api):
    assert_problem(
        token_api.post("/bookings", {"event_id": _event().pk}), 403, "forbidden"
    )
