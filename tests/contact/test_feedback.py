import pytest
from django.core import mail

from mentorscheme.contact import services
from mentorscheme.contact.models import Feedback, FeedbackStatus
from tests.personas import login

GOOD = {
    "topic": "mentor",
    "message": "How do I become a mentor?",
    "name": "Vic",
    "email": "",
}


def vics_message_open_for(client, staff):
    """A visitor's question, and its page open for a signed-in member of staff."""
    feedback = Feedback.objects.create(
        topic="general", message="Is there a mentor in Wales?", email="vic@example.org"
    )
    login(client, staff)
    return feedback, f"/contact/triage/{feedback.pk}/"


def post(client, **changes):
    return client.post("/contact/", {**GOOD, **changes})


def test_a_visitor_sends_feedback_and_it_is_stored(client, db):
    response = post(client)
    assert response.status_code == 302 and response["Location"] == "/contact/thanks/"
    feedback = Feedback.objects.get()
    assert feedback.message == "How do I become a mentor?"
    assert feedback.status == FeedbackStatus.NEW


def test_an_acknowledgement_is_emailed_when_an_address_is_given(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, email="vic@example.org")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["vic@example.org"]
    assert "received your message" in mail.outbox[0].subject
    assert "Becoming or being a mentor" in mail.outbox[0].body


def test_no_email_is_sent_without_an_address(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"message": ""}, "Write your message."),
        ({"message": "   "}, "Write your message."),
        ({"topic": ""}, "Choose what your message is about."),
        ({"message": "x" * 5001}, "keep it to 5,000 characters or fewer"),
        ({"message": "<script>alert(1)</script>"}, "without HTML or script tags"),
        ({"message": "Click <a href='x'>here</a>"}, "without HTML or script tags"),
        ({"name": "<b>Vic</b>"}, "without HTML or script tags"),
        ({"email": "not-an-address"}, "Enter an email address like name@example.org."),
        ({"name": "n" * 101}, "Keep your name to 100 characters or fewer."),
    ],
)
def test_bad_input_gets_a_clear_message_and_nothing_is_stored(
    client, db, changes, says
):
    response = post(client, **changes)
    assert response.status_code == 400
    assert says in response.text
    assert "There is a problem" in response.text
    assert not Feedback.objects.exists()


def test_the_same_message_twice_is_refused_the_second_time(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client)
    response = post(client, message="  how do I become a MENTOR? ")
    assert response.status_code == 400
    assert "already received this message" in response.text
    assert Feedback.objects.count() == 1


def test_a_message_that_failed_to_be_stored_can_be_sent_again(client, db, monkeypatch):
    def broken(feedback):
        raise RuntimeError("the mail queue is down")

    monkeypatch.setattr(services, "_tell_the_team", broken)
    with pytest.raises(RuntimeError):
        post(client)
    monkeypatch.undo()
    assert post(client).status_code == 302
    assert Feedback.objects.count() == 1


def test_the_same_words_from_someone_else_are_a_message_of_their_own(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(client, email="ann@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, email="ben@example.org").status_code == 302
    # Two visitors who gave no email, from different addresses.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/contact/", GOOD, REMOTE_ADDR="192.0.2.1")
    response = client.post("/contact/", GOOD, REMOTE_ADDR="192.0.2.2")
    assert response.status_code == 302
    again = client.post("/contact/", GOOD, REMOTE_ADDR="192.0.2.1")
    assert "already received this message" in again.text
    assert Feedback.objects.count() == 4


def test_many_messages_from_one_address_are_rate_limited(client, db):
    for i in range(5):
        assert post(client, message=f"Question number {i}").status_code == 302
    response = post(client, message="One more question")
    assert response.status_code == 400
    assert "several messages in the last hour" in response.text
    assert Feedback.objects.count() == 5


def test_a_bot_filling_the_honeypot_is_thanked_and_ignored(client, db):
    response = post(client, website="http://spam.example")
    assert response.status_code == 302
    assert not Feedback.objects.exists()


def test_staff_triage_feedback_from_new_to_answered(client, db, sam_with_totp):
    post(client)
    feedback = Feedback.objects.get()
    login(client, sam_with_totp)
    assert "How do I become a mentor?" in client.get("/contact/triage/?status=new").text
    client.post(
        f"/contact/triage/{feedback.pk}/",
        {"status": "in_progress", "staff_note": "Asked Jo"},
    )
    feedback.refresh_from_db()
    assert feedback.status == "in_progress" and feedback.staff_note == "Asked Jo"
    client.post(
        f"/contact/triage/{feedback.pk}/", {"status": "answered", "staff_note": ""}
    )
    feedback.refresh_from_db()
    assert feedback.status == "answered"
    assert "How do I become" not in client.get("/contact/triage/?status=new").text


def test_members_cannot_triage_feedback(client, alice):
    assert login(client, alice).get("/contact/triage/").status_code == 403


def test_staff_are_emailed_when_a_message_arrives(
    client, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/contact/",
            {
                "topic": "general",
                "message": "Is there a mentor in Wales?",
                "name": "Vic",
                "email": "vic@example.org",
            },
        )
    to_team = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert len(to_team) == 1
    assert "New message from the contact form" in to_team[0].subject
    assert "Is there a mentor in Wales?" in to_team[0].body


def test_staff_answer_from_the_app_and_the_thread_is_kept(
    client, sam_with_totp, django_capture_on_commit_callbacks
):
    feedback, url = vics_message_open_for(client, sam_with_totp)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "reply", "body": "Yes: try the directory."}
        )
    assert response.status_code == 302
    [sent] = mail.outbox
    assert sent.to == ["vic@example.org"]
    assert "Yes: try the directory." in sent.body
    assert "Is there a mentor in Wales?" in sent.body  # their message, quoted
    feedback.refresh_from_db()
    assert feedback.status == "answered"
    page = client.get(url).text
    assert "Yes: try the directory." in page


def test_a_signed_in_members_message_can_be_answered(
    client, alice, sam_with_totp, django_capture_on_commit_callbacks
):
    login(client, alice)
    form = client.get("/contact/").text
    assert 'value="alice@example.org"' in form and 'value="Alice Archer"' in form
    with django_capture_on_commit_callbacks(execute=True):
        post(client, name="", email="")
    feedback = Feedback.objects.get()
    assert feedback.email == "alice@example.org"

    login(client, sam_with_totp)
    url = f"/contact/triage/{feedback.pk}/"
    page = client.get(url).text
    assert "Signed in as alice@example.org" in page
    assert f'href="/members/register/{alice.pk}/"' in page
    assert "no reply possible" not in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reply", "body": "Read the guide."})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]


def test_a_message_kept_without_an_address_is_answered_at_the_senders_account(
    client, alice, sam_with_totp, django_capture_on_commit_callbacks
):
    feedback = Feedback.objects.create(
        topic="general", message="Who is my officer?", user=alice.user
    )
    login(client, sam_with_totp)
    url = f"/contact/triage/{feedback.pk}/"
    assert "alice@example.org</a> (their account's address)" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "reply", "body": "Olivia."})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert feedback.replies.get().sent_to == "alice@example.org"


def test_a_further_reply_carries_the_thread_so_far(
    client, sam_with_totp, django_capture_on_commit_callbacks
):
    feedback, url = vics_message_open_for(client, sam_with_totp)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "reply", "body": "Yes: try the directory."})
        client.post(url, {"action": "reply", "body": "And ask Wales's officer."})
    first, second = mail.outbox
    assert "And ask Wales's officer." in second.body
    body = second.body
    thread = ["And ask", "Yes: try the directory.", "Is there a mentor in Wales?"]
    assert [body.index(text) for text in thread] == sorted(
        body.index(text) for text in thread
    ), "newest first, their message last"
    assert "Yes: try the directory." not in first.body.split("Yes: try", 1)[1]
