"""Everything the system holds about a person, as one JSON document.

``EXPORTERS`` maps each model with personal data to the rows about the person.
Every concrete field is exported except secrets (password hashes, one-time keys,
authenticator secrets, token hashes). A link to another person's record gives only
its id; a link to reference data (a region, a level, an event) gives its name too.
"""

import base64
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorscheme.api.models import IntegrationToken
from mentorscheme.audit.models import AuditEntry
from mentorscheme.contact.models import Feedback, FeedbackReply
from mentorscheme.guidance.models import GuidancePage, GuidancePageVersion
from mentorscheme.members.models import (
    Member,
    OfficerAppointment,
    RegistrationAward,
    User,
)
from mentorscheme.mentoring.models import (
    Agreement,
    HelpFlag,
    Meeting,
    MeetingRevision,
    MentoringRelationship,
    MentoringRequest,
    NotesAccess,
)
from mentorscheme.mentors.models import (
    MentorProfile,
    MentorStatusChange,
    TrainingEvidence,
)
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.oversight.models import AllocationRun
from mentorscheme.privacy import registry
from mentorscheme.privacy.models import CalendarFeed
from mentorscheme.privacy.subject import (
    Subject,
    feedback_from,
    mentions,
    names_them,
)
from mentorscheme.scheme.models import Enrolment, EnrolmentChange
from mentorscheme.training.models import Booking, BriefingAcknowledgement, TrainingEvent

FORMAT = "mentorscheme-personal-data/1"


@dataclass(frozen=True)
class Exporter:
    rows: Callable[[Subject], QuerySet]
    secret: frozenset[str] = field(default_factory=frozenset)
    #: The rows that are the person's own (the rest they reached as the one who
    #: acted on another person's record: an officer deciding evidence, say).
    own: Callable[[Subject], Q] | None = None
    #: Fields of another person's row that are theirs, not the actor's: left out.
    theirs: frozenset[str] = field(default_factory=frozenset)


def _member(model, path="member", **extra) -> Exporter:
    def rows(subject: Subject) -> QuerySet:
        if subject.member is None:
            return model.objects.none()
        return model.objects.filter(**{path: subject.member})

    return Exporter(rows, **extra)


def _user(model, path="user", **extra) -> Exporter:
    def rows(subject: Subject) -> QuerySet:
        if subject.user is None:
            return model.objects.none()
        return model.objects.filter(**{path: subject.user})

    return Exporter(rows, **extra)


def _either(model, *, member_paths=(), user_paths=(), theirs=()) -> Exporter:
    """Rows that point at the person's member record or account by any of paths.
    ``theirs``: the fields left out of a row reached only by a user path, where the
    person acted on someone else's record."""

    def own(subject: Subject) -> Q:
        condition = Q(pk__in=[])
        if subject.member is not None:
            for path in member_paths:
                condition |= Q(**{path: subject.member})
        return condition

    def rows(subject: Subject) -> QuerySet:
        condition = own(subject)
        if subject.user is not None:
            for path in user_paths:
                condition |= Q(**{path: subject.user})
        return model.objects.filter(condition)

    return Exporter(rows, own=own if theirs else None, theirs=frozenset(theirs))


def _mentioning(model, *fields) -> Exporter:
    return Exporter(lambda subject: mentions(model, subject, *fields))


_PAIR = ("enrolment__member", "mentor__member")
_RELATIONSHIP = ("relationship__enrolment__member", "relationship__mentor__member")


def _flags_about(subject: Subject) -> Q:
    """Help flags about the person: their own, one on the mentoring they give, and
    one whose words name them (what erasure blanks)."""
    if subject.member is None:
        return Q(pk__in=[])
    return (
        Q(enrolment__member=subject.member)
        | Q(relationship__mentor__member=subject.member)
        | Q(pk__in=names_them(HelpFlag, subject, "message").values("pk"))
    )


def _flags_in_full(subject: Subject) -> Q:
    """The flags whose words they get: those of their own enrolments, and the
    scheme's flag that they are recorded as their candidate's line manager. A
    candidate's plea that only names them, or is about the mentoring they give, is
    the candidate's to read: it comes without its words."""
    if subject.member is None:
        return Q(pk__in=[])
    return Q(enrolment__member=subject.member) | Q(
        relationship__mentor__member=subject.member, why=HelpFlag.Why.LINE_MANAGER
    )


def _help_flags(subject: Subject) -> QuerySet:
    """Flags about them, and flags they resolved as an officer."""
    resolved = Q(resolved_by=subject.user) if subject.user else Q(pk__in=[])
    return HelpFlag.objects.filter(_flags_about(subject) | resolved)


EXPORTERS: dict[str, Exporter] = {
    "members.user": Exporter(
        lambda s: User.objects.filter(pk=s.user.pk) if s.user else User.objects.none(),
        secret=frozenset({"password"}),
    ),
    "members.member": Exporter(
        lambda s: (
            Member.objects.filter(pk=s.member.pk) if s.member else Member.objects.none()
        )
    ),
    "members.registrationaward": _member(RegistrationAward),
    "members.officerappointment": _member(OfficerAppointment),
    "account.emailaddress": _user(EmailAddress),
    "mfa.authenticator": _user(Authenticator, secret=frozenset({"data"})),
    "admin.logentry": _user(LogEntry),
    "scheme.enrolment": _member(Enrolment),
    "scheme.enrolmentchange": _either(
        EnrolmentChange, member_paths=("enrolment__member",), user_paths=("by",)
    ),
    "mentors.mentorprofile": _member(MentorProfile),
    "mentors.mentorstatuschange": _either(
        MentorStatusChange, member_paths=("mentor__member",), user_paths=("by",)
    ),
    "mentors.trainingevidence": _either(
        TrainingEvidence,
        member_paths=("profile__member",),
        user_paths=("decided_by",),
        # An officer's export holds their decisions, not the applicant's document.
        theirs=("description", "document", "document_name", "document_type"),
    ),
    "mentoring.mentoringrequest": _either(MentoringRequest, member_paths=_PAIR),
    "mentoring.mentoringrelationship": _either(
        MentoringRelationship, member_paths=_PAIR
    ),
    "mentoring.agreement": _either(
        Agreement, member_paths=_RELATIONSHIP, user_paths=("created_by",)
    ),
    "mentoring.meeting": _either(
        Meeting, member_paths=_RELATIONSHIP, user_paths=("created_by",)
    ),
    "mentoring.meetingrevision": _either(
        MeetingRevision,
        member_paths=tuple(f"meeting__{p}" for p in _RELATIONSHIP),
        user_paths=("by",),
    ),
    "mentoring.notesaccess": _either(
        NotesAccess, member_paths=_RELATIONSHIP, user_paths=("officer",)
    ),
    "mentoring.helpflag": Exporter(
        _help_flags,
        own=_flags_in_full,
        # An officer's or a mentor's export holds the flag, not the candidate's words.
        theirs=frozenset({"message"}),
    ),
    "training.booking": _member(Booking),
    "training.briefingacknowledgement": _member(BriefingAcknowledgement),
    "training.trainingevent": _user(TrainingEvent, "created_by"),
    "contact.feedback": Exporter(lambda s: Feedback.objects.filter(feedback_from(s))),
    "contact.feedbackreply": Exporter(
        lambda s: FeedbackReply.objects.filter(
            feedback__in=Feedback.objects.filter(feedback_from(s))
        )
    ),
    "guidance.guidancepageversion": _user(GuidancePageVersion, "saved_by"),
    "guidance.guidancepage": _user(GuidancePage, "updated_by"),
    "notifications.outboxmessage": _mentioning(OutboxMessage, "to"),
    "django_tasks_database.dbtaskresult": _mentioning(DBTaskResult, "args_kwargs"),
    "api.integrationtoken": _user(
        IntegrationToken, "created_by", secret=frozenset({"secret_hash"})
    ),
    "privacy.calendarfeed": _member(CalendarFeed, secret=frozenset({"token"})),
    "audit.auditentry": _user(AuditEntry, "actor"),
    "oversight.allocationrun": _either(
        AllocationRun, user_paths=("created_by", "published_by")
    ),
}


def _value(obj, model_field, personal: set):
    if model_field.many_to_many:
        return [
            {"id": related.pk, "name": str(related)}
            for related in getattr(obj, model_field.name).all()
        ]
    value = getattr(obj, model_field.attname)
    if isinstance(value, bytes | memoryview):
        # An uploaded document, whole, so the export is everything held.
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if model_field.is_relation and value is not None:
        if model_field.related_model in personal:
            return value  # another person's record: its id, never their details
        return {"id": value, "name": str(getattr(obj, model_field.name))}
    return value


def _record(obj, exporter: Exporter, personal: set, own: bool = True) -> dict:
    meta = obj._meta
    fields = [*meta.concrete_fields, *meta.many_to_many]
    left_out = exporter.secret if own else exporter.secret | exporter.theirs
    return {f.name: _value(obj, f, personal) for f in fields if f.name not in left_out}


def personal_data(subject: Subject) -> dict:
    """The person's data, by model, ready for JSON (with DjangoJSONEncoder)."""
    personal = set(registry.personal_models())
    data = {}
    for name, exporter in EXPORTERS.items():
        rows = exporter.rows(subject)
        if exporter.own is None:
            data[name] = [_record(obj, exporter, personal) for obj in rows]
            continue
        owned = set(rows.filter(exporter.own(subject)).values_list("pk", flat=True))
        data[name] = [
            _record(obj, exporter, personal, own=obj.pk in owned) for obj in rows
        ]
    return {
        "format": FORMAT,
        "generated_at": timezone.now(),
        "user_id": subject.user.pk if subject.user else None,
        "member_id": subject.member.pk if subject.member else None,
        "not_exported": registry.NOT_EXPORTED,
        "data": data,
    }
