"""Evidence of training done elsewhere: a checked, private document, the day the
training was done, and a second try after a refusal with the officer's reason."""

import datetime
import io
import json
import re
import zipfile

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from mentorscheme.mentors import services
from mentorscheme.mentors.models import (
    EvidenceStatus,
    MentorProfile,
    MentorStatus,
    TrainingEvidence,
)
from mentorscheme.privacy import erasure
from tests.personas import approved_to_mentor, login

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"


def upload(name="certificate.pdf", content=PDF, kind="application/pdf"):
    return SimpleUploadedFile(name, content, kind)


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture
def carol(carol):
    """Approved in London; means to show training done elsewhere."""
    return approved_to_mentor(carol)


def send(client, **changes):
    data = {
        "external_training": "Coaching skills, two days, Open University",
        "external_training_date": "2024-03-14",
        "external_training_document": upload(),
    }
    data.update(changes)
    return client.post("/mentors/evidence/", data)


def test_evidence_carries_a_document_and_the_day_training_was_done(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    login(client, carol)
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client).status_code == 302
    item = TrainingEvidence.objects.get()
    assert item.trained_on == datetime.date(2024, 3, 14)
    assert bytes(item.document) == PDF and item.document_type == "application/pdf"
    assert mail.outbox[-1].to == ["olivia@example.org"]
    login(client, olivia)
    page = client.get(f"/mentors/review/{carol.mentor_profile.pk}/").text
    assert "certificate.pdf" in page and "14 Mar 2024" in page
    client.post(
        f"/mentors/review/{carol.mentor_profile.pk}/evidence/", {"accept": "yes"}
    )
    carol.mentor_profile.refresh_from_db()
    assert carol.mentor_profile.trained_on == datetime.date(2024, 3, 14)


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("virus.exe", b"MZ\x90\x00", "We cannot accept this file"),
        ("fake.pdf", b"<html>not a pdf</html>", "We cannot accept this file"),
        ("photo.pdf", b"\x89PNG\r\n\x1a\n....", "We cannot accept this file"),
        ("big.pdf", PDF + b"0" * (5 * 1024 * 1024), "the most we accept is 5 MB"),
    ],
)
def test_documents_are_checked_by_type_and_size(client, carol, name, content, error):
    login(client, carol)
    response = send(client, external_training_document=upload(name, content))
    assert response.status_code == 400 and error in response.text
    assert not TrainingEvidence.objects.exists()


def test_word_documents_and_photos_are_accepted(client, carol):
    login(client, carol)
    assert send(client, external_training_document=upload("cert.docx", docx()))[
        "Location"
    ]
    assert TrainingEvidence.objects.get().document_name == "cert.docx"


def test_the_training_date_is_typed_day_first_as_its_hint_says(client, carol):
    page = login(client, carol).get("/mentors/evidence/").text
    field = re.search(r'<input[^>]*name="external_training_date"[^>]*>', page).group(0)
    assert 'type="text"' in field  # not the browser's own (US-ordered) date picker
    assert "The day the course ended. For example, 27/03/2027." in page
    assert send(client, external_training_date="14/03/2024").status_code == 302
    assert TrainingEvidence.objects.get().trained_on == datetime.date(2024, 3, 14)


def test_training_cannot_be_dated_in_the_future(client, carol):
    login(client, carol)
    response = send(client, external_training_date="2099-01-01")
    assert "The training must already have taken place." in response.text


def test_only_the_member_and_officers_see_the_document(
    client, carol, olivia, oscar, alice, sam_with_totp
):
    login(client, carol)
    send(client)
    url = f"/mentors/evidence/{TrainingEvidence.objects.get().pk}/document/"
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    for outsider in (oscar, alice):
        assert login(client, outsider).get(url).status_code == 404
    assert login(client, olivia).get(url).status_code == 200
    assert login(client, sam_with_totp).get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_refused_evidence_shows_the_reason_and_can_be_sent_again(
    client, carol, olivia, django_capture_on_commit_callbacks
):
    login(client, carol)
    send(client)
    profile = carol.mentor_profile
    services.mentor_external_training_review(
        profile=profile,
        accept=False,
        reason="The certificate does not say how long the course was.",
        by=olivia.user,
    )
    page = client.get("/mentors/evidence/").text
    assert "The certificate does not say how long the course was." in page
    assert "Send further evidence" in page
    assert "see why and send more evidence" in client.get("/mentors/").text
    send(client, external_training="Two days, 12 hours in all")
    profile.refresh_from_db()
    assert profile.external_training_status == EvidenceStatus.PENDING
    assert TrainingEvidence.objects.count() == 2
    assert "Your evidence is waiting for review" in send(client).text
    assert TrainingEvidence.objects.count() == 2


def test_the_document_is_in_the_export_and_gone_after_erasure(client, carol, sam):
    login(client, carol)
    send(client)
    export = json.loads(client.get("/privacy/export/").content)
    [item] = export["data"]["mentors.trainingevidence"]
    assert item["document_name"] == "certificate.pdf"
    assert item["document"]["base64"]
    erasure.member_erase(member=carol, by=sam, reason="Asked to be forgotten")
    assert not TrainingEvidence.objects.exists()


def test_choosing_to_book_training_leaves_evidence_waiting_to_be_decided(
    client, carol, olivia
):
    """An applicant asked for more information, with evidence waiting, saves their
    draft choosing to book training instead: the evidence is still decided, and
    once accepted it counts."""
    login(client, carol)
    send(client)
    profile = MentorProfile.objects.get(member=carol)
    profile.status = MentorStatus.MORE_INFO
    profile.save(update_fields=["status"])
    services.mentor_application_save(
        profile=profile,
        submit=False,
        qualifications=list(profile.qualifications.all()),
        regions=list(profile.regions.all()),
        training_route="book",
    )
    profile.refresh_from_db()
    assert profile.external_training_status == EvidenceStatus.PENDING
    assert (
        "Your evidence is waiting for review" in client.get("/mentors/evidence/").text
    )
    login(client, olivia)
    assert "Carol Cole" in client.get("/mentors/review/").text
    services.mentor_external_training_review(
        profile=profile, accept=True, by=olivia.user
    )
    profile.refresh_from_db()
    assert profile.trained_on == datetime.date(2024, 3, 14)
    assert TrainingEvidence.objects.get().status == EvidenceStatus.ACCEPTED


def test_evidence_of_someone_declined_or_stepped_down_leaves_the_officers_queue(
    client, carol, olivia
):
    """The application was declined with the evidence still waiting: the officer's
    list of work no longer shows it, nor does their dashboard count it, and it can
    no longer be accepted (which would email a declined applicant that their
    training counts)."""
    login(client, carol)
    send(client)
    profile = MentorProfile.objects.get(member=carol)
    profile.status = MentorStatus.APPLIED
    profile.save()
    login(client, olivia)
    client.post(
        f"/mentors/review/{profile.pk}/",
        {"decision": "declined", "reason": "Not yet.", "confirmed": "yes"},
    )
    assert "Carol Cole" not in client.get("/mentors/review/").text
    assert "Nothing is waiting for review." in client.get("/oversight/").text
    review = client.get(f"/mentors/review/{profile.pk}/").text
    assert "Record decision on training" not in review
    mail.outbox.clear()
    client.post(f"/mentors/review/{profile.pk}/evidence/", {"accept": "on"})
    profile.refresh_from_db()
    assert profile.external_training_status == EvidenceStatus.PENDING
    assert mail.outbox == []


def test_an_acceptance_given_in_error_is_withdrawn_and_the_gates_run_again(
    client, carol, olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    """Training elsewhere accepted by mistake listed Carol: another officer (or the
    registration team) withdraws it with a reason; she is delisted, told why, and
    may send evidence again or book the training."""
    profile = carol.mentor_profile
    profile.workshop_attended_on = datetime.date(2024, 4, 1)
    profile.save()
    login(client, carol)
    send(client)
    services.mentor_external_training_review(
        profile=profile, accept=True, by=olivia.user
    )
    profile.refresh_from_db()
    assert profile.status == MentorStatus.LISTED
    login(client, sam_with_totp)
    url = f"/mentors/review/{profile.pk}/"
    assert "Withdraw the acceptance" in client.get(url).text
    withdraw = {"reason": "The course was on coaching sales staff, not mentoring."}
    page = client.post(f"{url}evidence/withdraw/", withdraw).text
    assert "Withdraw the acceptance of Carol Cole&#x27;s training?" in page
    profile.refresh_from_db()
    assert profile.status == MentorStatus.LISTED
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}evidence/withdraw/", withdraw | {"confirmed": "yes"})
    profile.refresh_from_db()
    assert profile.status == MentorStatus.WORKSHOP_ATTENDED
    assert profile.trained_on is None
    assert profile.external_training_status == EvidenceStatus.REJECTED
    [told] = mail.outbox
    assert told.to == ["carol@example.org"]
    assert "not coaching" in told.body or "not mentoring" in told.body
    login(client, carol)
    assert "Send further evidence" in client.get("/mentors/evidence/").text
