"""The register import and the API's sync check a member or an award the same way:
whatever one refuses, the other refuses for the same reasons."""

import pytest

from mentorscheme.members import importing, register
from mentorscheme.members.models import Member, Organisation, Region
from tests import factories as f
from tests.members.test_import import award_row, awards_file, member_row, members_file

NUMBER = "M00001"


def record(**changes) -> dict:
    row = member_row(1, **changes)
    del row["membership_number"]
    return row


def imported(**changes) -> list[str]:
    """What the import says of the row, as sentences ([] when it took it)."""
    result = importing.register_import(
        data=members_file(member_row(1, **changes)), kind="members"
    )
    return [
        register.sentence(r)
        for rejection in result.rejections
        for r in rejection.reasons
    ]


def synced(token_api, **changes) -> list[str]:
    """What the API says of the same record ([] when it took it)."""
    response = token_api.put(f"/members/{NUMBER}", record(**changes))
    if response.status_code in (200, 201):
        return []
    return response.json()["reasons"]


@pytest.fixture
def camden(db):
    """An organisation already on the register, of type "public"."""
    return f.OrganisationFactory(name="Camden Libraries")


BAD = [
    {"region": "atlantis"},
    {"email": "not-an-email"},
    {"organisation_type": ""},
    {"organisation_type": "guild"},
    {"first_name": "Ada\tMary"},
    {"line_manager": NUMBER},
    {"organisation": "camden  LIBRARIES", "organisation_type": "academic"},
    {"email": "alice@example.org"},
]


@pytest.mark.parametrize(
    "changes", BAD, ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items())
)
def test_what_the_import_refuses_the_api_refuses_for_the_same_reasons(
    token_api, camden, alice, changes
):
    from_the_api = synced(token_api, **changes)
    assert from_the_api, "the API took a record the import refuses"
    assert imported(**changes) == from_the_api
    assert not Member.objects.filter(membership_number=NUMBER).exists()
    assert Organisation.objects.filter(name__iexact="camden libraries").count() == 1


def test_a_line_manager_not_on_the_register_is_refused_by_both(token_api):
    where = 'Line manager "T999" is not on the register: '
    assert synced(token_api, line_manager="T999") == [where + "send them first."]
    assert imported(line_manager="T999") == [
        where + "they must be in this file or already on the register."
    ]


def test_a_merged_region_is_refused_by_both_naming_its_successor(token_api, camden):
    Region.objects.filter(code="wales").update(
        is_active=False, merged_into=Region.objects.get(code="london")
    )
    reasons = ['Region "wales" has been merged into "london": use that code.']
    assert synced(token_api, region="wales") == reasons
    assert imported(region="wales") == reasons


def test_both_join_a_member_to_the_organisation_on_the_register(token_api, camden):
    assert synced(token_api, organisation="camden libraries") == []
    assert Member.objects.get(membership_number=NUMBER).organisation == camden
    Member.objects.all().delete()
    assert imported(organisation=" CAMDEN   libraries") == []
    assert Member.objects.get(membership_number=NUMBER).organisation == camden


def test_both_create_a_new_organisation_in_the_members_region(token_api):
    synced(token_api, organisation="Leeds Central", region="yorkshire-humber")
    importing.register_import(
        data=members_file(
            member_row(2, organisation="Bristol Central", region="south-west")
        )
    )
    regions = dict(
        Organisation.objects.filter(name__endswith="Central").values_list(
            "name", "region__code"
        )
    )
    assert regions == {
        "Leeds Central": "yorkshire-humber",
        "Bristol Central": "south-west",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"level": "wizard"},
        {"removed_on": "2018-01-01"},
        {"last_revalidated_on": "2018-01-01"},
        {"awarded_on": "2999-01-01"},
    ],
    ids=lambda c: ",".join(c),
)
def test_an_award_either_refuses_is_refused_by_both_for_the_same_reasons(
    token_api, changes
):
    f.MemberFactory(membership_number=NUMBER)
    row = award_row(NUMBER, **changes)
    result = importing.register_import(data=awards_file(row), kind="awards")
    from_the_import = [
        register.sentence(r)
        for rejection in result.rejections
        for r in rejection.reasons
    ]
    body = {
        k: row[k] or None for k in ("awarded_on", "last_revalidated_on", "removed_on")
    }
    response = token_api.put(f"/members/{NUMBER}/awards/{row['level']}", body)
    assert response.status_code == 422
    assert from_the_import == response.json()["reasons"]
