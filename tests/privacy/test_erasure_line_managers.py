"""Erasure leaves no line-manager declaration naming the person: neither their own
(a manager they named), nor anyone else's naming them (by record or by name)."""

import datetime

import pytest
from django.utils import timezone

from mentorscheme.members.models import Member
from mentorscheme.mentoring import services as mentoring
from mentorscheme.privacy import erasure
from tests import factories as f
from tests.personas import login

REASON = "Erasure request by letter, reference DP-1."


@pytest.fixture
def zoe(db):
    member = f.MemberFactory(
        first_name="Zephyrine", last_name="Quillfeather", email="zq@example.org"
    )
    f.with_account(member)
    return member


def _declared(member, **values):
    values.setdefault("line_manager_declared_at", timezone.now())
    Member.objects.filter(pk=member.pk).update(**values)


def test_their_own_declaration_goes(zoe, sam):
    _declared(
        zoe,
        line_manager_declaration="not_member",
        declared_line_manager_name="Harold Pemberton-Smythe",
    )
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    zoe.refresh_from_db()
    assert zoe.line_manager_declaration == ""
    assert zoe.declared_line_manager_name == ""
    assert zoe.declared_line_manager is None
    assert zoe.line_manager_declared_at is None


def test_their_declaration_of_a_member_goes(zoe, sam, alice):
    mentoring.line_manager_declare(member=zoe, declaration="member", manager=alice)
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    zoe.refresh_from_db()
    assert (zoe.line_manager_declaration, zoe.declared_line_manager) == ("", None)
    assert alice.declared_reports.count() == 0


@pytest.mark.parametrize("name", ["Zephyrine Quillfeather", "ZEPHYRINE quillfeather"])
def test_a_colleague_who_named_them_is_asked_again(zoe, sam, name):
    colleague = f.MemberFactory()
    _declared(
        colleague,
        line_manager_declaration="not_member",
        declared_line_manager_name=name,
    )
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    colleague.refresh_from_db()
    assert colleague.declared_line_manager_name == ""
    assert colleague.line_manager_declaration == ""
    assert colleague.line_manager_declared_at is None


def test_a_colleague_who_declared_their_record_or_is_on_the_register_is_asked_again(
    zoe, sam
):
    declared = f.MemberFactory()
    mentoring.line_manager_declare(member=declared, declaration="member", manager=zoe)
    registered = f.MemberFactory(line_manager=zoe)
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    declared.refresh_from_db()
    registered.refresh_from_db()
    assert declared.declared_line_manager is None
    assert declared.line_manager_declaration == ""
    assert registered.line_manager is None


def test_other_declarations_stay(zoe, sam, alice):
    said = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    other = f.MemberFactory()
    _declared(
        other,
        line_manager_declaration="not_member",
        declared_line_manager_name="Zephyrine Quillfeather-Jones",
        line_manager_declared_at=said,
    )
    mentoring.line_manager_declare(member=alice, declaration="none")
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    other.refresh_from_db()
    alice.refresh_from_db()
    assert other.declared_line_manager_name == "Zephyrine Quillfeather-Jones"
    assert other.line_manager_declared_at == said
    assert alice.line_manager_declaration == "none"


def test_staff_are_told_before_confirming(client, zoe, sam_with_totp):
    login(client, sam_with_totp)
    page = client.get(f"/privacy/erase/{zoe.pk}/").text
    assert "Members who declared them as their line manager" in page
    asked = client.post(f"/privacy/erase/{zoe.pk}/", {"reason": REASON}).text
    assert "Members who declared them as their line manager are asked" in asked
