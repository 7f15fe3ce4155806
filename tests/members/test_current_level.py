import datetime

from tests import factories as f


def test_a_member_without_awards_holds_no_level(db):
    assert f.MemberFactory().current_level() is None


def test_the_highest_award_on_the_register_is_the_current_level(db):
    member = f.MemberFactory()
    f.award(member, "certification")
    f.award(member, "chartership")
    assert member.current_level().code == "chartership"


def test_an_award_removed_from_the_register_does_not_count(db):
    member = f.MemberFactory()
    f.award(member, "certification")
    f.award(member, "fellowship", removed_on=datetime.date(2024, 1, 1))
    assert member.current_level().code == "certification"


def test_an_award_removed_in_future_still_counts_today(db):
    member = f.MemberFactory()
    f.award(member, "chartership", removed_on=datetime.date(2099, 1, 1))
    assert member.current_level().code == "chartership"


def test_a_lapsed_membership_holds_no_level(db):
    member = f.MemberFactory(membership_status="lapsed")
    f.award(member, "fellowship")
    assert member.current_level() is None
