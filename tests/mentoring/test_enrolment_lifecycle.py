"""An enrolment ends: withdrawn, submitted, an outcome, an award; regulations move."""

import datetime
import html

import pytest
from django.core import mail
from django.utils import timezone

from mentorscheme.api import services as api_services
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from mentorscheme.scheme.models import RegulationsVersion
from tests import factories as f
from tests.api.conftest import ALL_SCOPES, Api
from tests.mentoring.test_requests import ask
from tests.personas import login
from tests.training.test_regulation_changes import publish


def matched(client, alice, dora):
    ask(client, alice, dora)
    login(client, dora)
    client.post(
        f"/mentoring/requests/{MentoringRequest.objects.get().pk}/accept/",
        {"not_line_manager": "yes"},
    )
    return MentoringRelationship.objects.get()


def membership_database(client) -> Api:
    """The API as the membership database calls it, with its own token."""
    client.logout()
    _, token = api_services.token_create(
        name="Membership database", scopes=ALL_SCOPES, created_by=None
    )
    return Api(client, token)


def test_a_candidate_withdraws_after_a_confirmation_and_the_mentoring_ends(
    client, alice, dora, bob, django_capture_on_commit_callbacks
):
    relationship = matched(client, alice, dora)
    enrolment = alice.enrolments.get()
    login(client, alice)
    page = client.get(f"/mentoring/enrolments/{enrolment.pk}/withdraw/")
    assert "Your mentoring with Dora Davies ends" in page.text
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"  # a GET changes nothing
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/mentoring/enrolments/{enrolment.pk}/withdraw/", {"reason": ""})
    enrolment.refresh_from_db()
    relationship.refresh_from_db()
    assert enrolment.status == "withdrawn"
    assert relationship.status == "ended_early"
    assert "withdrew" in relationship.end_reason
    assert sorted(m.to[0] for m in mail.outbox) == [
        "alice@example.org",
        "dora@example.org",
    ]
    assert enrolment.changes.get().to_status == "withdrawn"


def test_staff_record_submission_then_the_award_which_thanks_the_mentor(
    client, alice, dora, sam_with_totp, django_capture_on_commit_callbacks
):
    relationship = matched(client, alice, dora)
    enrolment = alice.enrolments.get()
    login(client, sam_with_totp)
    url = f"/mentoring/enrolments/{enrolment.pk}/status/"
    asked = client.post(url, {"status": "awarded"}).text
    assert "Record the outcome for Alice Archer: awarded?" in asked
    assert "Alice Archer is emailed that they are awarded Chartership." in asked
    assert "Dora Davies is emailed thanks" in asked
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled"
    response = client.post(url, {"status": "awarded", "confirmed": "yes"})
    # Straight from enrolled, an award is allowed (a direct award on the register).
    enrolment.refresh_from_db()
    assert enrolment.status == "awarded"
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    assert response.status_code == 302


def test_an_outcome_must_follow_a_submission(
    client, alice, sam_with_totp, django_capture_on_commit_callbacks
):
    enrolment = alice.enrolments.get()
    login(client, sam_with_totp)
    url = f"/mentoring/enrolments/{enrolment.pk}/status/"
    response = client.post(url, {"status": "unsuccessful"})
    assert response.status_code == 400
    client.post(url, {"status": "submitted"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url, {"status": "further_info", "note": "Map evidence to criterion 3."}
        )
    enrolment.refresh_from_db()
    assert enrolment.status == "further_info"
    assert "Map evidence to criterion 3." in mail.outbox[-1].body
    assert [c.to_status for c in enrolment.changes.all()] == [
        "submitted",
        "further_info",
    ]


def test_an_award_by_the_api_closes_the_enrolment_and_thanks_the_mentor(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = matched(client, alice, dora)
    api = membership_database(client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(
            f"/members/{alice.membership_number}/awards/chartership",
            {"awarded_on": timezone.localdate().isoformat()},
        )
    assert response.status_code == 201, response.content
    enrolment = alice.enrolments.get()
    assert enrolment.status == "awarded"
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    thanks = next(m for m in mail.outbox if m.to == ["dora@example.org"])
    assert thanks.subject.endswith("Thank you for mentoring Alice Archer")
    told = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert (
        "Your mentoring with Dora Davies is now complete, and they have been thanked."
        in told.body
    )


@pytest.mark.parametrize("sent_back", [False, True])
def test_an_award_after_the_mentoring_was_completed_thanks_that_mentor(
    client, alice, dora, sam_with_totp, django_capture_on_commit_callbacks, sent_back
):
    """The usual way: both confirm completion, the portfolio is submitted, then
    the award; the mentor who saw the candidate through hears of it too."""
    relationship = matched(client, alice, dora)
    now = timezone.now()
    relationship.candidate_completion_at = relationship.mentor_completion_at = now
    relationship.completion_confirmed_at = now
    relationship.status = "completed"
    relationship.ended_on = timezone.localdate() - datetime.timedelta(days=40)
    relationship.save()
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted")
    if sent_back:  # answered alone, then sent in again: still Dora's candidate
        services.enrolment_set_status(enrolment=enrolment, status="further_info")
        services.enrolment_set_status(enrolment=enrolment, status="submitted")
    login(client, sam_with_totp)
    url = f"/mentoring/enrolments/{enrolment.pk}/status/"
    asked = client.post(url, {"status": "awarded"}).text
    assert "Dora Davies is emailed thanks" in asked
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"status": "awarded", "confirmed": "yes"})
    thanks = next(m for m in mail.outbox if m.to == ["dora@example.org"])
    assert thanks.subject.endswith("Thank you for mentoring Alice Archer")
    assert "Alice Archer has been awarded Chartership" in thanks.body
    completed_on = f"{relationship.ended_on:%-d %B %Y}"
    assert f"was completed on {completed_on}" in thanks.body
    assert "free again" not in thanks.body
    told = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert "Dora Davies, your mentor, has been told and thanked." in told.body


def test_an_award_without_mentoring_to_close_claims_none_was_closed(
    alice, dora, django_capture_on_commit_callbacks
):
    """Nobody mentoring now: never mentored, or mentoring completed before."""
    enrolment = alice.enrolments.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_set_status(enrolment=enrolment, status="awarded")
    told = mail.outbox[-1]
    assert "Congratulations: you have been awarded Chartership." in told.body
    assert "mentor" not in told.body.split("Your mentoring page")[0]
    una = f.enrol(f.MemberFactory(email="una@example.org"), "chartership")
    MentoringRelationship.objects.create(
        enrolment=una,
        mentor=dora.mentor_profile,
        status="completed",
        ended_on=timezone.localdate(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_set_status(enrolment=una, status="submitted")
        services.enrolment_set_status(enrolment=una, status="unsuccessful")
    told = mail.outbox[-1]
    assert told.to == ["una@example.org"]
    assert "did not award Chartership this time. You can enrol again" in told.body


def test_the_api_records_submission_and_outcome(client, alice):
    api = membership_database(client)
    url = f"/members/{alice.membership_number}/enrolments/chartership"
    assert api.put(url, {"status": "submitted"}).json()["status"] == "submitted"
    refused = api.put(url, {"status": "submitted", "note": ""})
    assert refused.status_code == 200  # the same step again changes nothing
    assert api.put(url, {"status": "unsuccessful"}).json()["status"] == "unsuccessful"
    again = api.put(url, {"status": "awarded"})
    assert again.status_code == 409


def test_register_changes_are_idempotent(alice):
    f.award(alice, "chartership", awarded_on=timezone.localdate())
    assert services.register_changed()["awarded"] == 1
    assert services.register_changed()["awarded"] == 0


def test_moving_to_newer_regulations_is_kept_in_the_history_and_the_mentor_told(
    client, alice, dora, sam_with_totp, django_capture_on_commit_callbacks
):
    matched(client, alice, dora)
    enrolment = alice.enrolments.get()
    old = enrolment.regulations
    new = publish(days_from_today=0, name="Regulations of 2026")
    login(client, alice)
    home = client.get("/mentoring/").text
    # A candidate who already has a mentor is offered the choice too.
    assert "Move to Regulations of 2026" in home
    mail.outbox.clear()
    move = {"enrolment": enrolment.pk, "regulations": new.pk}
    asked = client.post("/mentoring/regulations/", move).text
    assert "Your mentor, Dora Davies, is emailed that you moved" in asked
    assert not enrolment.changes.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mentoring/regulations/", move | {"confirmed": "yes"})
    change = enrolment.changes.get()
    assert (change.from_regulations, change.to_regulations) == (old, new)
    assert change.by == alice.user
    assert change.to_status == change.from_status == "enrolled"
    moved = f"moved from the {old} to the {new} (by the candidate)"
    assert moved in client.get("/mentoring/").text
    assert [m.to for m in mail.outbox] == [["dora@example.org"]]
    assert "has moved from the" in mail.outbox[0].body
    login(client, sam_with_totp)
    staff_page = client.get(f"/mentoring/enrolments/{enrolment.pk}/status/").text
    assert moved in staff_page


def test_moving_back_to_older_regulations_is_refused_and_not_recorded(alice):
    enrolment = alice.enrolments.get()
    old = enrolment.regulations
    services.enrolment_move_regulations(
        enrolment=enrolment, regulations=publish(days_from_today=0)
    )
    try:
        services.enrolment_move_regulations(enrolment=enrolment, regulations=old)
    except services.MentoringError as refusal:
        assert "newer version" in str(refusal)
    else:
        raise AssertionError("moving back was allowed")
    assert enrolment.changes.count() == 1


def test_regulations_not_yet_in_force_are_neither_offered_nor_taken(client, alice):
    enrolment = alice.enrolments.get()
    before = enrolment.regulations
    later = publish(days_from_today=400, name="Regulations of 2031")
    login(client, alice)
    assert "Move to Regulations of 2031" not in client.get("/mentoring/").text
    move = {"enrolment": enrolment.pk, "regulations": later.pk}
    page = client.post("/mentoring/regulations/", move, follow=True).text
    assert "The Regulations of 2031 are not in force yet" in page
    response = Api(client).post(
        f"/enrolments/{enrolment.pk}/regulations",
        {"effective_from": later.effective_from.isoformat()},
    )
    assert 400 <= response.status_code < 500
    assert "not in force yet" in response.json()["detail"]
    enrolment.refresh_from_db()
    assert enrolment.regulations == before
    assert not enrolment.changes.exists()


def test_only_the_regulations_in_force_today_are_offered_after_two_publications(
    client, alice
):
    enrolment = alice.enrolments.get()
    skipped = RegulationsVersion.objects.create(
        name="Regulations of 2025",
        effective_from=timezone.localdate() - datetime.timedelta(days=2),
    )
    assert skipped.effective_from > enrolment.regulations.effective_from
    publish(days_from_today=0, name="Regulations of 2026")
    login(client, alice)
    home = client.get("/mentoring/").text
    assert "Move to Regulations of 2026" in home
    assert "Move to Regulations of 2025" not in home
    move = {"enrolment": enrolment.pk, "regulations": skipped.pk, "confirmed": "yes"}
    page = client.post("/mentoring/regulations/", move, follow=True).text
    assert "only move to the regulations in force today" in page
    assert not enrolment.changes.exists()


def test_nobody_records_an_outcome_for_themselves_or_someone_they_line_manage(
    client, alice, sam_with_totp
):
    registrar = f.MemberFactory(first_name="Rita", last_name="Registrar")
    f.with_account(registrar, staff=True, totp=True)
    own = f.enrol(registrar, "fellowship")
    alice.line_manager = registrar
    alice.save()
    login(client, registrar)
    for enrolment, reason in [
        (own, "This is your own case, so you cannot decide it."),
        (alice.enrolments.get(), "You are Alice Archer's line manager"),
    ]:
        url = f"/mentoring/enrolments/{enrolment.pk}/status/"
        page = html.unescape(client.get(url).text)
        assert reason in page
        assert "Record and tell the candidate" not in page
        # Posted anyway, with the confirmation: refused, nothing recorded.
        response = client.post(url, {"status": "awarded", "confirmed": "yes"})
        assert reason in html.unescape(response.text)
        enrolment.refresh_from_db()
        assert enrolment.status == "enrolled"
        assert not enrolment.changes.exists()
    with pytest.raises(services.MentoringError, match="Another member of the"):
        services.enrolment_set_status(
            enrolment=own, status="submitted", by=registrar.user
        )
    # Someone else on the team records it.
    login(client, sam_with_totp)
    client.post(
        f"/mentoring/enrolments/{own.pk}/status/",
        {"status": "awarded", "confirmed": "yes"},
    )
    own.refresh_from_db()
    assert own.status == "awarded"


def test_the_mentor_hears_of_the_submission_and_of_further_information_asked(
    client, alice, dora, sam_with_totp, django_capture_on_commit_callbacks
):
    matched(client, alice, dora)
    url = f"/mentoring/enrolments/{alice.enrolments.get().pk}/status/"
    login(client, sam_with_totp)
    told = {}
    for status in ("submitted", "further_info"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"status": status, "note": "Criterion 3 is thin."})
        told[status] = {m.to[0]: m for m in mail.outbox}
    to_dora = told["submitted"]["dora@example.org"]
    assert "Alice Archer has sent in their Chartership portfolio" in to_dora.subject
    asked = told["further_info"]["dora@example.org"]
    assert "you can help Alice prepare it" in asked.body
    # The registration team's note is for the candidate.
    assert "Criterion 3" not in asked.body
    assert "Dora Davies, your mentor, has been told" in (
        told["further_info"]["alice@example.org"].body
    )


def test_a_closed_enrolment_still_leads_to_its_mentoring(
    client, alice, dora, sam_with_totp
):
    relationship = matched(client, alice, dora)
    services.enrolment_set_status(
        enrolment=alice.enrolments.get(), status="awarded", by=sam_with_totp
    )
    login(client, alice)
    # "Your mentoring" has nothing open to show: it sends her to her enrolments,
    # where the mentoring it had (its meetings, agreement, any letter) is linked.
    assert client.get("/mentoring/")["Location"] == "/mentoring/enrol/"
    page = client.get("/mentoring/enrol/").text
    link = f'<a href="/mentoring/relationships/{relationship.pk}/">Dora Davies</a>'
    assert link in page
    assert "(completed)" in page


def test_the_enrolments_list_says_enrolled_once(client, alice):
    enrolment = alice.enrolments.get()
    page = login(client, alice).get("/mentoring/enrol/").text
    when = f"{enrolment.enrolled_on:%-d %b %Y}"
    assert f"Chartership — enrolled {when}" in page
    assert "Enrolled, enrolled" not in page


def test_the_mentor_whose_mentoring_was_complete_hears_of_further_information_asked(
    client, alice, dora, sam_with_totp, django_capture_on_commit_callbacks
):
    """Both confirmed completion, the portfolio went in, and the assessors send it
    back: the mentor who knows the portfolio hears of it, and the candidate reads
    that they were told."""
    relationship = matched(client, alice, dora)
    for member in (alice, dora):
        login(client, member).post(
            f"/mentoring/relationships/{relationship.pk}/complete/",
            {"reason": "The portfolio is ready."},
        )
    relationship.refresh_from_db()
    assert relationship.status == "completed"
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(
        enrolment=enrolment, status="submitted", by=sam_with_totp
    )
    api = membership_database(client)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.put(
            f"/members/{alice.membership_number}/enrolments/chartership",
            {"status": "further_info", "note": "Criterion 3 is thin."},
        )
    assert response.status_code == 200, response.content
    told = {m.to[0]: m for m in mail.outbox}
    to_dora = told["dora@example.org"]
    assert "Alice Archer is asked for further information" in to_dora.subject
    assert "whom you mentored" in to_dora.body
    assert f"was completed on {relationship.ended_on:%-d %B %Y}" in to_dora.body
    assert "Alice can ask you again" in to_dora.body
    assert f"/mentoring/relationships/{relationship.pk}/" in to_dora.body
    assert "Criterion 3" not in to_dora.body
    to_alice = told["alice@example.org"].body
    assert "Dora Davies, who mentored you, has been told" in to_alice
    relationship.refresh_from_db()
    assert relationship.status == "completed"
