"""A mentor whose membership lapsed is told why, and what happens next."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

from mentorscheme.members.models import MembershipStatus
from tests.personas import login, mentor


def test_a_lapsed_mentor_is_told_why_they_cannot_mentor(client):
    member = mentor(last_name="Lapsed")
    member.membership_status = MembershipStatus.LAPSED
    member.save()
    login(client, member)
    response = client.get("/mentors/")
    assert response.status_code == 403
    page = response.text
    assert "Your membership is not current" in page
    assert "your mentor profile, your training and your mentoring history are kept" in (
        page
    )
    assert "/contact/" in page


def test_a_lapsed_member_who_never_mentored_is_told_too(client, alice):
    alice.membership_status = MembershipStatus.LAPSED
    alice.save()
    login(client, alice)
    response = client.get("/mentors/")
    assert response.status_code == 403
    assert "Mentors must be current members" in response.text
    assert "Nothing is lost" not in response.text


def test_a_lapsed_mentor_reads_until_when_their_bookings_are_kept(client):
    member = mentor(last_name="Lapsed")
    member.membership_status = MembershipStatus.LAPSED
    member.save()
    login(client, member)
    page = client.get("/mentors/").text
    assert (
        "bookings of mentor training, workshops and briefings still to come are "
        in (page)
    )
    assert "kept for 30 days after the lapse too" in page
    call_command("run_periodic", stdout=io.StringIO(), stderr=io.StringIO())
    member.refresh_from_db()
    until = member.lapse_grace_ends_on
    assert until == timezone.localdate() + datetime.timedelta(days=30)
    assert f"kept until {until:%-d %B %Y} too" in client.get("/mentors/").text
