import hashlib

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from mentorscheme.contact.models import Feedback, FeedbackReply, FeedbackStatus
from mentorscheme.members.models import User
from mentorscheme.notifications import emails

DUPLICATE_WINDOW = 24 * 60 * 60


class FeedbackRefused(Exception):
    """The message was not stored; the text says why, for the sender."""


def _duplicate_key(message: str) -> str:
    digest = hashlib.sha256(" ".join(message.lower().split()).encode()).hexdigest()
    return f"feedback:seen:{digest}"


TOO_MANY = (
    "You have sent several messages in the last hour. Please wait a while "
    "before sending another."
)


def feedback_check_allowed(*, message: str) -> None:
    if cache.get(_duplicate_key(message)):
        raise FeedbackRefused(
            "We have already received this message. There is no need to send it again."
        )


@transaction.atomic
def feedback_submit(
    *, topic: str, message: str, name: str = "", email: str = "", user=None
) -> Feedback:
    """Store a message. The caller has counted it against the sender's limit (the
    ``contact`` rate of ``ACCOUNT_RATE_LIMITS``, taken before this is called)."""
    feedback_check_allowed(message=message)
    feedback = Feedback.objects.create(
        topic=topic,
        message=message,
        name=name,
        email=email,
        user=user if user is not None and user.is_authenticated else None,
    )
    cache.set(_duplicate_key(message), 1, DUPLICATE_WINDOW)
    _tell_the_team(feedback)
    if email:
        emails.send(
            "feedback_received",
            to=email,
            context={"name": name, "topic": feedback.get_topic_display()},
        )
    return feedback


@transaction.atomic
def feedback_triage(*, feedback: Feedback, status: str, staff_note: str) -> Feedback:
    if status not in FeedbackStatus.values:
        raise ValueError(f"Unknown status {status!r}")
    feedback.status = status
    feedback.staff_note = staff_note
    feedback.save(update_fields=["status", "staff_note", "updated_at"])
    return feedback


@transaction.atomic
def feedback_reply(*, feedback: Feedback, body: str, by) -> FeedbackReply:
    """Answer a message: the reply is emailed to its sender and kept with it."""
    body = body.strip()
    if not feedback.email:
        raise FeedbackRefused("This message gave no email address to reply to.")
    if not body:
        raise FeedbackRefused("Write your reply.")
    reply = FeedbackReply.objects.create(
        feedback=feedback, body=body, sent_by=by, sent_to=feedback.email
    )
    feedback.status = FeedbackStatus.ANSWERED
    feedback.save(update_fields=["status", "updated_at"])
    emails.send(
        "feedback_reply",
        to=feedback.email,
        context={
            "name": feedback.name,
            "topic": feedback.get_topic_display(),
            "message": feedback.message,
            "received_at": feedback.received_at,
            "reply": body,
        },
    )
    return reply


def _tell_the_team(feedback: Feedback) -> None:
    """Staff hear of each new message as it arrives."""
    team = list(
        User.objects.filter(is_staff=True, is_active=True).values_list(
            "email", flat=True
        )
    )
    if team:
        emails.send(
            "feedback_arrived",
            to=team,
            context={
                "feedback": feedback,
                "topic": feedback.get_topic_display(),
                "path": reverse("contact:triage_detail", args=[feedback.pk]),
            },
        )
