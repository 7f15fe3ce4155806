"""Staff signed in to the site hold members:write, but, as on the site, none of them
changes their own register record or enrolment, or a line report's, through the API.
The membership database's token still records anything."""

import pytest

from mentorscheme.members.models import Member
from tests import factories as f
from tests.api.conftest import assert_problem

from .test_members import TARA


@pytest.fixture
def stella(db):
    """A member of the registration team who is a member of the body too."""
    member = f.MemberFactory(
        first_name="Stella", last_name="Staff", email="stella@example.org"
    )
    f.with_account(member, staff=True, totp=True)
    return member


@pytest.fixture
def rory(stella):
    """Stella's line report, on the register."""
    return f.MemberFactory(first_name="Rory", last_name="Report", line_manager=stella)


def _enrolment_url(member):
    return f"/members/{member.membership_number}/enrolments/chartership"


def test_staff_cannot_record_a_step_of_their_own_enrolment(api_as, stella):
    enrolment = f.enrol(stella, "chartership")
    api = api_as(stella)
    for status in ("submitted", "awarded"):
        body = assert_problem(
            api.put(_enrolment_url(stella), {"status": status}), 403, "forbidden"
        )
        assert body["detail"].startswith("This is your own case")
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"


@pytest.mark.parametrize("declared", [False, True])
def test_staff_cannot_record_a_line_reports_step(api_as, stella, declared):
    report = f.MemberFactory(first_name="Rory", last_name="Report")
    link = "declared_line_manager" if declared else "line_manager"
    Member.objects.filter(pk=report.pk).update(**{link: stella})
    enrolment = f.enrol(report, "chartership")
    body = assert_problem(
        api_as(stella).put(_enrolment_url(report), {"status": "submitted"}),
        403,
        "forbidden",
    )
    assert "You are Rory Report's line manager" in body["detail"]
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"


def test_another_staff_member_records_it_and_is_named_in_the_history(
    api_as, stella, sam_with_totp
):
    enrolment = f.enrol(stella, "chartership")
    response = api_as(sam_with_totp).put(
        _enrolment_url(stella), {"status": "submitted"}
    )
    assert response.status_code == 200, response.content
    change = enrolment.changes.get()
    assert (change.to_status, change.by, change.source) == (
        "submitted",
        sam_with_totp,
        "api",
    )


def test_staff_cannot_give_themselves_or_a_line_report_a_level(api_as, stella, rory):
    api = api_as(stella)
    for member in (stella, rory):
        assert_problem(
            api.put(
                f"/members/{member.membership_number}/awards/fellowship",
                {"awarded_on": "2020-01-01"},
            ),
            403,
            "forbidden",
        )
        assert not member.awards.exists()


def test_staff_cannot_change_their_own_or_a_line_reports_register_record(
    api_as, stella, rory
):
    api = api_as(stella)
    for member in (stella, rory):
        record = TARA | {"email": member.email, "line_manager": ""}
        assert_problem(
            api.put(f"/members/{member.membership_number}", record), 403, "forbidden"
        )
    rory.refresh_from_db()
    assert rory.line_manager == stella


def test_staff_cannot_make_a_register_record_theirs_by_its_email(api_as, sam_with_totp):
    record = TARA | {"email": "SAM@example.org"}
    assert_problem(api_as(sam_with_totp).put("/members/T100", record), 403, "forbidden")
    assert not Member.objects.filter(membership_number="T100").exists()


def test_other_staff_and_the_membership_database_still_write_them(
    api_as, token_api, stella, rory, sam_with_totp
):
    f.enrol(stella, "chartership")
    url = f"/members/{rory.membership_number}/awards/chartership"
    assert (
        api_as(sam_with_totp).put(url, {"awarded_on": "2020-01-01"}).status_code == 201
    )
    assert (
        token_api.put(_enrolment_url(stella), {"status": "submitted"}).status_code
        == 200
    )
    own = f"/members/{stella.membership_number}/awards/chartership"
    assert token_api.put(own, {"awarded_on": "2020-01-01"}).status_code == 201


def test_the_schema_says_who_may_not_use_the_register_routes(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/members/{membership_number}",
        "/api/members/{membership_number}/awards/{level}",
        "/api/members/{membership_number}/enrolments/{qualification}",
    ):
        put = paths[path]["put"]
        assert "not for their own record or enrolment" in put["description"]
