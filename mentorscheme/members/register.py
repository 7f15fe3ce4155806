"""What makes a member record or a registration award one the register can take.

Two sources keep the register in step with the membership database: the CSV import
(``members.importing``, a whole file at a time) and the API's sync
(``api.services``, one record at a time). Both check a record here, so they can
never disagree about what is valid; each only adds what is its own (a file's rows
refer to each other; the API answers with an HTTP status).

A record is checked against a ``Register``: the codes, organisations and members it
may refer to. The import loads the whole register once; the API loads only what
one record names. Reasons are plain English, one per problem, written as clauses
("unknown region code "x"") for a list of rejected rows; ``sentence`` turns one
into a sentence.
"""

import datetime
import functools
import re
from collections.abc import Collection, Container, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from mentorscheme.members.models import (
    Level,
    Member,
    MembershipStatus,
    Organisation,
    OrganisationType,
    Region,
)

#: A membership number: up to 20 letters, digits, hyphens, full stops or slashes.
MEMBERSHIP_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,19}", re.ASCII)
NAME_MAX, EMAIL_MAX, ORGANISATION_MAX, JOB_TITLE_MAX = 100, 254, 200, 200

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SHOWN_MAX = 40
# Addresses of this common shape are valid to Django's EmailValidator too; it is
# asked only about the others (it is the slowest check of an imported row).
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    re.ASCII,
)
_STATUSES = tuple(MembershipStatus.values)


def shown(value: str) -> str:
    """A value as quoted in a reason: control characters dropped, long ones cut."""
    value = _CONTROL.sub("", value)
    if len(value) > _SHOWN_MAX:
        value = value[: _SHOWN_MAX - 1] + "…"
    return f'"{value}"'


def sentence(reason: str) -> str:
    """A reason as a sentence of its own."""
    return reason[:1].upper() + reason[1:] + "."


def _label(column: str) -> str:
    return column.replace("_", " ")


@functools.lru_cache(maxsize=4096)
def organisation_key(name: str) -> str:
    """Names that differ only in case and spacing are the same organisation's."""
    return " ".join(name.split()).casefold()


@dataclass
class Register:
    """What records are checked against. ``organisations`` maps a name's key to
    {organisation type id: organisation id}; ``numbers`` holds the membership
    numbers on the register and ``email_holders`` each address (lower case) with
    its member's number."""

    regions: dict[str, Region]
    organisation_types: dict[str, OrganisationType]
    organisations: dict[str, dict[int, int]]
    numbers: Container[str]
    email_holders: Mapping[str, str]
    type_names: dict[int, str] = field(init=False)

    def __post_init__(self):
        self.type_names = {t.pk: t.name for t in self.organisation_types.values()}

    @classmethod
    def whole(cls, *, numbers: Container[str], email_holders: Mapping[str, str]):
        """Every code and organisation, with the members the caller has read."""
        return cls(
            regions={
                region.code: region
                for region in Region.objects.select_related("merged_into")
            },
            organisation_types=_organisation_types(),
            organisations=_organisations(Organisation.objects.all()),
            numbers=numbers,
            email_holders=email_holders,
        )

    @classmethod
    def for_member(cls, values: Mapping[str, str]) -> "Register":
        """Just what one member record names (a handful of queries)."""
        region_code = values.get("region", "").lower()
        manager = values.get("line_manager", "")
        email = values.get("email", "")
        name = " ".join(values.get("organisation", "").split())
        holders = Member.objects.filter(email__iexact=email).values_list(
            "email", "membership_number"
        )
        return cls(
            regions={
                region.code: region
                for region in Region.objects.select_related("merged_into").filter(
                    code=region_code
                )
            },
            organisation_types=_organisation_types(),
            # iexact finds the names a key can match (they are stored with single
            # spaces); the key then decides, as for a whole file.
            organisations=_organisations(
                Organisation.objects.filter(name__iexact=name)
                if name
                else Organisation.objects.none()
            ),
            numbers=set(
                Member.objects.filter(membership_number=manager).values_list(
                    "membership_number", flat=True
                )
            ),
            email_holders={e.lower(): number for e, number in holders},
        )

    def known_organisation(self, record: "MemberRecord") -> int | None:
        """The organisation on the register that a record names, if any."""
        if not record.organisation:
            return None
        return self.organisations.get(record.organisation_key, {}).get(
            record.organisation_type_id
        )

    def new_organisation(self, record: "MemberRecord") -> Organisation:
        """The organisation a record names that is not on the register yet (unsaved);
        it is in the region of the member who first named it."""
        return Organisation(
            name=" ".join(record.organisation.split()),
            organisation_type_id=record.organisation_type_id,
            region_id=record.region_id,
        )


def _organisation_types() -> dict[str, OrganisationType]:
    return {t.code: t for t in OrganisationType.objects.all()}


def _organisations(organisations) -> dict[str, dict[int, int]]:
    """Each name's organisations by type; where a name and type are on the register
    twice, the older organisation is the one used."""
    found: dict[str, dict[int, int]] = {}
    rows = organisations.order_by("-pk").values_list(
        "pk", "name", "organisation_type_id"
    )
    for pk, name, type_id in rows:
        found.setdefault(organisation_key(name), {})[type_id] = pk
    return found


@dataclass(slots=True)
class MemberRecord:
    """A member as a source gives them, checked, with codes resolved to ids."""

    first_name: str
    last_name: str
    email: str
    region_id: int | None
    organisation: str  # the name as given; "" for none
    organisation_type_id: int | None
    job_title: str
    line_manager: str  # a membership number; "" for none
    membership_status: str
    email_key: str = field(init=False)
    organisation_key: str = field(init=False)

    def __post_init__(self):
        self.email_key = self.email.lower()
        self.organisation_key = organisation_key(self.organisation)


class _Reader:
    """Reads text values, collecting every reason a value is bad."""

    __slots__ = ("values", "reasons", "may_hold_control")

    def __init__(self, values: Mapping[str, str], reasons: list[str], control: bool):
        self.values, self.reasons, self.may_hold_control = values, reasons, control

    def text(self, column: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.values.get(column) or ""
        if not value:
            if required:
                self.reasons.append(f"{_label(column)} is missing")
            return ""
        if self.may_hold_control and _CONTROL.search(value):
            self.reasons.append(
                f"{_label(column)} contains a control character (such as a tab, "
                "line break or null)"
            )
            return ""
        if max_length and len(value) > max_length:
            self.reasons.append(
                f"{_label(column)} is longer than {max_length} characters"
            )
            return ""
        return value

    def membership_number(self, column: str, *, required: bool = False) -> str:
        value = self.text(column, required=required)
        if value and not MEMBERSHIP_NUMBER.fullmatch(value):
            self.reasons.append(
                f"{_label(column)} {shown(value)} is not a valid membership number "
                "(up to 20 letters, digits, hyphens, full stops or slashes)"
            )
            return ""
        return value

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.text(column, required=required)
        if not value:
            return None
        if not _DATE.fullmatch(value):
            self.reasons.append(
                f"{_label(column)} {shown(value)} is not a date in YYYY-MM-DD form"
            )
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.reasons.append(f"{_label(column)} {shown(value)} is not a real date")
            return None


def check_number(
    value: str, reasons: list[str], *, may_hold_control: bool = True
) -> str:
    """A membership number, or "" with the reason it is not one."""
    reader = _Reader({"membership_number": value}, reasons, may_hold_control)
    return reader.membership_number("membership_number", required=True)


@dataclass
class MemberCheck:
    record: MemberRecord
    reasons: list[str]
    #: The member whose email address the record gives, when that is its only
    #: conflict with the register (the API answers 409 Conflict to that).
    email_held_by: str = ""


def check_member(
    values: Mapping[str, str],
    *,
    number: str,
    register: Register,
    in_file: Collection[str] | None = None,
    may_hold_control: bool = True,
) -> MemberCheck:
    """Check a member record (text values by column name) for member ``number``.

    ``in_file``: the membership numbers of a file being imported with it. A line
    manager, or the holder of the email address given, may be one of those (the
    import then checks that their row is imported too).
    """
    reasons: list[str] = []
    reader = _Reader(values, reasons, may_hold_control)
    record = MemberRecord(
        first_name=reader.text("first_name", required=True, max_length=NAME_MAX),
        last_name=reader.text("last_name", required=True, max_length=NAME_MAX),
        email=_email(reader),
        region_id=_region(reader, register),
        organisation=reader.text("organisation", max_length=ORGANISATION_MAX),
        organisation_type_id=_organisation_type(reader, register),
        job_title=reader.text("job_title", max_length=JOB_TITLE_MAX),
        line_manager=reader.membership_number("line_manager"),
        membership_status=_status(reader),
    )
    _check_organisation(record, register, reasons)
    manager = record.line_manager
    if manager and manager == number:
        reasons.append("a member may not be their own line manager")
    elif manager and manager not in register.numbers:
        # Where to find them, said as the source would: a file may hold them too.
        if in_file is None:
            reasons.append(
                f"line manager {shown(manager)} is not on the register: send them first"
            )
        elif manager not in in_file:
            reasons.append(
                f"line manager {shown(manager)} is not on the register: "
                "they must be in this file or already on the register"
            )
    holder = register.email_holders.get(record.email_key)
    email_held_by = ""
    elsewhere = in_file is None or holder not in in_file
    if record.email and holder is not None and holder != number and elsewhere:
        email_held_by = "" if reasons else holder
        reasons.append(f"email {record.email_key} already belongs to member {holder}")
    return MemberCheck(record, reasons, email_held_by)


def _email(reader: _Reader) -> str:
    email = reader.text("email", required=True, max_length=EMAIL_MAX)
    if email and not _PLAIN_EMAIL.fullmatch(email):
        try:
            validate_email(email)
        except ValidationError:
            reader.reasons.append(f"email {shown(email)} is not a valid email address")
            return ""
    return email


def _region(reader: _Reader, register: Register) -> int | None:
    code = reader.text("region", required=True)
    if not code:
        return None
    region = register.regions.get(code.lower())
    if region is None:
        reader.reasons.append(f"unknown region code {shown(code)}")
        return None
    if not region.is_active:
        successor = region.merged_into
        reader.reasons.append(
            f"region {shown(code)} has been merged into "
            f'"{successor.code}": use that code'
            if successor
            else f"region {shown(code)} is no longer in use"
        )
        return None
    return region.pk


def _organisation_type(reader: _Reader, register: Register) -> int | None:
    code = reader.text("organisation_type")
    if not code:
        if reader.values.get("organisation"):
            reader.reasons.append(
                "organisation type is missing (it is needed with an organisation)"
            )
        return None
    org_type = register.organisation_types.get(code.lower())
    if org_type is None:
        reader.reasons.append(f"unknown organisation type code {shown(code)}")
        return None
    return org_type.pk


def _check_organisation(
    record: MemberRecord, register: Register, reasons: list[str]
) -> None:
    """An organisation's name means one organisation, of one type."""
    type_id = record.organisation_type_id
    if not record.organisation or type_id is None:
        return
    known = register.organisations.get(record.organisation_key)
    if known and type_id not in known:
        on_register = " or ".join(register.type_names[t] for t in known)
        reasons.append(
            f"organisation {shown(record.organisation)} is on the register as "
            f"{on_register}, not {register.type_names[type_id]}"
        )


def _status(reader: _Reader) -> str:
    status = reader.text("membership_status", required=True).lower()
    if status and status not in _STATUSES:
        reader.reasons.append(
            f"membership status {shown(status)} is not valid: use "
            + " or ".join(_STATUSES)
        )
        return ""
    return status


# -- registration awards ---------------------------------------------------------


@dataclass
class AwardCheck:
    level: Level | None
    dates: tuple  # (awarded_on, last_revalidated_on, removed_on), None where absent
    reasons: list[str]


def check_award(
    values: Mapping[str, str],
    *,
    levels: Mapping[str, Level],
    today: datetime.date,
    reasons: list[str] | None = None,
    may_hold_control: bool = True,
) -> AwardCheck:
    """Check an award record (text values: level, awarded_on, last_revalidated_on,
    removed_on, dates as YYYY-MM-DD) against the levels by code."""
    reasons = [] if reasons is None else reasons
    reader = _Reader(values, reasons, may_hold_control)
    code = reader.text("level", required=True)
    level = levels.get(code.lower()) if code else None
    if code and level is None:
        reasons.append(
            f"unknown level code {shown(code)}: use "
            + ", ".join(sorted(levels, key=lambda c: levels[c].rank))
        )
    awarded = reader.date("awarded_on", required=True)
    revalidated = reader.date("last_revalidated_on")
    removed = reader.date("removed_on")
    for label, day in (("awarded", awarded), ("last revalidated", revalidated)):
        if day and day > today:
            reasons.append(f"{label} on {day} is in the future")
    if awarded and revalidated and revalidated < awarded:
        reasons.append(f"last revalidated on {revalidated}, before it was awarded")
    if awarded and removed and removed < awarded:
        reasons.append(f"removed on {removed}, before it was awarded on {awarded}")
    return AwardCheck(level, (awarded, revalidated, removed), reasons)


def levels_by_code() -> dict[str, Level]:
    return {level.code: level for level in Level.objects.all()}
