"""Registering interest in mentoring twice at once (a double click) makes one mentor,
and the second click is told so. On PostgreSQL, where the two really overlap."""

import pytest
from django.test import Client

from mentorscheme.mentors import services
from mentorscheme.mentors.models import MentorProfile, MentorStatusChange
from tests import factories as f
from tests.personas import login
from tests.races import twice_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_interest_registered_twice_at_once_makes_one_mentor(monkeypatch):
    member = f.MemberFactory()
    f.award(member, "chartership")
    f.with_account(member)
    clients = [login(Client(), member) for _ in range(2)]
    first, second = twice_at_once(
        monkeypatch,
        [lambda c=c: c.post("/mentors/interest/") for c in clients],
        pause_in=services,
        name="_counted",
    )
    assert first["Location"] == "/mentors/apply/"
    assert second["Location"] == "/mentors/"
    page = clients[1].get("/mentors/", follow=True)
    assert "You have already registered your interest in mentoring." in page.text
    assert MentorProfile.objects.filter(member=member).count() == 1
    assert MentorStatusChange.objects.filter(mentor__member=member).count() == 1
