import pytest

from mentorscheme.members.models import Member, Organisation, Region, RegistrationAward
from tests import factories as f
from tests.api.conftest import Api, assert_problem
from tests.personas import login

TARA = {
    "first_name": "Tara",
    "last_name": "Tan",
    "email": "tara@example.org",
    "region": "london",
    "membership_status": "current",
    "job_title": "Archivist",
    "organisation": "City Archives",
    "organisation_type": "public",
}


def test_it_creates_then_updates_a_member_by_number(token_api):
    created = token_api.put("/members/T100", TARA)
    assert created.status_code == 201
    assert created.json()["created"] is True
    updated = token_api.put("/members/T100", TARA | {"job_title": "Head of Archives"})
    assert updated.status_code == 200
    body = updated.json()
    assert body["job_title"] == "Head of Archives"
    assert body["organisation"] == "City Archives"
    assert body["organisation_type"] == "public"
    assert Member.objects.filter(membership_number="T100").count() == 1


def test_it_reads_a_member_back(token_api):
    token_api.put("/members/T100", TARA)
    body = token_api.get("/members/T100").json()
    assert body["email"] == "tara@example.org"
    assert body["current_level"] is None
    assert_problem(token_api.get("/members/T404"), 404, "not-found")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"region": "atlantis"}, 'Unknown region code "atlantis".'),
        (
            {"email": "not-an-email"},
            'Email "not-an-email" is not a valid email address.',
        ),
        (
            {"organisation_type": ""},
            "Organisation type is missing (it is needed with an organisation).",
        ),
        ({"organisation_type": "guild"}, 'Unknown organisation type code "guild".'),
        ({"line_manager": "T999"}, 'Line manager "T999" is not on the register'),
        ({"line_manager": "T100"}, "A member may not be their own line manager."),
    ],
)
def test_it_refuses_what_the_register_would_refuse(token_api, change, reason):
    body = assert_problem(token_api.put("/members/T100", TARA | change), 422, "invalid")
    assert any(r.startswith(reason) for r in body["reasons"]), body
    assert not Member.objects.filter(membership_number="T100").exists()


def test_it_names_the_successor_of_a_merged_region(token_api):
    Region.objects.filter(code="wales").update(
        is_active=False, merged_into=Region.objects.get(code="london")
    )
    body = assert_problem(
        token_api.put("/members/T100", TARA | {"region": "wales"}), 422, "invalid"
    )
    assert body["reasons"] == [
        'Region "wales" has been merged into "london": use that code.'
    ]


def test_it_checks_the_shape_of_the_data(token_api):
    body = assert_problem(
        token_api.put("/members/T100", TARA | {"membership_status": "gone"}),
        422,
        "invalid",
    )
    assert body["errors"][0]["loc"][-1] == "membership_status"
    bad_text = TARA | {"first_name": "Ta\x00ra"}
    assert_problem(token_api.put("/members/T100", bad_text), 422, "invalid")


def test_an_organisation_on_the_register_is_not_given_a_second_type(token_api):
    token_api.put("/members/T100", TARA)
    body = assert_problem(
        token_api.put(
            "/members/T101",
            TARA
            | {"email": "tom@example.org", "organisation": "city  ARCHIVES"}
            | {"organisation_type": "academic"},
        ),
        422,
        "invalid",
    )
    assert body["reasons"] == [
        'Organisation "city  ARCHIVES" is on the register as Public libraries, '
        "not Academic (higher and further education)."
    ]
    assert Organisation.objects.filter(name__iexact="city archives").count() == 1
    assert not Member.objects.filter(membership_number="T101").exists()


def test_a_member_joins_an_organisation_whatever_its_spacing_and_case(token_api):
    token_api.put("/members/T100", TARA)
    token_api.put(
        "/members/T101",
        TARA | {"email": "tom@example.org", "organisation": "  city   archives "},
    )
    [organisation] = Organisation.objects.all()
    assert Member.objects.filter(organisation=organisation).count() == 2
    assert organisation.region.code == "london"


def test_two_members_cannot_share_an_email(token_api, alice):
    body = assert_problem(
        token_api.put("/members/T100", TARA | {"email": "ALICE@example.org"}),
        409,
        "refused",
    )
    assert alice.membership_number in body["detail"]


def test_it_upserts_awards_and_they_count_at_once(token_api):
    token_api.put("/members/T100", TARA)
    award = {"awarded_on": "2020-05-01"}
    created = token_api.put("/members/T100/awards/chartership", award)
    assert created.status_code == 201
    assert created.json()["on_register"] is True
    assert token_api.get("/members/T100").json()["current_level"] == "chartership"
    removed = token_api.put(
        "/members/T100/awards/chartership", award | {"removed_on": "2021-01-01"}
    )
    assert removed.status_code == 200
    assert removed.json()["on_register"] is False
    assert RegistrationAward.objects.count() == 1


def test_it_refuses_awards_that_cannot_be(token_api):
    token_api.put("/members/T100", TARA)
    assert_problem(
        token_api.put("/members/T404/awards/chartership", {"awarded_on": "2020-01-01"}),
        404,
        "not-found",
    )
    body = assert_problem(
        token_api.put("/members/T100/awards/wizard", {"awarded_on": "2020-01-01"}),
        422,
        "invalid",
    )
    assert body["reasons"][0].startswith('Unknown level code "wizard"')
    body = assert_problem(
        token_api.put(
            "/members/T100/awards/chartership",
            {"awarded_on": "2020-01-01", "removed_on": "2019-01-01"},
        ),
        422,
        "invalid",
    )
    assert body["reasons"] == [
        "Removed on 2019-01-01, before it was awarded on 2020-01-01."
    ]
    assert_problem(
        token_api.put("/members/T100/awards/chartership", {"awarded_on": "2999-01-01"}),
        422,
        "invalid",
    )


def test_only_staff_sessions_and_sync_tokens_write_the_register(
    client, alice, olivia, sam_with_totp
):
    for person in (alice, olivia):
        login(client, person)
        assert_problem(Api(client).put("/members/T100", TARA), 403, "forbidden")
    login(client, sam_with_totp)
    assert Api(client).put("/members/T100", TARA).status_code == 201


def test_a_membership_number_must_look_like_one(token_api):
    assert token_api.put("/members/%20bad", TARA).status_code == 422
    f.MemberFactory(membership_number="M-1.2")
    assert token_api.get("/members/M-1.2").status_code == 200
