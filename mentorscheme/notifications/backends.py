from django.core.mail.backends.base import BaseEmailBackend

from mentorscheme.notifications.models import OutboxMessage


def _text(content) -> str:
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else content


class OutboxBackend(BaseEmailBackend):
    """Delivers email into the database so the person running the demo can read it."""

    def send_messages(self, email_messages):
        for message in email_messages:
            html = next(
                (
                    c
                    for c, mime in getattr(message, "alternatives", [])
                    if mime == "text/html"
                ),
                "",
            )
            OutboxMessage.objects.create(
                to=", ".join(message.to),
                subject=message.subject,
                body=message.body,
                html=html,
                attachments=[
                    {"filename": name, "mimetype": mime, "content": _text(content)}
                    for name, content, mime in message.attachments
                ],
            )
        return len(email_messages)
