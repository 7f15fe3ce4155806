import base64

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def deliver_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    attachments: list[dict] | None = None,
) -> None:
    """Hand one rendered message to the configured email backend.

    Attachments travel as JSON: ``{"filename", "mimetype", "content_b64"}``.
    """
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    for attachment in attachments or []:
        message.attach(
            attachment["filename"],
            base64.b64decode(attachment["content_b64"]),
            attachment["mimetype"],
        )
    message.send()
