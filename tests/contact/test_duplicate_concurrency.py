"""The same message sent twice at once (a double click) is stored once, and the second
send is told it arrived. On PostgreSQL, where the two really overlap."""

import pytest
from django.test import Client

from mentorscheme.contact import services
from mentorscheme.contact.models import Feedback
from tests.races import twice_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MESSAGE = {
    "topic": "other",
    "message": "Where do I find the mentor list?",
    "email": "visitor@example.org",
}


def test_the_same_message_sent_twice_at_once_is_stored_once(monkeypatch):
    first, second = twice_at_once(
        monkeypatch,
        [lambda: Client().post("/contact/", MESSAGE) for _ in range(2)],
        pause_in=services,
        name="_tell_the_team",
    )
    assert first["Location"] == "/contact/thanks/"
    assert second.status_code == 400
    assert "We have already received this message." in second.text
    assert Feedback.objects.count() == 1
