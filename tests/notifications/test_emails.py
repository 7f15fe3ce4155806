import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import override_settings

from mentorscheme.notifications import emails
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.notifications.tasks import deliver_email
from tests.personas import login


def test_an_email_is_queued_only_when_the_transaction_commits(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        emails.send("feedback_received", to="a@example.org", context={"topic": "Other"})
    assert mail.outbox == []
    callbacks[0]()
    assert mail.outbox[0].subject == "[Mentor Scheme] We have received your message"
    html = mail.outbox[0].alternatives[0]
    assert html[1] == "text/html" and "<p>" in html[0]


@override_settings(EMAIL_BACKEND="mentorscheme.notifications.backends.OutboxBackend")
def test_the_demo_outbox_keeps_messages_for_staff_to_read(client, sam_with_totp):
    deliver_email.call(
        to=["x@example.org"], subject="Hello", text="Body text", html="<p>B</p>"
    )
    message = OutboxMessage.objects.get()
    assert message.to == "x@example.org" and message.html == "<p>B</p>"
    login(client, sam_with_totp)
    assert "Hello" in client.get("/outbox/").text
    assert "Body text" in client.get(f"/outbox/{message.pk}/").text


def test_members_cannot_read_the_outbox(client, alice):
    assert login(client, alice).get("/outbox/").status_code == 403


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on a port of its own. Tests run in parallel, so another
    worker may take the port between choosing it and binding it: then try another."""
    recorder = Recorder()
    for attempt in range(5):
        port = free_port()
        controller = Controller(
            recorder, hostname="127.0.0.1", port=port, ready_timeout=15
        )
        try:
            controller.start()
            break
        except OSError:
            if attempt == 4:
                raise
    yield port, recorder
    controller.stop()


def test_email_is_delivered_over_a_real_smtp_conversation(db, smtp_server):
    port, recorder = smtp_server
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=port,
    ):
        deliver_email.call(
            to=["m@example.org"], subject="Hi", text="Plain", html="<p>Rich</p>"
        )
    [envelope] = recorder.envelopes
    assert envelope.rcpt_tos == ["m@example.org"]
    content = envelope.content.decode()
    assert "Subject: Hi" in content and "Plain" in content and "<p>Rich</p>" in content
