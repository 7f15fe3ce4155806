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
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from mentorscheme.api.models import IntegrationToken, Scope
from mentorscheme.members.models import (
    Level,
    Member,
    MembershipStatus,
    Organisation,
    OrganisationType,
    Region,
    RegistrationAward,
)

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


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, name: str, scopes: list[str], created_by
) -> tuple[IntegrationToken, str]:
    """A new token and its plain text, which is shown once and never stored."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValueError(f"Unknown or missing scopes: {sorted(unknown)}")
    prefix = secrets.token_hex(6)
    plain = f"ms_{prefix}_{secrets.token_urlsafe(32)}"
    token = IntegrationToken.objects.create(
        name=name.strip(),
        prefix=prefix,
        secret_hash=_hash(plain),
        scopes=[s for s in Scope.values if s in scopes],
        created_by=created_by,
    )
    return token, plain


@transaction.atomic
def token_revoke(*, token: IntegrationToken) -> IntegrationToken:
    IntegrationToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db()
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


def _region(code: str, reasons: list[str]) -> Region | None:
    region = (
        Region.objects.select_related("merged_into").filter(code=code.lower()).first()
    )
    if region is None:
        reasons.append(f"Unknown region code {code!r}.")
    elif not region.is_active:
        successor = region.merged_into
        reasons.append(
            f"Region {code!r} has been merged into {successor.code!r}: use that code."
            if successor
            else f"Region {code!r} is no longer in use."
        )
        return None
    return region


def _organisation_type(data: MemberData, reasons: list[str]):
    if not data.organisation_type:
        if data.organisation:
            reasons.append("Give the organisation type with the organisation.")
        return None
    org_type = OrganisationType.objects.filter(
        code=data.organisation_type.lower()
    ).first()
    if org_type is None:
        reasons.append(f"Unknown organisation type code {data.organisation_type!r}.")
    return org_type


def _line_manager(data: MemberData, number: str, reasons: list[str]):
    if not data.line_manager:
        return None
    if data.line_manager == number:
        reasons.append("A member may not be their own line manager.")
        return None
    manager = Member.objects.filter(membership_number=data.line_manager).first()
    if manager is None:
        reasons.append(
            f"The line manager {data.line_manager!r} is not on the register: "
            "send them first."
        )
    return manager


def _check_member(data: MemberData, number: str):
    reasons: list[str] = []
    try:
        validate_email(data.email)
    except ValidationError:
        reasons.append(f"{data.email!r} is not a valid email address.")
    if data.membership_status not in MembershipStatus.values:
        reasons.append(
            "Membership status must be " + " or ".join(MembershipStatus.values) + "."
        )
    region = _region(data.region, reasons)
    org_type = _organisation_type(data, reasons)
    manager = _line_manager(data, number, reasons)
    if reasons:
        raise RegisterError(reasons)
    return region, org_type, manager


def _organisation(data: MemberData, org_type, region) -> Organisation | None:
    if not data.organisation:
        return None
    name = " ".join(data.organisation.split())
    existing = Organisation.objects.filter(
        name__iexact=name, organisation_type=org_type
    ).first()
    return existing or Organisation.objects.create(
        name=name, organisation_type=org_type, region=region
    )


@transaction.atomic
def member_upsert(*, membership_number: str, data: MemberData) -> tuple[Member, bool]:
    """Create or update the member with this number; True when created."""
    region, org_type, manager = _check_member(data, membership_number)
    holder = (
        Member.objects.filter(email__iexact=data.email)
        .exclude(membership_number=membership_number)
        .values_list("membership_number", flat=True)
        .first()
    )
    if holder:
        raise RegisterError(
            [f"The email address is already held by member {holder}."], status=409
        )
    member = (
        Member.objects.select_for_update(of=("self",))
        .filter(membership_number=membership_number)
        .first()
    )
    created = member is None
    member = member or Member(membership_number=membership_number)
    member.first_name, member.last_name = data.first_name, data.last_name
    member.email = data.email
    member.region = region
    member.organisation = _organisation(data, org_type, region)
    member.job_title = data.job_title
    member.line_manager = manager
    member.membership_status = data.membership_status
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise RegisterError(
            ["The register changed at the same moment; send the member again."],
            status=409,
        ) from None
    return member, created


@dataclass(frozen=True)
class AwardData:
    awarded_on: datetime.date
    last_revalidated_on: datetime.date | None = None
    removed_on: datetime.date | None = None


def _check_award_dates(data: AwardData, today: datetime.date) -> list[str]:
    reasons = []
    for label, day in (
        ("awarded", data.awarded_on),
        ("last revalidated", data.last_revalidated_on),
    ):
        if day and day > today:
            reasons.append(f"The {label} date {day} is in the future.")
    if data.last_revalidated_on and data.last_revalidated_on < data.awarded_on:
        reasons.append("The award was last revalidated before it was awarded.")
    if data.removed_on and data.removed_on < data.awarded_on:
        reasons.append("The award was removed before it was awarded.")
    return reasons


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
    reasons = _check_award_dates(data, timezone.localdate())
    level = Level.objects.filter(code=level_code.lower()).first()
    if level is None:
        codes = ", ".join(Level.objects.values_list("code", flat=True))
        reasons.insert(0, f"Unknown level code {level_code!r}: use one of {codes}.")
    if reasons:
        raise RegisterError(reasons)
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
