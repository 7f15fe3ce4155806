"""Up to date means briefed on the regulations the candidate's enrolment is under.

Since 2 December 2013 the scheme runs under the regulations of that date; a
candidate who enrolled before it may stay under the earlier ones. For them, a mentor
briefed on the earlier regulations is the one up to date, whatever the regulations
in force: the directory's ranking and words, the API and a bulk allocation agree.
"""

import datetime

import pytest
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring_services
from mentorscheme.oversight import selectors as oversight_selectors
from mentorscheme.scheme.models import RegulationsVersion, SchemeSettings
from mentorscheme.training import services as training_services
from mentorscheme.training.models import AcknowledgementHow
from tests import factories as f
from tests.api.conftest import Api
from tests.personas import login, mentor

DIRECTORY = "/mentoring/directory/"


@pytest.fixture
def earlier(db):
    return RegulationsVersion.objects.create(
        name="Regulations of 2005", effective_from=datetime.date(2005, 1, 1)
    )


@pytest.fixture
def current(db):
    return RegulationsVersion.objects.get(name="Regulations of 2 December 2013")


def briefed(member, version):
    training_services.briefing_acknowledge(
        member=member, regulations_id=version.pk, how=AcknowledgementHow.WATCHED
    )
    return member


@pytest.fixture
def pair(earlier, current):
    """Two mentors alike but for their briefing: Adams on the 2013 regulations,
    Young on those of 2005 (by name, Adams comes first)."""
    alike = {"region": f.region("wales"), "profile": {"meeting_modes": ["zoom"]}}
    adams = briefed(mentor(first_name="Ann", last_name="Adams", **alike), current)
    young = briefed(mentor(first_name="Yan", last_name="Young", **alike), earlier)
    return adams, young


@pytest.fixture
def stayed(alice, earlier):
    """Alice enrolled before 2 December 2013 and stayed under the earlier rules."""
    enrolment = alice.enrolments.get()
    enrolment.regulations = earlier
    enrolment.save()
    return alice


@pytest.fixture
def newcomer(current):
    member = f.MemberFactory(first_name="Nell", last_name="New")
    f.with_account(member)
    f.enrol(member, "chartership", regulations=current)
    return member


def order(client, *names, query=""):
    page = client.get(DIRECTORY + query).text
    return sorted((n for n in names if n in page), key=page.index)


def test_a_candidate_under_earlier_regulations_finds_mentors_briefed_on_them_first(
    client, stayed, newcomer, pair
):
    login(client, stayed)
    assert "Up to date with your regulations" in client.get(DIRECTORY).text
    assert order(client, "Ann Adams", "Yan Young") == ["Yan Young", "Ann Adams"]
    only = order(client, "Ann Adams", "Yan Young", query="?up_to_date=on")
    assert only == ["Yan Young"]
    adams, young = pair
    page = client.get(f"{DIRECTORY}{young.mentor_profile.pk}/").text
    assert "up to date with your regulations (Regulations of 2005)" in page
    assert "Briefed on your regulations (Regulations of 2005)" in page
    page = client.get(f"{DIRECTORY}{adams.mentor_profile.pk}/").text
    assert "Not yet briefed on your regulations (Regulations of 2005)" in page
    assert "up to date with your regulations" not in page

    login(client, newcomer)
    assert order(client, "Ann Adams", "Yan Young") == ["Ann Adams", "Yan Young"]
    only = order(client, "Ann Adams", "Yan Young", query="?up_to_date=on")
    assert only == ["Ann Adams"]
    page = client.get(f"{DIRECTORY}{adams.mentor_profile.pk}/").text
    assert "up to date with your regulations (Regulations of 2 December 2013)" in page


def test_the_api_says_up_to_date_for_the_candidates_own_version(
    client, stayed, pair, sam_with_totp
):
    adams, young = pair
    login(client, stayed)
    items = Api(client).get("/directory").json()["items"]
    flags = {m["last_name"]: m["up_to_date"] for m in items}
    assert flags == {"Adams": False, "Young": True}
    reasons = {m["last_name"]: [r["code"] for r in m["reasons"]] for m in items}
    assert "up_to_date" in reasons["Young"] and "up_to_date" not in reasons["Adams"]
    # Without a candidate (the registration team browsing): the version in force.
    login(client, sam_with_totp)
    items = Api(client).get("/directory").json()["items"]
    flags = {m["last_name"]: m["up_to_date"] for m in items}
    assert flags["Adams"] is True and flags["Young"] is False


def test_a_bulk_allocation_judges_each_candidate_by_their_own_version(
    stayed, newcomer, pair
):
    adams, young = pair
    for person in pair:
        profile = person.mentor_profile
        profile.capacity = 1
        profile.save()
    proposal = oversight_selectors.allocation_proposal(None)
    by_candidate = {
        p["candidate_member_id"]: (p["mentor_id"], p["reasons"])
        for p in proposal["pairs"]
    }
    mentor_of_alice, alice_reasons = by_candidate[stayed.pk]
    mentor_of_nell, nell_reasons = by_candidate[newcomer.pk]
    assert mentor_of_alice == young.mentor_profile.pk
    assert mentor_of_nell == adams.mentor_profile.pk
    texts = [r["text"] for r in alice_reasons]
    assert "up to date with your regulations (Regulations of 2005)" in texts
    texts = [r["text"] for r in nell_reasons]
    assert "up to date with your regulations (Regulations of 2 December 2013)" in texts


def test_a_candidate_who_moved_counts_mentors_briefed_on_the_version_before_in_grace(
    client, alice, pair, clock
):
    """Alice moves on to regulations that took effect ten days ago; Adams, briefed
    on the 2013 ones before them, stays up to date for her during the grace period
    staff set, and Young (2005) never is."""
    SchemeSettings.objects.update_or_create(pk=1, defaults={"briefing_grace_days": 60})
    newest = RegulationsVersion.objects.create(
        name="Regulations of 2026",
        effective_from=timezone.localdate() - datetime.timedelta(days=10),
    )
    mentoring_services.enrolment_move_regulations(
        enrolment=alice.enrolments.get(), regulations=newest
    )

    def flags():
        login(client, alice)
        items = Api(client).get("/directory").json()["items"]
        return {m["last_name"]: m["up_to_date"] for m in items}

    assert flags() == {"Adams": True, "Young": False}
    clock.move(days=50)
    assert flags() == {"Adams": False, "Young": False}
