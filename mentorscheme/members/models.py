"""The member register: people, organisations, regions, registration awards, roles."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        email = self.normalize_email(email).lower()
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A sign-in account. The person behind it is a Member (linked by email)."""

    username = None
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email


class Region(models.Model):
    """A regional member network. Regions merge and are renamed, so they are data."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class OrganisationType(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    organisation_type = models.ForeignKey(OrganisationType, on_delete=models.PROTECT)
    region = models.ForeignKey(Region, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Level(models.Model):
    """A level of Professional Registration; rank orders them (higher is senior)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    post_nominal = models.CharField(max_length=20, blank=True)
    rank = models.PositiveSmallIntegerField(unique=True)

    class Meta:
        ordering = ["rank"]

    def __str__(self):
        return self.name


class MembershipStatus(models.TextChoices):
    CURRENT = "current", "Current"
    LAPSED = "lapsed", "Lapsed"


#: An erased member's record keeps a membership number that starts with this.
ERASED_NUMBER_PREFIX = "ERASED-"


class LineManagerDeclaration(models.TextChoices):
    MEMBER = "member", "A member of the body"
    NOT_MEMBER = "not_member", "Someone who is not a member"
    NONE = "none", "I have no line manager, or I am self-employed"


class Member(models.Model):
    membership_number = models.CharField(max_length=20, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL
    )
    job_title = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(
        "email for mentoring",
        blank=True,
        help_text="The address your mentor or candidate sees once you are matched; "
        "leave empty to use your account email.",
    )
    contact_phone = models.CharField(
        "phone for mentoring",
        max_length=40,
        blank=True,
        help_text="Optional. Shown only to the person you are matched with.",
    )
    line_manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
    )
    line_manager_declaration = models.CharField(
        max_length=20,
        choices=LineManagerDeclaration.choices,
        blank=True,
        help_text="What the member said about their line manager; empty until they say.",
    )
    declared_line_manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="declared_reports",
    )
    declared_line_manager_name = models.CharField(
        max_length=200, blank=True, help_text="A line manager who is not a member."
    )
    line_manager_declared_at = models.DateTimeField(null=True, blank=True)
    membership_status = models.CharField(
        max_length=10,
        choices=MembershipStatus.choices,
        default=MembershipStatus.CURRENT,
    )
    membership_lapsed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the scheme first found the membership not current (cleared "
        "once it is current again): what is kept for a lapsed member, such as their "
        "training places, is kept for the grace period from then.",
    )
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="member"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(line_manager=models.F("id")),
                name="member_not_own_line_manager",
            )
        ]
        # The few lapsed members (the dashboard's lapsing mentors) without a scan.
        indexes = [
            models.Index(fields=["membership_status"]),
            # The few whose lapse is recorded, found again once they renew.
            models.Index(
                fields=["membership_lapsed_at"],
                condition=Q(membership_lapsed_at__isnull=False),
                name="members_lapse_recorded",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_erased(self) -> bool:
        """Whether this is what remains of a member whose personal data was erased
        (``privacy.erasure``): emails then speak of them without a name."""
        return self.membership_number.startswith(ERASED_NUMBER_PREFIX)

    @property
    def mentoring_email(self) -> str:
        """The address a matched mentor or candidate writes to."""
        return self.contact_email or self.email

    @property
    def is_current(self) -> bool:
        return self.membership_status == MembershipStatus.CURRENT

    @property
    def lapse_grace_ends_on(self) -> datetime.date | None:
        """The day what is kept for the lapse ends, unless the renewal is recorded
        first; None while the membership is current (or its lapse not yet seen)."""
        if self.is_current or self.membership_lapsed_at is None:
            return None
        return timezone.localdate(self.membership_lapsed_at) + datetime.timedelta(
            days=settings.LAPSE_GRACE_DAYS
        )

    def current_level(self, awards=None) -> "Level | None":
        """The highest level held now: an award still on the register, membership current.

        ``awards`` may be passed in when they were prefetched.
        """
        if not self.is_current:
            return None
        if awards is None:
            awards = self.awards.select_related("level")
        held = [a.level for a in awards if a.is_on_register]
        return max(held, key=lambda level: level.rank, default=None)


class RegistrationAward(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="awards")
    level = models.ForeignKey(Level, on_delete=models.PROTECT)
    awarded_on = models.DateField()
    last_revalidated_on = models.DateField(null=True, blank=True)
    removed_on = models.DateField(
        null=True, blank=True, help_text="Removed from the register (lapsed award)."
    )

    class Meta:
        ordering = ["-awarded_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "level"], name="one_award_per_level"
            )
        ]
        # Awards leaving the register soon (the dashboard's lapsing mentors).
        indexes = [models.Index(fields=["removed_on"])]

    def __str__(self):
        return f"{self.level} ({self.awarded_on:%Y})"

    @property
    def is_on_register(self) -> bool:
        return self.removed_on is None or self.removed_on > timezone.localdate()


class OfficerRole(models.TextChoices):
    MENTOR_SUPPORT = "mso", "Mentor Support Officer"
    CANDIDATE_SUPPORT = "cso", "Candidate Support Officer"
    SUPPORT = "support", "Support Officer"


class OfficerAppointment(models.Model):
    """A support officer's term of office in one region."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="appointments"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    role = models.CharField(
        max_length=10, choices=OfficerRole.choices, default=OfficerRole.MENTOR_SUPPORT
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    cases_handed_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the cases waiting in the region were sent on to whoever "
        "acts for it once this term had ended (they are sent once).",
    )
    help_handed_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the candidates still waiting for help in the region were "
        "sent on to whoever acts for its candidates' side once this term had ended "
        "(they are sent once).",
    )
    runs_handed_on = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the allocation runs this officer started for the region and "
        "left awaiting review were sent on to whoever acts for its candidates' side "
        "once this term had ended (they are sent once).",
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="appointment_ends_after_start",
            )
        ]

    def __str__(self):
        return f"{self.get_role_display()}, {self.region} ({self.member})"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Importing"
    FINISHED = "finished", "Finished"
    REFUSED = "refused", "The file could not be imported"
    FAILED = "failed", "Failed"


class RegisterImport(models.Model):
    """A CSV file staff uploaded, imported by a background task (members.tasks).

    The file is kept only until the import has run; what the import found (counts and
    every rejected row) is kept for the page that shows it.
    """

    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file_name = models.CharField(max_length=255)
    data = models.BinaryField(blank=True, default=b"")
    kind = models.CharField(max_length=10, blank=True)  # "" for "from the header"
    apply_good_rows = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    stage = models.CharField(max_length=40, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    outcome = models.JSONField(null=True, blank=True)  # importing.ImportResult
    refusal = models.TextField(blank=True)  # why the file could not be imported
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)
