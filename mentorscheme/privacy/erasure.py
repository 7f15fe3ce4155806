"""Erasing a member's personal data on request, keeping anonymous statistics.

The member's record stays, anonymised, so counts of enrolments, requests,
relationships and bookings still add up; their account, addresses, feed, queued
and sent emails and feedback go. Free text in any request, relationship, agreement,
meeting or help request involving them is replaced, whoever wrote it (it is about
them); records they wrote about other people lose the link to them.

First, everyone waiting on them (their candidates, their mentor, the mentors they
asked, and as a support officer the cases in their regions) gets the next step they
would get had the person left, told in words that do not name them (``_departures``,
``_cases_handed_on``). Then ``ERASERS`` maps each model with personal data
to what erasure does to it, in the order it is done: text that names the person is
found by their email addresses first, while those are still known.
"""

import contextlib
import datetime
import json
from collections.abc import Callable

from allauth.account.models import EmailAddress, EmailConfirmation
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorscheme.api.models import IntegrationToken
from mentorscheme.audit import services as audit
from mentorscheme.audit.models import AuditEntry
from mentorscheme.contact.models import Feedback, FeedbackReply
from mentorscheme.guidance.models import GuidancePage, GuidancePageVersion
from mentorscheme.locking import lock_row
from mentorscheme.members.models import (
    ERASED_NUMBER_PREFIX,
    Member,
    MembershipStatus,
    OfficerAppointment,
    RegisterImport,
    RegistrationAward,
)
from mentorscheme.members.officers import in_office
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import (
    OPEN_REQUEST_STATUSES,
    Agreement,
    EndedBy,
    HelpFlag,
    Meeting,
    MeetingRevision,
    MentoringRelationship,
    MentoringRequest,
    NotesAccess,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors import changes as mentor_changes
from mentorscheme.mentors import directory
from mentorscheme.mentors import services as mentor_services
from mentorscheme.mentors.models import (
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
    TrainingEvidence,
)
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.oversight import figures
from mentorscheme.oversight import services as oversight_services
from mentorscheme.oversight.models import AllocationRun
from mentorscheme.privacy.models import CalendarFeed, ErasureRecord
from mentorscheme.privacy.subject import Subject, feedback_from, names_them
from mentorscheme.scheme.models import (
    OPEN_ENROLMENT_STATUSES,
    Enrolment,
    EnrolmentChange,
    EnrolmentStatus,
)
from mentorscheme.training import services as training_services
from mentorscheme.training.models import (
    HELD_STATUSES,
    Booking,
    BookingStatus,
    TrainingEvent,
)

ERASED = "[erased]"


class PrivacyError(Exception):
    """The erasure was refused; the text says why, in plain words."""


def _blank(queryset, *fields: str, keep=()) -> int:
    """Replace each non-empty text field with a marker; the number of rows changed.
    Texts in ``keep`` (the scheme's own words, naming nobody) stay."""
    changed = set()
    for name in fields:
        rows = queryset.exclude(**{name: ""}).exclude(**{f"{name}__in": keep})
        changed.update(rows.values_list("pk", flat=True))
        rows.update(**{name: ERASED})
    return len(changed)


def _delete(queryset) -> int:
    count = queryset.count()
    queryset.delete()
    return count


def _unlink(model, field: str) -> Callable[[Subject], int]:
    def erase(subject: Subject) -> int:
        if subject.user is None:
            return 0
        return model.objects.filter(**{field: subject.user}).update(**{field: None})

    return erase


def _of_member(subject: Subject, *paths: str) -> Q:
    condition = Q()
    for path in paths:
        condition |= Q(**{path: subject.member})
    return condition


_PAIR = ("enrolment__member", "mentor__member")
_IN_RELATIONSHIP = ("relationship__enrolment__member", "relationship__mentor__member")


# -- text that names them ----------------------------------------------------------


def _quotes(subject: Subject, value) -> bool:
    """Whether ``value``, read as text, holds one of the person's identifiers."""
    text = str(value).lower()
    return any(needle.lower() in text for needle in subject.identifiers)


def _naming(model, subject: Subject, field: str):
    """Rows of ``model`` whose ``field`` names the person, to change."""
    return model.objects.filter(pk__in=names_them(model, subject, field).values("pk"))


def _feedback(subject: Subject) -> int:
    """Their messages go; someone else's message about them, or the team's note on
    one, loses its words (its sender's address stays, to answer it)."""
    rows = Feedback.objects.filter(feedback_from(subject))
    count = rows.count()
    rows.update(name="", email="", user=None, message=ERASED, staff_note="")
    return (
        count
        + _blank(_naming(Feedback, subject, "message"), "message")
        + _blank(_naming(Feedback, subject, "staff_note"), "staff_note")
    )


def _feedback_replies(subject: Subject) -> int:
    """Answers to their messages, or naming them, lose their text (and an answer
    to them its address); answers they sent as staff lose the link to them."""
    to_them = FeedbackReply.objects.filter(
        feedback__in=Feedback.objects.filter(feedback_from(subject))
    )
    count = to_them.update(body=ERASED, sent_to="")
    count += _blank(_naming(FeedbackReply, subject, "body"), "body")
    if subject.user is not None:
        count += FeedbackReply.objects.filter(sent_by=subject.user).update(sent_by=None)
    return count


# -- mentoring ----------------------------------------------------------------------

#: What the people waiting on them read: the emails outlive the erasure, so they
#: name nobody (see ``_departures``).
MENTOR_LEFT = "Your mentor has left the scheme."
REQUEST_TO_MENTOR_WHO_LEFT = (
    "This mentor has left the scheme, so your request no longer counts towards your "
    "limit: you can ask another mentor now."
)
CANDIDATE_LEFT = (
    "Your candidate has left the scheme, so your place is free for someone else."
)
_DEPARTURE_WORDS = (MENTOR_LEFT, REQUEST_TO_MENTOR_WHO_LEFT, CANDIDATE_LEFT)


def _departures(member: Member) -> None:
    """Everyone waiting on the person gets the next step they would get had the
    person left: as when a mentor steps down, each candidate is emailed and flagged
    to the region's officers to find another mentor, and each open request is
    withdrawn with the reason; a candidate's mentoring is ended by the scheme (they
    did not end it) and the mentor told their place is free, and each request they
    made is withdrawn as when they withdraw it.

    ``member`` is their record with its name already erased: these emails are
    written now and sent after the erasure commits, so they must not name them.
    """
    profile = MentorProfile.objects.filter(member=member).first()
    if profile is not None:
        profile = lock_row(MentorProfile.objects.select_related("member"), profile.pk)
        mentor_changes.mentor_left(
            profile=profile, reason=MENTOR_LEFT, ended_by=EndedBy.SCHEME
        )
        mentor_changes.mentor_unavailable(
            profile=profile, reason=REQUEST_TO_MENTOR_WHO_LEFT
        )
    as_candidate = Q(enrolment__member=member)
    for relationship in MentoringRelationship.objects.filter(
        as_candidate, status=RelationshipStatus.ACTIVE
    ):
        with contextlib.suppress(mentoring.MentoringError):  # ended meanwhile
            mentoring.relationship_end_for_departed_candidate(
                relationship=relationship, reason=CANDIDATE_LEFT
            )
    for request in MentoringRequest.objects.filter(
        as_candidate, status__in=OPEN_REQUEST_STATUSES
    ):
        with contextlib.suppress(mentoring.MentoringError):  # answered meanwhile
            mentoring.request_withdraw(request=request, candidate=member)


def _cases_handed_on(member: Member) -> None:
    """What waited on them as a support officer (applications and training
    evidence, candidates asking for help, bulk allocations to review) goes to
    whoever acts for the region now, as when a term ends: their appointments go
    with their record, and nobody else was told of those cases."""
    today = timezone.localdate()
    mentor_services.mentor_cases_hand_on(today=today, leaving=member)
    mentoring.help_flags_hand_on(today=today, leaving=member)
    oversight_services.allocation_runs_hand_on(today=today, leaving=member)


def _name_erased(member: Member) -> Member:
    """Their record without their name and number, read again (see ``_departures``)."""
    Member.objects.filter(pk=member.pk).update(
        first_name="Erased",
        last_name="member",
        membership_number=f"{ERASED_NUMBER_PREFIX}{member.pk}",
    )
    return Member.objects.get(pk=member.pk)


def _requests(subject: Subject) -> int:
    mine = MentoringRequest.objects.filter(_of_member(subject, *_PAIR))
    # Any request still open (``_departures`` closed those it found) cannot be
    # answered now: it is withdrawn, as the person is gone.
    mine.filter(status__in=OPEN_REQUEST_STATUSES).update(
        status=RequestStatus.WITHDRAWN, closed_at=timezone.now()
    )
    return _blank(
        mine,
        "message",
        "response",
        "candidate_reply",
        "closed_reason",
        keep=_DEPARTURE_WORDS,
    )


def _relationships(subject: Subject) -> int:
    mine = MentoringRelationship.objects.filter(_of_member(subject, *_PAIR))
    active = mine.filter(status=RelationshipStatus.ACTIVE)
    # A flag about an ending pair (the mentor is the line manager) has nothing
    # left to decide.
    HelpFlag.objects.filter(relationship__in=active, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution="The mentoring ended."
    )
    active.update(
        status=RelationshipStatus.ENDED_EARLY,
        ended_by=EndedBy.SCHEME,
        ended_on=timezone.localdate(),
        end_reason="",
    )
    return _blank(
        mine,
        "end_reason",
        "completion_reason",
        "letter_of_support",
        keep=_DEPARTURE_WORDS,
    )


def _agreements(subject: Subject) -> int:
    mine = Agreement.objects.filter(_of_member(subject, *_IN_RELATIONSHIP))
    return _blank(mine, "goals", "frequency")


def _meetings(subject: Subject) -> int:
    mine = Meeting.objects.filter(_of_member(subject, *_IN_RELATIONSHIP))
    return _blank(mine, "notes", "action_points")


def _meeting_history(subject: Subject) -> int:
    about = MeetingRevision.objects.filter(
        _of_member(
            subject,
            "meeting__" + _IN_RELATIONSHIP[0],
            "meeting__" + _IN_RELATIONSHIP[1],
        )
    )
    return _blank(about, "notes", "action_points") + _unlink(MeetingRevision, "by")(
        subject
    )


def _notes_accesses(subject: Subject) -> int:
    about = NotesAccess.objects.filter(_of_member(subject, *_IN_RELATIONSHIP))
    return _blank(about, "reason") + _unlink(NotesAccess, "officer")(subject)


def _help_flags(subject: Subject) -> int:
    """Their own flags, and other people's flags whose words name them (a candidate's
    plea, or a flag written when flags named the mentor who left)."""
    mine = HelpFlag.objects.filter(enrolment__member=subject.member)
    mine.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    return _blank(mine | _naming(HelpFlag, subject, "message"), "message")


def _enrolments(subject: Subject) -> int:
    return Enrolment.objects.filter(
        member=subject.member, status__in=OPEN_ENROLMENT_STATUSES
    ).update(status=EnrolmentStatus.WITHDRAWN)


def _enrolment_history(subject: Subject) -> int:
    about = EnrolmentChange.objects.filter(enrolment__member=subject.member)
    return _blank(about, "note") + _unlink(EnrolmentChange, "by")(subject)


def _mentor_profile(subject: Subject) -> int:
    directory.note_change()  # the mentor leaves the directory
    return MentorProfile.objects.filter(member=subject.member).update(
        status=MentorStatus.RETIRED,
        accepting=False,
        statement="",
        external_training="",
        external_trained_on=None,
        listed_at=None,
    )


def _training_evidence(subject: Subject) -> int:
    """Evidence and its document go; what an officer decided about someone else's
    evidence stays, without the link to the erased account."""
    deleted, _ = TrainingEvidence.objects.filter(
        profile__member=subject.member
    ).delete()
    return deleted + _unlink(TrainingEvidence, "decided_by")(subject)


def _mentor_history(subject: Subject) -> int:
    about = MentorStatusChange.objects.filter(mentor__member=subject.member)
    return _blank(about, "note") + _unlink(MentorStatusChange, "by")(subject)


# -- training -----------------------------------------------------------------------


def _bookings(subject: Subject) -> int:
    """Past bookings stay (anonymous); places in future events are given back."""
    future = Booking.objects.filter(
        member=subject.member,
        status__in=HELD_STATUSES,
        event__starts_at__gt=timezone.now(),
    )
    events = list(TrainingEvent.objects.filter(bookings__in=future).distinct())
    count = future.update(status=BookingStatus.CANCELLED, updated_at=timezone.now())
    for event in events:
        # Saving the event through training's service offers the freed place to
        # the waiting list, as a cancellation would.
        training_services.event_update(event=event)
    return count


# -- the register and the account -------------------------------------------------------


def _imports(subject: Subject) -> int:
    """An import's report quotes the rows of its file it refused: one that names the
    person keeps its line, without their membership number or the reasons (which
    may quote their details); the counts stay. A report that still names them
    elsewhere goes."""
    count = _unlink(RegisterImport, "created_by")(subject)
    for job in names_them(RegisterImport, subject, "outcome", "refusal"):
        outcome = job.outcome or {}
        for rejection in outcome.get("rejections", ()):
            if _quotes(subject, rejection):
                rejection.update(membership_number=ERASED, reasons=[ERASED])
        RegisterImport.objects.filter(pk=job.pk).update(
            outcome=outcome or None,
            refusal=ERASED if _quotes(subject, job.refusal) else job.refusal,
        )
        count += 1
    return count + _delete(names_them(RegisterImport, subject, "outcome", "refusal"))


def _awards(subject: Subject) -> int:
    """Kept for statistics by level, with dates reduced to the year."""
    count = 0
    for award in RegistrationAward.objects.filter(member=subject.member):
        for name in ("awarded_on", "last_revalidated_on", "removed_on"):
            day = getattr(award, name)
            if day is not None:
                setattr(award, name, datetime.date(day.year, 1, 1))
        award.save()
        count += 1
    return count


def _admin_log(subject: Subject) -> int:
    """The admin's log: entries by them go; entries about them (a change a member
    of staff made to their record) keep what was done, without naming them."""
    done = _of_user(LogEntry)(subject)
    about = names_them(LogEntry, subject, "object_repr", "change_message")
    if subject.member is not None:
        about = about | LogEntry.objects.filter(
            content_type__app_label="members",
            content_type__model="member",
            object_id=str(subject.member.pk),
        )
    return done + about.update(object_repr=ERASED, change_message="")


def _audit_entries(subject: Subject) -> int:
    """The audit log keeps who did what to which record, never who the erased person
    was: an entry naming them keeps only its anonymous facts (the action, the kind
    and id of the record, when). The one change ever made to an entry."""
    entries = names_them(AuditEntry, subject, "target_description", "details")
    actor = names_them(AuditEntry, subject, "actor_label")
    count = actor.update(actor_label=ERASED)
    for entry in entries.only("pk", "target_type", "target_id"):
        what = entry.target_type.rpartition(".")[2] or "record"
        AuditEntry.objects.filter(pk=entry.pk).update(
            target_description=f"{what} {entry.target_id} (personal data erased)".strip(),
            details={},
        )
        count += 1
    return count


def _sessions(subject: Subject) -> int:
    """Their sign-ins, live or timed out (a session outlives its expiry until it is
    cleared, and allauth keeps the address it signed in with), and any other
    session that names them."""
    user_id = str(subject.user.pk) if subject.user is not None else None

    def theirs(data: dict) -> bool:
        if user_id is not None and user_id in (
            data.get("_auth_user_id"),
            data.get("account_authentication_methods_user"),
        ):
            return True
        return _quotes(subject, json.dumps(data, default=str, ensure_ascii=False))

    found = [s.pk for s in Session.objects.iterator() if theirs(s.get_decoded())]
    return _delete(Session.objects.filter(pk__in=found))


def _of_user(model, path="user") -> Callable[[Subject], int]:
    def erase(subject: Subject) -> int:
        if subject.user is None:
            return 0
        return _delete(model.objects.filter(**{path: subject.user}))

    return erase


#: A line-manager declaration not made (the member is asked again).
_UNDECLARED = {
    "line_manager_declaration": "",
    "declared_line_manager": None,
    "declared_line_manager_name": "",
    "line_manager_declared_at": None,
}


def _declared_them(subject: Subject) -> Q:
    """Members who declared them as their line manager: by their record, or by a
    name that is theirs (a declaration made before they joined, say)."""
    name = subject.full_name
    condition = Q(declared_line_manager=subject.member)
    # SQLite folds only ASCII letters' case.
    for spelling in {name, name.lower(), name.upper()}:
        condition |= Q(declared_line_manager_name__iexact=spelling)
    return condition


def _member(subject: Subject) -> int:
    member = subject.member
    Member.objects.filter(line_manager=member).update(line_manager=None)
    # Their reports' declarations no longer name anyone: each is asked again.
    Member.objects.filter(_declared_them(subject)).exclude(pk=member.pk).update(
        **_UNDECLARED
    )
    # Their own declaration goes with them, a manager named outside the body too.
    for name, value in _UNDECLARED.items():
        setattr(member, name, value)
    member.first_name, member.last_name = "Erased", "member"
    member.email = f"erased-{member.pk}@erased.invalid"
    member.membership_number = f"{ERASED_NUMBER_PREFIX}{member.pk}"
    member.job_title = ""
    member.contact_email = member.contact_phone = ""
    member.organisation = None
    member.line_manager = None
    member.membership_status = MembershipStatus.LAPSED
    member.user = None
    member.save()
    return 1


def _user(subject: Subject) -> int:
    if subject.user is None:
        return 0
    subject.user.delete()
    return 1


ERASERS: dict[str, Callable[[Subject], int]] = {
    # Queued, done and sent emails and task results that name them in any way.
    "django_tasks_database.dbtaskresult": lambda s: _delete(
        names_them(DBTaskResult, s)
    ),
    "notifications.outboxmessage": lambda s: _delete(names_them(OutboxMessage, s)),
    "audit.auditentry": _audit_entries,
    "contact.feedback": _feedback,
    "contact.feedbackreply": _feedback_replies,
    "guidance.guidancepageversion": _unlink(GuidancePageVersion, "saved_by"),
    "mentoring.mentoringrequest": _requests,
    "mentoring.mentoringrelationship": _relationships,
    "mentoring.agreement": _agreements,
    "mentoring.meeting": _meetings,
    "mentoring.meetingrevision": _meeting_history,
    "mentoring.notesaccess": _notes_accesses,
    "mentoring.helpflag": _help_flags,
    "scheme.enrolment": _enrolments,
    "scheme.enrolmentchange": _enrolment_history,
    "mentors.mentorprofile": _mentor_profile,
    "mentors.mentorstatuschange": _mentor_history,
    "mentors.trainingevidence": _training_evidence,
    "training.booking": _bookings,
    "training.trainingevent": _unlink(TrainingEvent, "created_by"),
    "guidance.guidancepage": _unlink(GuidancePage, "updated_by"),
    "api.integrationtoken": _unlink(IntegrationToken, "created_by"),
    "members.registerimport": _imports,
    "privacy.erasurerecord": _unlink(ErasureRecord, "erased_by"),
    "oversight.allocationrun": lambda s: (
        _unlink(AllocationRun, "created_by")(s)
        + _unlink(AllocationRun, "published_by")(s)
    ),
    "privacy.calendarfeed": lambda s: _delete(
        CalendarFeed.objects.filter(member=s.member)
    ),
    "members.registrationaward": _awards,
    "members.officerappointment": lambda s: _delete(
        OfficerAppointment.objects.filter(member=s.member)
    ),
    "admin.logentry": _admin_log,
    "mfa.authenticator": _of_user(Authenticator),
    "account.emailconfirmation": _of_user(EmailConfirmation, "email_address__user"),
    "account.emailaddress": _of_user(EmailAddress),
    "sessions.session": _sessions,
    "members.member": _member,
    "members.user": _user,
}


def erasure_reason_check(*, member: Member, reason: str) -> None:
    """Refuse a reason the record of the erasure cannot keep: too short to say
    anything, or naming the member (it outlives their data)."""
    if len(reason.strip()) < 10:
        raise PrivacyError("Say why, in a few words: the request and where it came.")
    # Their full name, an email address or their membership number; not a first
    # name alone, which may be a word too ("on 3 May").
    if _quotes(Subject.of_member(member), reason):
        raise PrivacyError(
            "The reason is kept after the erasure, so it must not name the member: "
            "say how and when the request came, and its reference."
        )


@transaction.atomic
def member_erase(*, member: Member, by, reason: str) -> ErasureRecord:
    """Erase a member's personal data everywhere; one transaction, all or nothing."""
    member = lock_row(Member, member.pk)
    if ErasureRecord.objects.filter(member=member).exists():
        raise PrivacyError("This member's personal data has already been erased.")
    erasure_reason_check(member=member, reason=reason)
    if by is not None and member.user_id == by.pk:
        raise PrivacyError("Another member of the team must erase your own record.")
    subject = Subject.of_member(member)
    subject.identifiers  # noqa: B018 — learn them before erasing them
    _departures(_name_erased(member))
    _cases_handed_on(member)
    # The other side of any mentoring still active (the departures ended the rest,
    # counting as they went): a mentor gains a place, a candidate waits again.
    pairs = list(
        MentoringRelationship.objects.filter(
            _of_member(subject, *_PAIR), status=RelationshipStatus.ACTIVE
        ).values_list("mentor_id", "enrolment_id")
    )
    partner_mentors = {mentor_id for mentor_id, _ in pairs}
    partner_enrolments = {enrolment_id for _, enrolment_id in pairs}
    summary = {name: erase(subject) for name, erase in ERASERS.items()}
    # The enrolments withdrawn and the profile retired above, around the services.
    figures.members_changed(member_ids=[member.pk])
    figures.counts_changed(mentor_ids=partner_mentors, enrolment_ids=partner_enrolments)
    audit.record_erasure(actor=by, member=member)
    return ErasureRecord.objects.create(
        member=member,
        erased_by=by,
        reason=reason.strip(),
        summary={name: count for name, count in summary.items() if count},
    )


def erasure_preview(member: Member) -> dict:
    """What erasing this member would end: shown before the team confirms."""
    pair = _of_member(Subject.of_member(member), *_PAIR)
    return {
        "active_relationships": MentoringRelationship.objects.filter(
            pair, status=RelationshipStatus.ACTIVE
        ).select_related("enrolment__member", "mentor__member"),
        "open_requests": MentoringRequest.objects.filter(
            pair, status__in=OPEN_REQUEST_STATUSES
        ).count(),
        "future_bookings": Booking.objects.filter(
            member=member,
            status__in=HELD_STATUSES,
            event__starts_at__gt=timezone.now(),
        ).count(),
        "has_account": member.user_id is not None,
        "offices": OfficerAppointment.objects.filter(
            in_office(timezone.localdate()), member=member
        ).select_related("region"),
    }
