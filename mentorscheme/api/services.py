"""Writes for the API: integration tokens, and the register kept in step by sync.

The membership database owns who is a member and who holds which level; it keeps this
register in step through ``member_upsert`` and ``award_upsert``, which check a record
the way the register import does (codes, dates, references) and say what is wrong in
plain words.
"""

import datetime
import hashlib
import hmac
import re
import secrets
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorscheme.api import access
from mentorscheme.api.models import IntegrationToken, Scope
from mentorscheme.audit import services as audit
from mentorscheme.audit.models import AuditAction
from mentorscheme.locking import lock_first
from mentorscheme.members import register
from mentorscheme.members.models import Member, Organisation, RegistrationAward
from mentorscheme.oversight import figures

TOKEN_PATTERN = re.compile(r"ms_([a-z0-9]{12})_([A-Za-z0-9_-]{43})\Z")
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class RegisterError(Exception):
    """A record the register cannot take; ``reasons`` say why, one per problem."""

    def __init__(self, reasons: list[str], *, status: int = 422):
        self.reasons = reasons
        self.status = status
        super().__init__(" ".join(reasons))


# -- tokens ------------------------------------------------------------------------


class TokenRefused(Exception):
    """The person may not make this token; the text says why, in plain words."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, name: str, scopes: list[str], created_by
) -> tuple[IntegrationToken, str]:
    """A new token and its plain text, which is shown once and never stored. A
    token that may rewrite the register needs a permission of its maker
    (``access.may_give_scopes``)."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValueError(f"Unknown or missing scopes: {sorted(unknown)}")
    if not access.may_give_scopes(created_by, scopes):
        raise TokenRefused(access.REGISTER_SCOPE_REFUSED)
    prefix = secrets.token_hex(6)
    plain = f"ms_{prefix}_{secrets.token_urlsafe(32)}"
    token = IntegrationToken.objects.create(
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash(plain),
        scopes=[s for s in Scope.values if s in scopes],
        created_by=created_by,
    )
    audit.record(
        actor=created_by,
        action=AuditAction.API_TOKEN_CREATED,
        target=token,
        details={"scopes": token.scopes},
    )
    return token, plain


@transaction.atomic
def token_revoke(*, token: IntegrationToken, by) -> IntegrationToken:
    revoked = IntegrationToken.objects.filter(
        pk=token.pk, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    token.refresh_from_db()
    if revoked:
        audit.record(actor=by, action=AuditAction.API_TOKEN_REVOKED, target=token)
    return token


def token_authenticate(plain: str) -> IntegrationToken | None:
    """The active token this text is, or None. Records when it was last used."""
    match = TOKEN_PATTERN.match(plain.strip())
    if match is None:
        return None
    token = IntegrationToken.objects.filter(
        prefix=match[1], revoked_at__isnull=True
    ).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(plain)):
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# -- the register ------------------------------------------------------------------


@dataclass(frozen=True)
class MemberData:
    first_name: str
    last_name: str
    email: str
    region: str
    membership_status: str
    job_title: str = ""
    organisation: str = ""
    organisation_type: str = ""
    line_manager: str = ""


def _refuse(reasons: list[str], *, status: int = 422) -> RegisterError:
    return RegisterError(
        [register.sentence(reason) for reason in reasons], status=status
    )


@transaction.atomic
def member_upsert(*, membership_number: str, data: MemberData) -> tuple[Member, bool]:
    """Create or update the member with this number; True when created. The record is
    checked as the register import checks a row (``members.register``)."""
    values = asdict(data)
    known = register.Register.for_member(values)
    checked = register.check_member(values, number=membership_number, register=known)
    if checked.reasons:
        raise _refuse(checked.reasons, status=409 if checked.email_held_by else 422)
    record = checked.record
    member = lock_first(Member.objects.filter(membership_number=membership_number))
    created = member is None
    member = member or Member(membership_number=membership_number)
    member.first_name, member.last_name = record.first_name, record.last_name
    member.email = record.email
    member.region_id = record.region_id
    member.job_title = record.job_title
    member.membership_status = record.membership_status
    member.line_manager = (
        Member.objects.get(membership_number=record.line_manager)
        if record.line_manager
        else None
    )
    try:
        with transaction.atomic():
            member.organisation = _organisation(record, known)
            member.save()
            # A new region or membership moves their part of the dashboard's figures.
            figures.members_changed(member_ids=[member.pk])
    except IntegrityError:
        raise RegisterError(
            ["The register changed at the same moment; send the member again."],
            status=409,
        ) from None
    return member, created


def _organisation(record, known: register.Register) -> Organisation | None:
    if not record.organisation:
        return None
    pk = known.known_organisation(record)
    if pk is not None:
        return Organisation.objects.get(pk=pk)
    organisation = known.new_organisation(record)
    organisation.save()
    return organisation


@dataclass(frozen=True)
class AwardData:
    awarded_on: datetime.date
    last_revalidated_on: datetime.date | None = None
    removed_on: datetime.date | None = None


@transaction.atomic
def award_upsert(
    *, membership_number: str, level_code: str, data: AwardData
) -> tuple[RegistrationAward, bool]:
    """Create or update a member's award at one level; True when created."""
    member = Member.objects.filter(membership_number=membership_number).first()
    if member is None:
        raise RegisterError(
            [f"Member {membership_number} is not on the register: send them first."],
            status=404,
        )
    checked = register.check_award(
        {
            "level": level_code,
            "awarded_on": data.awarded_on.isoformat(),
            "last_revalidated_on": _iso(data.last_revalidated_on),
            "removed_on": _iso(data.removed_on),
        },
        levels=register.levels_by_code(),
        today=timezone.localdate(),
    )
    if checked.reasons:
        raise _refuse(checked.reasons)
    level = checked.level
    try:
        with transaction.atomic():
            award, created = RegistrationAward.objects.update_or_create(
                member=member,
                level=level,
                defaults={
                    "awarded_on": data.awarded_on,
                    "last_revalidated_on": data.last_revalidated_on,
                    "removed_on": data.removed_on,
                },
            )
    except IntegrityError:
        raise RegisterError(
            ["The register changed at the same moment; send the award again."],
            status=409,
        ) from None
    return award, created


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""
