"""Mentor profiles and their lifecycle."""

from django.db import models
from django.utils import timezone

from mentorscheme.members.models import Member, Region
from mentorscheme.scheme.models import Qualification
from mentorscheme.scheme.records import MEETING_MODES

#: Ways of meeting (MeetingMode.ZOOM, ...): the rules' own list, as model choices.
MeetingMode = models.TextChoices(
    "MeetingMode",
    [(code.upper(), (code, label)) for code, label in MEETING_MODES.items()],
)


class MentorStatus(models.TextChoices):
    INTERESTED = "interested", "Registered interest"
    APPLIED = "applied", "Applied"
    MORE_INFO = "more_info", "More information requested"
    DECLINED = "declined", "Application declined"
    APPROVED = "approved", "Approved"
    TRAINED = "trained", "Trained, awaiting workshop"
    WORKSHOP_ATTENDED = "workshop_attended", "Workshop attended, awaiting training"
    LISTED = "listed", "Listed"
    LAPSED = "lapsed", "Lapsed"
    RETIRED = "retired", "Retired"


#: An application the member is still writing: new, or sent back for more.
DRAFTING_STATUSES = (MentorStatus.INTERESTED, MentorStatus.MORE_INFO)


class TrainingRoute(models.TextChoices):
    BOOK = "book", "I will book the scheme's mentor training"
    EXTERNAL = "external", "I have done mentor training elsewhere"


class EvidenceStatus(models.TextChoices):
    NONE = "none", "None given"
    PENDING = "pending", "Awaiting review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Not accepted"


#: Evidence of training done elsewhere that was sent: waiting for review, or accepted.
EVIDENCE_SENT = (EvidenceStatus.PENDING, EvidenceStatus.ACCEPTED)

#: The most candidates a mentor may take on at once.
MOST_PLACES = 10

#: Mentors who keep up with the regulations: the listed, and those approved and on
#: the way to listing, who will need them by the time they take candidates on.
KEEPING_UP_STATUSES = [
    MentorStatus.APPROVED,
    MentorStatus.TRAINED,
    MentorStatus.WORKSHOP_ATTENDED,
    MentorStatus.LISTED,
]


class MentorProfile(models.Model):
    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="mentor_profile"
    )
    status = models.CharField(
        max_length=20, choices=MentorStatus.choices, default=MentorStatus.INTERESTED
    )
    statement = models.TextField(blank=True)
    capacity = models.PositiveSmallIntegerField(default=2)  # 1 to MOST_PLACES
    accepting = models.BooleanField(default=True)
    meeting_modes = models.JSONField(default=list, blank=True)
    regions = models.ManyToManyField(Region, blank=True, related_name="+")
    qualifications = models.ManyToManyField(Qualification, blank=True, related_name="+")
    trained_on = models.DateField(null=True, blank=True)
    workshop_attended_on = models.DateField(null=True, blank=True)
    training_route = models.CharField(
        max_length=20, choices=TrainingRoute.choices, default=TrainingRoute.BOOK
    )
    external_training = models.TextField(
        blank=True,
        help_text="Where, when and what the mentor training elsewhere covered.",
    )
    external_trained_on = models.DateField(
        null=True, blank=True, help_text="The day the training elsewhere was done."
    )
    external_training_status = models.CharField(
        max_length=20,
        choices=EvidenceStatus.choices,
        default=EvidenceStatus.NONE,
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    listed_at = models.DateTimeField(null=True, blank=True)
    availability_asked_at = models.DateTimeField(
        null=True, blank=True, help_text="When last asked to confirm availability."
    )
    availability_confirmed_at = models.DateTimeField(null=True, blank=True)
    refresher_reminded_at = models.DateTimeField(null=True, blank=True)
    steps_reminded_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When last reminded, once approved, to book the training or "
        "workshop still to do.",
    )
    steps_reminders = models.PositiveSmallIntegerField(
        default=0, help_text="How many such reminders were sent."
    )
    last_active_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "accepting"])]

    def __str__(self):
        return f"Mentor: {self.member}"

    @property
    def is_listed(self) -> bool:
        return self.status == MentorStatus.LISTED

    def meeting_mode_labels(self) -> list[str]:
        labels = dict(MeetingMode.choices)
        return [labels[m] for m in self.meeting_modes if m in labels]


class MentorStatusChange(models.Model):
    """The recorded history of a mentor's lifecycle."""

    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="history"
    )
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"

    @property
    def to_label(self) -> str:
        return MentorStatus(self.to_status).label


class DirectoryChange(models.Model):
    """A note, written in the same transaction, that something the directory ranks
    mentors by has changed (a listing, a pause, a place taken, a name, an award).

    Append-only, so no two writers ever wait for each other on it. Each app server
    compares the newest notes with those its ranking index was built after (see
    ``mentorscheme.mentors.directory``); old notes are deleted by the periodic work.
    """

    #: The mentor it was about, when one (no foreign key: nothing to lock or cascade).
    mentor_id = models.BigIntegerField(null=True, blank=True)
    #: A random number, so that two notes with the same id (a database restored
    #: from a copy, say) never look the same.
    token = models.IntegerField()

    def __str__(self):
        return f"directory change {self.pk}"


class TrainingEvidence(models.Model):
    """One submission of evidence of mentor training done elsewhere, with its document.

    The document is kept in the database, not on a web server's disk: it is private
    (served only through an access check), works with any number of app servers, and
    is exported and erased with the rest of the member's data.
    """

    profile = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="evidence"
    )
    description = models.TextField()
    trained_on = models.DateField(help_text="The day the training was done.")
    document_name = models.CharField(max_length=200, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    document_size = models.PositiveIntegerField(default=0)
    document = models.BinaryField(blank=True, editable=False)
    status = models.CharField(
        max_length=20, choices=EvidenceStatus.choices, default=EvidenceStatus.PENDING
    )
    reason = models.TextField(blank=True, help_text="The officer's words, if refused.")
    decided_by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self):
        return f"Training evidence of {self.profile.member} ({self.status})"

    @property
    def has_document(self) -> bool:
        return self.document_size > 0
