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


def sender_of(*, user=None, email: str = "", address: str = "") -> str:
    """Who sent a message, for telling a re-sent message from the same words sent
    by someone else: their account, else the email they gave, else their address."""
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if email:
        return f"email:{email.strip().lower()}"
    return f"address:{address}"


def _duplicate_key(message: str, sender: str) -> str:
    words = " ".join(message.lower().split())
    digest = hashlib.sha256(f"{sender}\n{words}".encode()).hexdigest()
    return f"feedback:seen:{digest}"


TOO_MANY = (
    "You have sent several messages in the last hour. Please wait a while "
    "before sending another."
)


ALREADY_RECEIVED = (
    "We have already received this message. There is no need to send it again."
)


def feedback_check_allowed(*, message: str, sender: str) -> None:
    """Refuse the same words from the same sender within a day (a double click, a
    resent form); the same question from someone else is a message of its own."""
    if cache.get(_duplicate_key(message, sender)):
        raise FeedbackRefused(ALREADY_RECEIVED)


@transaction.atomic
def feedback_submit(
    *,
    topic: str,
    message: str,
    name: str = "",
    email: str = "",
    user=None,
    address: str = "",
) -> Feedback:
    """Store a message. The caller has counted it against the sender's limit (the
    ``contact`` rate of ``ACCOUNT_RATE_LIMITS``, taken before this is called).
    ``address``: the sender's client address, which tells anonymous senders who
    gave no email apart."""
    sender = sender_of(user=user, email=email, address=address)
    key = _duplicate_key(message, sender)
    # Reading the key (which also clears it once expired) then adding it is one
    # claim: the cache is the database's table (settings.CACHES), written in this
    # transaction, so the same message sent twice at once waits on the first's key
    # and is refused once the first is stored; and a message that fails to be
    # stored leaves no key behind, so it can be sent again.
    feedback_check_allowed(message=message, sender=sender)
    if not cache.add(key, 1, DUPLICATE_WINDOW):
        raise FeedbackRefused(ALREADY_RECEIVED)
    user = user if user is not None and user.is_authenticated else None
    email = email.strip() or (user.email if user else "")  # so it can be answered
    feedback = Feedback.objects.create(
        topic=topic, message=message, name=name, email=email, user=user
    )
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
    """Answer a message: the reply is emailed to its sender and kept with it. The
    email carries the thread so far (earlier replies, newest first, then their
    message), so the sender reads each answer in context."""
    body = body.strip()
    if not feedback.reply_to:
        raise FeedbackRefused("This message gave no email address to reply to.")
    if not body:
        raise FeedbackRefused("Write your reply.")
    earlier = list(feedback.replies.order_by("-sent_at", "-pk"))
    reply = FeedbackReply.objects.create(
        feedback=feedback, body=body, sent_by=by, sent_to=feedback.reply_to
    )
    feedback.status = FeedbackStatus.ANSWERED
    feedback.save(update_fields=["status", "updated_at"])
    emails.send(
        "feedback_reply",
        to=feedback.reply_to,
        context={
            "name": feedback.name,
            "topic": feedback.get_topic_display(),
            "message": feedback.message,
            "received_at": feedback.received_at,
            "reply": body,
            "earlier": earlier,
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
