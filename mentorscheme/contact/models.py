from django.db import models
from django.utils import timezone


class Topic(models.TextChoices):
    GENERAL = "general", "A general question"
    CANDIDATE = "candidate", "Being a candidate or finding a mentor"
    MENTOR = "mentor", "Becoming or being a mentor"
    WEBSITE = "website", "Feedback on this website"
    ACCESSIBILITY = "accessibility", "Accessibility"
    OTHER = "other", "Something else"


class FeedbackStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In progress"
    ANSWERED = "answered", "Answered"


class Feedback(models.Model):
    topic = models.CharField(max_length=20, choices=Topic.choices)
    message = models.TextField()
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    user = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(
        max_length=20, choices=FeedbackStatus.choices, default=FeedbackStatus.NEW
    )
    staff_note = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "feedback"

    def __str__(self):
        return f"{self.get_topic_display()} ({self.received_at:%d %b %Y})"

    @property
    def reply_to(self) -> str:
        """Where a reply goes: the address given, else the signed-in sender's."""
        return self.email or (self.user.email if self.user else "")


class FeedbackReply(models.Model):
    """The registration team's answer to a message, emailed to its sender; the thread
    stays with the message."""

    feedback = models.ForeignKey(
        Feedback, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField()
    sent_by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    sent_to = models.EmailField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]

    def __str__(self):
        return f"Reply to {self.feedback} ({self.sent_at:%d %b %Y})"
