import datetime
import json

from django.utils import timezone

from mentorscheme.audit.models import AuditEntry
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import HelpFlag, MentoringRelationship
from mentorscheme.mentors.models import TrainingEvidence
from mentorscheme.privacy.export import EXPORTERS
from tests import factories as f
from tests.personas import login


def _export(client, person) -> dict:
    login(client, person)
    response = client.get("/privacy/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def test_a_member_downloads_everything_held_about_them(client, mia, alice, dora):
    body = _export(client, mia)
    data = body["data"]
    assert body["format"] == "mentorscheme-personal-data/1"
    assert body["member_id"] == mia.pk
    assert set(data) == set(EXPORTERS)
    assert data["members.member"][0]["email"] == "mia@example.org"
    assert data["members.member"][0]["region"]["name"] == "London"
    assert len(data["members.registrationaward"]) == 1
    assert data["mentors.mentorprofile"][0]["statement"] == "Mia loves metadata."
    assert data["mentors.mentorstatuschange"][0]["note"] == "Mia's training checked."
    # both sides: mentoring Alice, and asking Dora
    assert len(data["mentoring.mentoringrelationship"]) == 1
    assert data["mentoring.meeting"][0]["notes"] == "Mia noted Alice's progress."
    assert data["mentoring.agreement"][0]["goals"].startswith("Help Alice")
    assert data["mentoring.mentoringrequest"][0]["message"] == "Mia asks Dora."
    assert data["mentoring.helpflag"][0]["message"] == "Mia needs help"
    assert len(data["scheme.enrolment"]) == 1
    assert len(data["training.booking"]) == 2
    assert len(data["training.briefingacknowledgement"]) == 1
    assert len(data["contact.feedback"]) == 2
    assert [m["subject"] for m in data["notifications.outboxmessage"]] == ["Hi Mia"]
    assert len(data["django_tasks_database.dbtaskresult"]) == 1
    assert len(data["account.emailaddress"]) == 1
    assert data["mfa.authenticator"][0]["type"] == "totp"
    assert len(data["privacy.calendarfeed"]) == 1


def test_the_export_gives_no_secrets_and_no_other_persons_details(client, mia):
    body = _export(client, mia)
    text = json.dumps(body)
    assert "password" not in body["data"]["members.user"][0]
    assert "data" not in body["data"]["mfa.authenticator"][0]
    assert "token" not in body["data"]["privacy.calendarfeed"][0]
    assert mia.calendar_feed.token not in text
    assert "alice@example.org" not in text and "dora@example.org" not in text
    relationship = body["data"]["mentoring.mentoringrelationship"][0]
    assert isinstance(relationship["mentor"], int)  # another record: its id only


def test_a_member_sees_only_their_own(client, alice, mia):
    data = _export(client, alice)["data"]
    assert data["members.member"][0]["email"] == "alice@example.org"
    assert data["mentors.mentorprofile"] == []
    assert data["notifications.outboxmessage"] == []
    assert len(data["mentoring.mentoringrelationship"]) == 1  # Mia mentors her
    assert data["contact.feedback"] == []


def test_an_account_without_a_member_record_exports_the_account(client, sam_with_totp):
    data = _export(client, sam_with_totp)["data"]
    assert data["members.user"][0]["email"] == "sam@example.org"
    assert data["members.member"] == []


def test_the_download_is_recorded_and_needs_sign_in(client, mia):
    assert client.get("/privacy/export/").status_code == 302
    _export(client, mia)
    assert AuditEntry.objects.filter(action="data_exported").count() == 1


def test_an_officers_export_holds_their_decision_not_the_applicants_document(
    client, olivia
):
    """Evidence an officer decided is in their export as their decision; the
    applicant's description and uploaded certificate are the applicant's alone."""
    bob = f.MemberFactory(first_name="Bob", email="bob.applies@example.org")
    f.award(bob, "chartership")
    f.with_account(bob)
    profile = f.mentor_profile(bob, status="applied")
    TrainingEvidence.objects.create(
        profile=profile,
        description="Bob's course at the county library",
        trained_on=datetime.date(2026, 9, 1),
        document_name="bob-certificate.pdf",
        document_type="application/pdf",
        document_size=9,
        document=b"%PDF-BOB!",
        status="accepted",
        decided_by=olivia.user,
        decided_at=timezone.now(),
    )
    decided = _export(client, olivia)["data"]["mentors.trainingevidence"]
    assert [row["status"] for row in decided] == ["accepted"]
    assert decided[0]["profile"] == profile.pk  # another person's record: its id
    text = json.dumps(decided)
    assert "county library" not in text and "bob-certificate" not in text
    assert "document" not in decided[0]
    client.logout()
    own = _export(client, bob)["data"]["mentors.trainingevidence"]
    assert own[0]["description"] == "Bob's course at the county library"
    assert own[0]["document_name"] == "bob-certificate.pdf"
    assert "base64" in own[0]["document"]


def test_an_officers_export_holds_the_help_flags_they_resolved_not_the_pleas(
    client, olivia, alice
):
    flag = mentoring.help_request(
        enrolment=alice.enrolments.get(), message="Alice's plea for help"
    )
    mentoring.help_flag_resolve(flag=flag, by=olivia.user)
    resolved = _export(client, olivia)["data"]["mentoring.helpflag"]
    assert [row["resolved_by"] for row in resolved] == [olivia.user.pk]
    assert "Alice's plea" not in json.dumps(resolved)


def test_a_mentors_export_holds_the_flags_on_the_mentoring_they_give(
    client, alice, dora
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=dora.mentor_profile
    )
    HelpFlag.objects.create(
        enrolment=relationship.enrolment,
        relationship=relationship,
        why="line_manager",
        message="The mentor is recorded as the candidate's line manager.",
    )
    flags = _export(client, dora)["data"]["mentoring.helpflag"]
    assert [row["why"] for row in flags] == ["line_manager"]
    assert flags[0]["message"].startswith("The mentor is recorded")


def test_a_mentors_export_holds_a_flag_whose_words_name_them_without_the_plea(
    client, alice, dora
):
    mentoring.help_request(
        enrolment=alice.enrolments.get(),
        message="Dora Davies ignored me; I would rather not be matched with her.",
    )
    flags = _export(client, dora)["data"]["mentoring.helpflag"]
    assert [row["why"] for row in flags] == ["asked"]
    assert "ignored me" not in json.dumps(flags)
    assert "ignored me" in json.dumps(_export(client, alice)["data"])
