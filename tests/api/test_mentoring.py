import datetime

from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring.models import (
    Meeting,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
)
from mentorscheme.mentoring.services import line_manager_declare, relationship_end
from mentorscheme.scheme.models import RegulationsVersion
from tests import factories as f
from tests.api.conftest import assert_problem
from tests.personas import mentor

NO_MANAGER = {"line_manager": "none"}


def _ask(api, mentor_member, message="I would value your help with my portfolio."):
    return api.post(
        "/requests",
        {"mentor_id": mentor_member.mentor_profile.pk, "message": message},
    )


def test_a_candidate_enrols_through_the_api(api_as, bob):
    member = f.MemberFactory(email="cara@example.org")
    f.with_account(member)
    api = api_as(member)
    response = api.post(
        "/enrolments",
        {"qualification": "chartership", "meeting_modes": ["zoom"], **NO_MANAGER},
    )
    assert response.status_code == 201, response.content
    assert response.json()["meeting_modes"] == ["zoom"]
    assert api.get("/enrolments").json()["count"] == 1
    member.refresh_from_db()
    assert member.line_manager_declaration == "none"
    again = assert_problem(
        api.post("/enrolments", {"qualification": "chartership", **NO_MANAGER}),
        409,
        "refused",
    )
    assert "already enrolled" in again["detail"]
    assert_problem(
        api.post("/enrolments", {"qualification": "magic", **NO_MANAGER}),
        422,
        "invalid",
    )


def test_enrolling_through_the_api_asks_who_the_line_manager_is_as_the_site_does(
    api_as, bob
):
    member = f.MemberFactory()
    f.with_account(member)
    api = api_as(member)
    missing = assert_problem(
        api.post("/enrolments", {"qualification": "chartership"}), 422, "invalid"
    )
    assert missing["errors"][0]["loc"][-1] == "line_manager"
    unknown = assert_problem(
        api.post(
            "/enrolments",
            {
                "qualification": "chartership",
                "line_manager": "member",
                "line_manager_member": "Nobody Known",
            },
        ),
        422,
        "invalid",
    )
    assert unknown["errors"] == [
        {
            "loc": ["body", "payload", "line_manager_member"],
            "msg": "We could not find one member with that number or name. Check "
            "the membership number, or choose “Someone who is not a member”.",
        }
    ]
    unnamed = assert_problem(
        api.post(
            "/enrolments",
            {"qualification": "chartership", "line_manager": "not_member"},
        ),
        422,
        "invalid",
    )
    assert unnamed["errors"][0]["msg"] == "Give your line manager's name."
    assert not member.enrolments.exists()
    response = api.post(
        "/enrolments",
        {
            "qualification": "chartership",
            "line_manager": "member",
            "line_manager_member": bob.membership_number,
        },
    )
    assert response.status_code == 201, response.content
    member.refresh_from_db()
    assert member.declared_line_manager == bob
    schema = api.client.get("/api/openapi.json").json()
    fields = schema["components"]["schemas"]["EnrolmentIn"]
    description = fields["properties"]["line_manager"]["description"]
    assert "A line manager cannot mentor" in description
    assert "required when they have never declared one" in description


def test_a_candidate_who_declared_a_line_manager_before_may_leave_it_out(api_as, bob):
    member = f.MemberFactory()
    f.with_account(member)
    line_manager_declare(member=member, declaration="member", manager=bob, name="")
    response = api_as(member).post("/enrolments", {"qualification": "chartership"})
    assert response.status_code == 201, response.content
    member.refresh_from_db()
    assert member.declared_line_manager == bob


def test_a_lapsed_member_cannot_act(api_as, larry):
    assert_problem(
        api_as(larry).post(
            "/enrolments", {"qualification": "chartership", **NO_MANAGER}
        ),
        403,
        "forbidden",
    )


def test_asking_a_full_mentor_gives_the_rules_reason_and_creates_nothing(api_as, alice):
    full = mentor(first_name="Fay", profile={"capacity": 0})
    body = assert_problem(_ask(api_as(alice), full), 409, "rule-refused")
    assert body["codes"] == ["full"]
    assert body["reasons"] == ["This mentor has no free place at the moment."]
    assert body["detail"] == "This mentor has no free place at the moment."
    assert not MentoringRequest.objects.exists()
    assert mail.outbox == []


def test_asking_ones_line_manager_is_refused_by_rule(api_as, alice, bob):
    alice.line_manager = bob
    alice.save()
    body = assert_problem(_ask(api_as(alice), bob), 409, "rule-refused")
    assert body["codes"] == ["line_manager"]


def test_asking_a_mentor_not_in_the_directory_is_not_found(api_as, alice):
    unlisted = mentor(profile={"status": "applied"})
    assert_problem(_ask(api_as(alice), unlisted), 404, "not-found")


def test_the_whole_request_journey(
    api_as, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = _ask(api_as(alice), bob)
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert mail.outbox[-1].to == [bob.email]
    assert_problem(
        api_as(alice).post(f"/requests/{request_id}/accept"), 403, "forbidden"
    )

    mentor_api = api_as(bob)
    asked = mentor_api.post(
        f"/requests/{request_id}/ask-more", {"message": "Which sector are you in?"}
    )
    assert asked.json()["status"] == "more_info"
    replied = api_as(alice).post(
        f"/requests/{request_id}/reply", {"message": "Public libraries."}
    )
    assert replied.json()["status"] == "pending"
    refused = api_as(bob).post(f"/requests/{request_id}/accept")
    assert_problem(refused, 409, "refused")
    accepted = api_as(bob).post(f"/requests/{request_id}/accept?not_line_manager=true")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    relationship_id = accepted.json()["relationship_id"]
    assert MentoringRelationship.objects.get(pk=relationship_id).mentor.member == bob

    again = assert_problem(
        api_as(bob).post(f"/requests/{request_id}/accept?not_line_manager=true"),
        409,
        "refused",
    )
    assert "no longer open" in again["detail"]
    mine = api_as(alice).get("/relationships").json()
    assert [r["id"] for r in mine["items"]] == [relationship_id]


def test_a_mentor_declines_with_a_reason(api_as, alice, bob):
    request_id = _ask(api_as(alice), bob).json()["id"]
    declined = api_as(bob).post(
        f"/requests/{request_id}/decline", {"reason": "busy", "message": "Sorry."}
    )
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "busy"
    assert_problem(
        api_as(bob).post(f"/requests/{request_id}/decline", {"reason": "why"}),
        422,
        "invalid",
    )


def test_a_candidate_withdraws(api_as, alice, bob):
    request_id = _ask(api_as(alice), bob).json()["id"]
    assert_problem(
        api_as(bob).post(f"/requests/{request_id}/withdraw"), 403, "forbidden"
    )
    withdrawn = api_as(alice).post(f"/requests/{request_id}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"


def test_requests_are_visible_to_the_pair_and_the_regions_officer_only(
    api_as, alice, bob, olivia, oscar
):
    request_id = _ask(api_as(alice), bob).json()["id"]
    assert api_as(olivia).get(f"/requests/{request_id}").status_code == 200
    assert_problem(
        api_as(olivia).post(f"/requests/{request_id}/accept"), 403, "forbidden"
    )
    assert_problem(api_as(oscar).get(f"/requests/{request_id}"), 404, "not-found")
    assert_problem(
        api_as(oscar).post(f"/requests/{request_id}/accept"), 404, "not-found"
    )
    sent = api_as(alice).get("/requests", {"side": "candidate"}).json()
    received = api_as(bob).get("/requests", {"side": "mentor"}).json()
    assert [r["id"] for r in sent["items"]] == [request_id]
    assert [r["id"] for r in received["items"]] == [request_id]
    assert api_as(bob).get("/requests", {"side": "candidate"}).json()["count"] == 0


def _relationship(alice, bob):
    enrolment = alice.enrolments.get()
    return MentoringRelationship.objects.create(
        enrolment=enrolment, mentor=bob.mentor_profile
    )


def test_the_meeting_log_is_for_the_pair(api_as, alice, bob, olivia):
    relationship = _relationship(alice, bob)
    Meeting.objects.create(
        relationship=relationship,
        held_on=timezone.localdate(),
        mode="zoom",
        duration_minutes=45,
        notes="Talked about reflective writing.",
    )
    mine = api_as(alice).get(f"/relationships/{relationship.pk}").json()
    assert mine["meetings"][0]["notes"] == "Talked about reflective writing."
    officer_view = api_as(olivia).get(f"/relationships/{relationship.pk}").json()
    assert officer_view["meetings"] is None


def test_both_sides_complete_and_then_neither_can_end(api_as, alice, bob):
    relationship = _relationship(alice, bob)
    url = f"/relationships/{relationship.pk}/complete"
    refused = assert_problem(api_as(bob).post(url), 409, "refused")
    assert "No meeting is logged" in refused["detail"]
    reason = "?reason=We+worked+by+email+throughout."
    assert api_as(bob).post(url + reason).json()["status"] == RelationshipStatus.ACTIVE
    completed = api_as(alice).post(url)
    assert completed.json()["status"] == RelationshipStatus.COMPLETED
    ended = assert_problem(
        api_as(alice).post(
            f"/relationships/{relationship.pk}/end", {"reason": "Moving abroad."}
        ),
        409,
        "refused",
    )
    assert "already ended" in ended["detail"]


def test_a_relationship_ends_early_with_a_reason(api_as, alice, bob):
    relationship = _relationship(alice, bob)
    ended = api_as(alice).post(
        f"/relationships/{relationship.pk}/end", {"reason": "Moving abroad."}
    )
    assert ended.json()["status"] == "ended_early"
    assert ended.json()["ended_by"] == "candidate"
    assert relationship_end  # the same service as the site


def test_no_request_reaches_a_mentor_before_training_and_the_workshop(api_as, alice):
    trained_only = mentor(
        first_name="Tess", profile={"status": "trained", "workshop_attended_on": None}
    )
    assert_problem(_ask(api_as(alice), trained_only), 404, "not-found")
    # Even a profile marked listed by mistake is refused by the rule itself.
    listed_by_mistake = mentor(
        first_name="Lew", profile={"workshop_attended_on": None, "trained_on": None}
    )
    body = assert_problem(_ask(api_as(alice), listed_by_mistake), 409, "rule-refused")
    assert body["codes"] == ["not_trained", "no_workshop"]
    assert not MentoringRequest.objects.exists()


def test_a_candidate_moves_to_newer_regulations_and_reads_the_history(api_as, alice):
    newer = RegulationsVersion.objects.create(
        name="Regulations of 2026", effective_from=datetime.date(2026, 1, 5)
    )
    api = api_as(alice)
    enrolment = alice.enrolments.get()
    url = f"/enrolments/{enrolment.pk}/regulations"
    body = api.post(url, {"effective_from": "2026-01-05"}).json()
    assert body["regulations"] == "Regulations of 2026"
    [change] = body["history"]
    assert change["from_regulations"] == "Regulations of 2 December 2013"
    assert change["to_regulations"] == newer.name
    # Back to the older version: refused, and nothing more recorded.
    assert_problem(api.post(url, {"effective_from": "2013-12-02"}), 409, "refused")
    assert_problem(api.post(url, {"effective_from": "2001-01-01"}), 404, "not-found")
    listed = api.get("/enrolments").json()["items"][0]
    assert len(listed["history"]) == 1


def test_a_candidate_withdraws_through_the_api_and_only_their_own(api_as, alice, bob):
    enrolment = alice.enrolments.get()
    other = f.MemberFactory()
    f.with_account(other)
    assert_problem(
        api_as(other).post(f"/enrolments/{enrolment.pk}/withdraw", {}),
        404,
        "not-found",
    )
    api = api_as(alice)
    body = api.post(
        f"/enrolments/{enrolment.pk}/withdraw", {"reason": "A new job abroad."}
    ).json()
    assert body["status"] == "withdrawn"
    assert body["history"][0]["to_status"] == "withdrawn"
    assert body["history"][0]["note"] == "A new job abroad."
    again = api.post(f"/enrolments/{enrolment.pk}/withdraw", {})
    assert_problem(again, 409, "refused")
