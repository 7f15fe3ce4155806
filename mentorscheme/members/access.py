"""Who someone is to the scheme (their ``Roles``), and what only the register decides.

Roles follow from the records: a *candidate* has an open enrolment, a *mentor* has a
mentor profile that is not retired, a *Mentor Support Officer* holds an appointment in
office today for one or more regions, and *staff* is the Django staff flag. Only a
current member holds any of the first three.

What a person may see or do with an app's records is decided beside them, in that
app's ``access.py`` (``mentoring.access.get_relationship_or_404``, ...), from the
``Roles`` computed here. Every view and API endpoint asks those modules, never the
models directly.

Being a candidate and being a mentor are read from records of apps above this one;
each of those apps says how in its ``access.py`` (``register_role``, called from its
``AppConfig.ready``), so this module imports none of them.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from allauth.mfa.models import Authenticator
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from mentorscheme.members.models import Member, OfficerAppointment, Region
from mentorscheme.members.officers import CANDIDATES, MENTORS, SIDE_ROLES, in_office


@dataclass(frozen=True)
class Roles:
    member: Member | None = None
    is_staff: bool = False
    is_candidate: bool = False
    is_mentor: bool = False
    officer_region_ids: frozenset[int] = field(default_factory=frozenset)
    #: Regions where the person looks after the mentors' side (MSO or support officer)
    mentor_side_region_ids: frozenset[int] = field(default_factory=frozenset)
    #: Regions where the person looks after the candidates' side (CSO or support officer)
    candidate_side_region_ids: frozenset[int] = field(default_factory=frozenset)
    #: Whether the account has TOTP set up (None when no member record was read).
    has_totp: bool | None = None

    @property
    def is_officer(self) -> bool:
        return bool(self.officer_region_ids)

    @property
    def is_authenticated(self) -> bool:
        return self.member is not None or self.is_staff


ANONYMOUS = Roles()


def roles_for(user, today: datetime.date | None = None) -> Roles:
    """The user's roles, computed once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_mentorscheme_roles", None)
    if cached is not None and today is None:
        return cached
    roles = _compute_roles(user, today or timezone.localdate())
    user._mentorscheme_roles = roles
    return roles


@dataclass(frozen=True)
class RoleSource:
    """How one role is read from another app's records: what the roles query adds
    to the member (``annotations``) and whether a member so annotated holds it."""

    annotations: Callable[[], dict]
    holds: Callable[[Member], bool]


#: The roles read from apps above this one, by Roles field name.
ROLE_SOURCES: dict[str, RoleSource] = {}


def register_role(
    role: str, *, annotations: Callable[[], dict], holds: Callable[[Member], bool]
) -> None:
    """Called once by the app that holds the records the role is read from."""
    if role not in ("is_candidate", "is_mentor"):
        raise ValueError(f"{role} is not a role read from another app")
    ROLE_SOURCES[role] = RoleSource(annotations, holds)
    _annotated.clear()
    _compiled.clear()


def check_roles_registered(app_configs=None, **kwargs) -> list[checks.Error]:
    """A system check: a role nobody registered would silently be held by no one."""
    owners = {
        "is_candidate": "mentorscheme.scheme",
        "is_mentor": "mentorscheme.mentors",
    }
    return [
        checks.Error(
            f"The {role} role is read from nowhere: nobody would hold it.",
            hint=f"Install {app}; its AppConfig.ready registers the role.",
            id="members.E003",
        )
        for role, app in owners.items()
        if role not in ROLE_SOURCES
    ]


#: The members annotated with what the roles need, built once per process for the
#: roles registered (building the subqueries costs more than running the query).
_annotated: dict[tuple[str, ...], object] = {}


def _members_with_roles():
    """Members with what the roles need: the same for every request (no date in it)."""
    registered = tuple(ROLE_SOURCES)
    members = _annotated.get(registered)
    if members is None:
        read_elsewhere = {}
        for source in ROLE_SOURCES.values():
            read_elsewhere |= source.annotations()
        members = _annotated[registered] = Member.objects.annotate(
            **read_elsewhere,
            roles_appointed=Exists(
                OfficerAppointment.objects.filter(member=OuterRef("pk"))
            ),
            roles_totp=Exists(
                Authenticator.objects.filter(
                    user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP
                )
            ),
        ).order_by()  # one member per account: nothing to sort
    return members


#: Queries every signed-in request runs, as the ORM compiles them: once a process
#: for each database and whatever else they are built from (``_compiled_for``).
_compiled: dict[tuple, tuple[str, tuple, int]] = {}

#: Stands for the id a compiled query is run for while it is compiled.
_ANY_ID = -20_260_001


def _compiled_for(key: tuple, model, build: Callable[[int], QuerySet], id_: int):
    """The database, SQL and parameters of the queryset ``build(id_)`` of ``model``,
    compiled by the ORM once for ``key`` (with ``_ANY_ID`` for ``id_``) and then only
    given ``id_``: compiling the roles query (five tables, four subqueries) took
    longer than running it, on every signed-in request."""
    db = router.db_for_read(model)
    key = (*key, db, connections[db].vendor)
    compiled = _compiled.get(key)
    if compiled is None:
        if len(_compiled) > 100:  # keys of days gone by
            _compiled.clear()
        sql, params = build(_ANY_ID).query.get_compiler(using=db).as_sql()
        compiled = _compiled[key] = (sql, tuple(params), params.index(_ANY_ID))
    sql, params, at = compiled
    return db, sql, [*params[:at], id_, *params[at + 1 :]]


def _member_with_roles(user_id: int) -> Member | None:
    """The account's member record annotated as ``_members_with_roles``, or None."""
    db, sql, params = _compiled_for(
        ("roles", *ROLE_SOURCES),
        Member,
        lambda user_id: _members_with_roles().filter(user_id=user_id)[:1],
        user_id,
    )
    return next(iter(Member.objects.using(db).raw(sql, params)), None)


def _offices_held(member_id: int, today: datetime.date) -> list[tuple[int, str]]:
    """The regions and roles of the member's appointments in office today."""
    db, sql, params = _compiled_for(
        ("offices", today),
        OfficerAppointment,
        lambda member_id: OfficerAppointment.objects.filter(
            in_office(today), member_id=member_id
        ).values_list("region_id", "role"),
        member_id,
    )
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _compute_roles(user, today: datetime.date) -> Roles:
    """The member record with what the roles need, in one query."""
    member = _member_with_roles(user.pk)
    if member is None:
        return Roles(is_staff=user.is_staff)
    # Raw rows carry the database's own values (SQLite's booleans are 0 and 1).
    has_totp = bool(member.roles_totp)
    if not member.is_current:
        return Roles(member=member, is_staff=user.is_staff, has_totp=has_totp)
    # Appointments are read only by those who hold one.
    held = _offices_held(member.pk, today) if member.roles_appointed else []
    return Roles(
        member=member,
        is_staff=user.is_staff,
        **{role: source.holds(member) for role, source in ROLE_SOURCES.items()},
        officer_region_ids=frozenset(region for region, _ in held),
        mentor_side_region_ids=frozenset(
            region for region, role in held if role in SIDE_ROLES[MENTORS]
        ),
        candidate_side_region_ids=frozenset(
            region for region, role in held if role in SIDE_ROLES[CANDIDATES]
        ),
        has_totp=has_totp,
    )


def requires_two_factor(roles: Roles) -> bool:
    return roles.is_staff or roles.is_officer


def can_act_in_region(roles: Roles, region_id: int) -> bool:
    return roles.is_staff or region_id in roles.officer_region_ids


def regions_to_act_in(roles: Roles):
    """The active regions this person may act in: every one for staff, else those
    where they hold an office."""
    regions = Region.objects.filter(is_active=True)
    if roles.is_staff:
        return regions
    return regions.filter(pk__in=roles.officer_region_ids)


def is_party(roles: Roles, *member_ids: int) -> bool:
    return roles.member is not None and roles.member.pk in member_ids


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def can_browse_register(roles: Roles) -> bool:
    return roles.is_staff or roles.is_officer


def visible_members(roles: Roles):
    """The members this person may look up in the register."""
    if roles.is_staff:
        return Member.objects.all()
    if roles.is_officer:
        return Member.objects.filter(region_id__in=roles.officer_region_ids)
    if roles.member is not None:
        return Member.objects.filter(pk=roles.member.pk)
    return Member.objects.none()


def get_member_or_404(roles: Roles, member_id: int) -> Member:
    try:
        return (
            visible_members(roles)
            .select_related("region", "organisation__organisation_type", "line_manager")
            .get(pk=member_id)
        )
    except Member.DoesNotExist:
        raise Http404("No such member") from None
