import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from mentorscheme.contact.access import can_triage_feedback
from mentorscheme.guidance.access import can_edit_guidance
from mentorscheme.members.access import (
    ANONYMOUS,
    can_act_in_region,
    can_browse_register,
    get_member_or_404,
    requires_two_factor,
    roles_for,
    visible_members,
)
from mentorscheme.mentors.access import can_use_directory
from tests import factories as f


def roles(member_or_user):
    user = getattr(member_or_user, "user", None) or member_or_user
    return roles_for(user)


def test_anonymous_has_no_role():
    r = roles_for(AnonymousUser())
    assert r == ANONYMOUS
    assert not can_use_directory(r)
    assert not can_browse_register(r)


def test_a_candidate_is_a_candidate_and_nothing_more(alice):
    r = roles(alice)
    assert r.is_candidate and not r.is_mentor and not r.is_officer and not r.is_staff
    assert can_use_directory(r)
    assert not can_browse_register(r)
    assert not can_act_in_region(r, f.region("london").pk)
    assert not requires_two_factor(r)


def test_a_mentor_is_a_mentor_but_may_not_browse_the_directory(bob):
    r = roles(bob)
    assert r.is_mentor and not r.is_candidate
    assert not can_use_directory(r)


def test_an_officer_acts_only_in_their_own_regions(olivia):
    r = roles(olivia)
    assert r.is_officer
    assert can_act_in_region(r, f.region("london").pk)
    assert not can_act_in_region(r, f.region("scotland").pk)
    assert requires_two_factor(r)


def test_an_officer_of_another_region_cannot_fetch_a_member_here(alice, oscar):
    with pytest.raises(Exception) as raised:
        get_member_or_404(roles(oscar), alice.pk)
    assert raised.type.__name__ == "Http404"
    assert list(visible_members(roles(oscar))) == [oscar]


def test_an_officer_fetches_members_of_their_region(alice, olivia):
    assert get_member_or_404(roles(olivia), alice.pk) == alice


def test_staff_act_everywhere(sam, alice, oscar):
    r = roles(sam)
    assert can_act_in_region(r, f.region("scotland").pk)
    assert get_member_or_404(r, alice.pk) == alice
    assert can_triage_feedback(r) and can_edit_guidance(r)
    assert requires_two_factor(r)


def test_a_member_sees_only_themselves(alice, bob):
    assert list(visible_members(roles(alice))) == [alice]


def test_a_lapsed_member_holds_no_role(larry):
    r = roles(larry)
    assert r.member == larry
    assert not r.is_candidate and not r.is_mentor and not r.is_officer
    assert not can_use_directory(r)


def test_an_appointment_out_of_office_gives_no_powers(db):
    member = f.MemberFactory()
    f.with_account(member)
    f.appoint(
        member,
        "london",
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2022, 1, 1),
    )
    assert not roles(member).is_officer


def test_an_appointment_not_yet_started_gives_no_powers(db):
    member = f.MemberFactory()
    f.with_account(member)
    f.appoint(member, "london", starts_on=datetime.date(2099, 1, 1), ends_on=None)
    assert not roles(member).is_officer


def test_a_retired_mentor_is_no_longer_a_mentor(db):
    member = f.MemberFactory()
    f.with_account(member)
    f.award(member, "chartership")
    f.mentor_profile(member, status="retired")
    assert not roles(member).is_mentor
