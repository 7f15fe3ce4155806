from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def deliver_email(*, to: list[str], subject: str, text: str, html: str = "") -> None:
    """Hand one rendered message to the configured email backend."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
