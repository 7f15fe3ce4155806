"""The one way the product sends email.

Each message has three templates under ``emails/<name>/``: ``subject.txt``,
``body.txt`` and ``body.html``. Delivery is queued as a task once the surrounding
transaction commits, so a rolled-back action never emails anyone.
"""

import base64
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from mentorscheme.notifications.tasks import deliver_email


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str

    def as_json(self) -> dict:
        return {
            "filename": self.filename,
            "mimetype": self.mimetype,
            "content_b64": base64.b64encode(self.content).decode("ascii"),
        }


def render(name: str, context: dict) -> tuple[str, str, str]:
    context = {"site_url": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}/subject.txt", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())
    text = render_to_string(f"emails/{name}/body.txt", context)
    html = render_to_string(f"emails/{name}/body.html", context)
    return subject, text, html


def send(
    name: str,
    *,
    to: str | list[str],
    context: dict,
    attachments: list[Attachment] = (),
) -> None:
    """Render message ``name`` for ``to`` and queue it for delivery after commit."""
    subject, text, html = render(name, context)
    queue(to=to, subject=subject, text=text, html=html, attachments=attachments)


def queue(
    *,
    to: str | list[str],
    subject: str,
    text: str,
    html: str = "",
    attachments: list[Attachment] = (),
) -> None:
    recipients = [to] if isinstance(to, str) else list(to)
    if not recipients:
        return
    files = [a.as_json() for a in attachments]
    transaction.on_commit(
        lambda: deliver_email.enqueue(
            to=recipients, subject=subject, text=text, html=html, attachments=files
        )
    )
