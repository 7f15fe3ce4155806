"""Who acts for a region, and who may not decide a case.

The Mentor Support Officer looks after the mentors' side (applications, training,
briefings); the Candidate Support Officer the candidates' side (waiting, help
requests, allocation review). A "support officer" appointment holds both, and one
person may hold both roles. Where a region has nobody in office for a side, the
registration team (staff) acts, so every message reaches a real person.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mentorscheme.members.models import (
    Member,
    MembershipStatus,
    OfficerAppointment,
    OfficerRole,
    Region,
    User,
)
from mentorscheme.notifications import emails

MENTORS = "mentors"
CANDIDATES = "candidates"

#: The appointments that cover each side of the scheme.
SIDE_ROLES: dict[str, tuple[str, ...]] = {
    MENTORS: (OfficerRole.MENTOR_SUPPORT, OfficerRole.SUPPORT),
    CANDIDATES: (OfficerRole.CANDIDATE_SUPPORT, OfficerRole.SUPPORT),
}
SIDE_TITLES = {
    MENTORS: "Mentor Support Officer",
    CANDIDATES: "Candidate Support Officer",
}


def in_office(on: datetime.date) -> Q:
    """The appointments in office on ``on``: within their term, and held by a member
    whose membership is current (a lapsed member holds no office). The one rule,
    for the roles, the messages, the dashboards and the support officers page."""
    return (
        Q(starts_on__lte=on)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        & Q(member__membership_status=MembershipStatus.CURRENT)
    )


def appointments(region_id: int, side: str, on: datetime.date | None = None):
    """Appointments in office for this side of the region."""
    on = on or timezone.localdate()
    return OfficerAppointment.objects.filter(
        in_office(on), region_id=region_id, role__in=SIDE_ROLES[side]
    ).select_related("member__user")


#: ``conflict_reason``'s default: the decider's member record is read for the call.
_UNREAD = object()


def decider_of(user) -> Member | None:
    """The member record of someone deciding cases, to pass to ``conflict_reason``
    for each case on a list (read once rather than per case)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user).only("pk").first()


def conflict_reason(user, subject: Member, *, decider=_UNREAD) -> str:
    """Why ``user`` may not decide a case about ``subject`` ("" when they may).

    Nobody decides their own case, or the case of someone they line-manage.
    ``decider`` is ``decider_of(user)``, when the caller has read it already.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if subject.user_id == user.pk or subject.email.lower() == user.email.lower():
        return "This is your own case, so you cannot decide it."
    if decider is _UNREAD:
        decider = decider_of(user)
    if decider is not None and _line_manages(decider.pk, subject):
        return f"You are {subject.full_name}'s line manager, so you cannot decide this."
    return ""


def conflicted(decider: Member, path: str = "") -> Q:
    """The members (at ``path``, e.g. "member__") whose cases ``decider`` may not
    decide: themselves, and those they line-manage (``conflict_reason`` for one)."""
    return (
        Q(**{f"{path}pk": decider.pk})
        | Q(**{f"{path}line_manager": decider.pk})
        | Q(**{f"{path}declared_line_manager": decider.pk})
    )


def _line_manages(member_id: int, subject: Member) -> bool:
    """Whether the member is the subject's line manager, as the register records it
    or as the subject declared it."""
    return member_id in (subject.line_manager_id, subject.declared_line_manager_id)


def _conflicted(member: Member, subject: Member | None) -> bool:
    if subject is None:
        return False
    return member.pk == subject.pk or _line_manages(member.pk, subject)


def staff_emails() -> list[str]:
    return sorted(
        User.objects.filter(is_staff=True, is_active=True).values_list(
            "email", flat=True
        )
    )


@dataclass(frozen=True)
class Recipients:
    emails: list[str]
    #: True when the region had no officer free to act, so staff were told instead.
    staff_instead: bool
    #: True when staff were told because the case spans regions (no officer of
    #: one region may act on it).
    across_regions: bool = False


def recipients(
    region_id: int,
    side: str,
    *,
    about: Member | None = None,
    leaving: Member | None = None,
    no_officers: bool = False,
) -> Recipients:
    """Who to tell about a case on ``side`` in the region: its officers in office,
    less anyone with a conflict of interest about ``about``; staff when none is left
    (or with ``no_officers``). Never ``leaving``, someone whose record is being
    erased.
    """
    emails = sorted(
        {
            a.member.email
            for a in ([] if no_officers else appointments(region_id, side))
            if not _conflicted(a.member, about)
            and (leaving is None or a.member_id != leaving.pk)
        }
    )
    if emails:
        return Recipients(emails, staff_instead=False)
    staff = staff_emails()
    if leaving is not None and leaving.user_id is not None:
        staff = [e for e in staff if e != leaving.user.email]
    return Recipients(staff, staff_instead=True)


def by_recipients(
    region_id: int,
    side: str,
    cases,
    *,
    about: Callable[[object], Member | None],
    leaving: Member | None = None,
    across_regions: Callable[[object], bool] | None = None,
) -> list[tuple[Recipients, list]]:
    """``cases`` of the region grouped by who is to be told of them (``recipients``
    for the member each is ``about``: a conflict of interest changes who), so that
    each person gets one message. A case ``across_regions`` goes to staff."""
    groups: dict[tuple, tuple[Recipients, list]] = {}
    for case in cases:
        if across_regions is not None and across_regions(case):
            to = Recipients(
                recipients(region_id, side, leaving=leaving, no_officers=True).emails,
                staff_instead=True,
                across_regions=True,
            )
        else:
            to = recipients(region_id, side, about=about(case), leaving=leaving)
        key = (tuple(to.emails), to.staff_instead, to.across_regions)
        groups.setdefault(key, (to, []))[1].append(case)
    return list(groups.values())


def uncovered_regions(on: datetime.date | None = None, regions=None) -> list[dict]:
    """Active regions missing an officer in office for either side (of ``regions``,
    the active regions already read, if given)."""
    on = on or timezone.localdate()
    held = set(
        OfficerAppointment.objects.filter(in_office(on)).values_list(
            "region_id", "role"
        )
    )
    rows = []
    if regions is None:
        regions = Region.objects.filter(is_active=True)
    for region in regions:
        missing = [
            SIDE_TITLES[side]
            for side, roles in SIDE_ROLES.items()
            if not any((region.pk, role) in held for role in roles)
        ]
        if missing:
            rows.append({"region": region, "missing": missing})
    return rows


def terms_ended_hand_on(
    side: str,
    *,
    today: datetime.date,
    claimed: str,
    cases: Callable[[OfficerAppointment], Iterable],
    about: Callable[[object], Member | None],
    template: str,
    leaving: Member | None = None,
    across_regions: Callable[[object], bool] | None = None,
) -> int:
    """Once a term on ``side`` has ended (or its holder's membership lapsed: a lapsed
    member holds no office), send the ``cases`` still waiting (in the region, as
    ``cases`` finds them for the appointment that ended) to whoever acts for that
    side now (another officer in office, else staff), with the email ``template``:
    they were told only of cases that arrived while in office, so without this
    nobody would know. A holder who goes on in office for that side (a new term)
    keeps their cases.

    ``leaving``: only that member's terms, ended now because they are leaving the
    scheme and their record is being erased (the message says the officer has left,
    and they are told nothing). A case ``across_regions`` (a bulk allocation for
    several regions) goes to staff: no one region's officer may open it.

    Each term is claimed by a conditional UPDATE of its date field ``claimed``, in
    the transaction the messages are queued in, so however often this runs the
    cases are sent on once. Returns the number of messages sent."""
    if leaving is not None:
        ended = OfficerAppointment.objects.filter(
            member=leaving, starts_on__lte=today, role__in=SIDE_ROLES[side]
        ).filter(**{f"{claimed}__isnull": True})
    else:
        lapsed = Q(starts_on__lte=today) & ~Q(
            member__membership_status=MembershipStatus.CURRENT
        )
        ended = OfficerAppointment.objects.filter(
            Q(ends_on__lt=today) | lapsed,
            role__in=SIDE_ROLES[side],
            **{f"{claimed}__isnull": True},
        )
    sent = 0
    for pk in list(ended.values_list("pk", flat=True)):
        with transaction.atomic():
            if not ended.filter(pk=pk).update(**{claimed: today}):
                continue
            appointment = OfficerAppointment.objects.select_related(
                "member", "region"
            ).get(pk=pk)
            region_id = appointment.region_id
            if (
                leaving is None
                and appointments(region_id, side, on=today)
                .filter(member_id=appointment.member_id)
                .exists()
            ):
                continue  # still in office: a new term carries on from the last
            groups = by_recipients(
                region_id,
                side,
                cases(appointment),
                about=about,
                leaving=leaving,
                across_regions=across_regions,
            )
            for to, group in groups:
                emails.send(
                    template,
                    to=to.emails,
                    context={
                        "appointment": appointment,
                        "left": leaving is not None,
                        "term_ended": appointment.ends_on is not None
                        and appointment.ends_on < today,
                        "cases": group,
                        "staff_instead": to.staff_instead,
                        "across_regions": to.across_regions,
                    },
                )
            sent += len(groups)
    return sent
