"""Import of the member register from the membership database's CSV exports.

The membership database is the source of who holds which level, so staff import two
kinds of UTF-8 CSV file with a header row: *members* (upserted by membership number)
and *registration awards* (upserted by membership number and level).

Every row is checked before anything is written (a member or an award the way the
API's sync checks one, by ``members.register``), and every bad row is reported with
its line number and a plain-English reason. Nothing is written when any row is bad,
unless the caller asks for the good rows to be applied. Applying is one transaction
of batched bulk inserts and updates; the register is read into dictionaries once, so
the number of queries grows with the number of batches, not of rows. Rows never
delete anything: a member or award missing from the file is left as it is.
"""

import csv
import io
import re
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, ForeignKey, TextChoices
from django.utils import timezone

from mentorscheme.members import register
from mentorscheme.members.models import (
    Level,
    Member,
    Organisation,
    RegistrationAward,
)

BATCH_SIZE = 2000
MAX_WAVES = 50  # of new members created before their reports (see _waves)
CHECK_PROGRESS_EVERY = 5000

Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


class ImportKind(TextChoices):
    MEMBERS = "members", "Members"
    AWARDS = "awards", "Registration awards"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str


MEMBER_COLUMNS = (
    Column(
        "membership_number", True, "The member's number in the membership database."
    ),
    Column("first_name", True, "Up to 100 characters."),
    Column("last_name", True, "Up to 100 characters."),
    Column("email", True, "No two members may share an email address."),
    Column("region", True, "The region's code, for example london."),
    Column(
        "organisation",
        False,
        "The employer's name. An organisation not yet on the register is created.",
    ),
    Column(
        "organisation_type",
        False,
        "The organisation type's code, for example public. Needed when an "
        "organisation is given.",
    ),
    Column("job_title", False, "Up to 200 characters."),
    Column(
        "line_manager",
        False,
        "The line manager's membership number: a member in this file (anywhere in "
        "it) or already on the register.",
    ),
    Column("membership_status", True, "current or lapsed."),
)

AWARD_COLUMNS = (
    Column("membership_number", True, "A member already on the register."),
    Column(
        "level", True, "The level's code: certification, chartership or fellowship."
    ),
    Column("awarded_on", True, "The date awarded, as YYYY-MM-DD."),
    Column("last_revalidated_on", False, "The date last revalidated, as YYYY-MM-DD."),
    Column("removed_on", False, "The date removed from the register, as YYYY-MM-DD."),
)

COLUMNS = {ImportKind.MEMBERS: MEMBER_COLUMNS, ImportKind.AWARDS: AWARD_COLUMNS}


def columns_help(width: int = 79) -> str:
    """The columns of both kinds of file, as plain text (for the command's help)."""
    lines = []
    for kind, columns in COLUMNS.items():
        lines.append(f"{kind.label} file columns:")
        for column in columns:
            need = "Required." if column.required else "May be empty."
            lines += textwrap.wrap(
                f"{column.name:<20} {column.description} {need}",
                width,
                initial_indent="  ",
                subsequent_indent=" " * 23,
            )
        lines.append("")
    return "\n".join(lines).rstrip()


@dataclass(frozen=True)
class Rejection:
    """A row that cannot be imported, with every reason found."""

    line: int
    membership_number: str
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    applied: bool = False
    dry_run: bool = False

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def kind_label(self) -> str:
        return ImportKind(self.kind).label

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "ImportResult":
        rejections = [
            Rejection(r["line"], r["membership_number"], tuple(r["reasons"]))
            for r in data.get("rejections", ())
        ]
        return cls(**{**data, "rejections": rejections})


class ImportRefused(Exception):
    """The file was not imported at all; the message says why, for staff."""


# -- reading the file ----------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _decode(data: bytes) -> str:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(
            "This is a spreadsheet workbook, not a CSV file. In your spreadsheet "
            "program, save it as “CSV UTF-8” and upload that file."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportRefused(
            "The file is saved as UTF-16 text. Save it as “CSV UTF-8” and try again."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ImportRefused(
            f"The file is not UTF-8 text: line {line} has a byte "
            f"(0x{data[error.start]:02X}) that is not valid UTF-8. Save the file as "
            "“CSV UTF-8” and try again."
        ) from None


def _header_name(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass(slots=True)  # a file may hold hundreds of thousands
class _Record:
    line: int
    values: dict[str, str]
    width_problem: str = ""
    may_hold_control: bool = True  # a control character may be in a value


def _read(text: str) -> tuple[list[str], list[_Record]]:
    """The header's column names and every non-blank record, with its first line."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    # Values are searched for control characters only when the file has one that is
    # not a line break, or the record spans lines (a line break inside a value).
    anywhere = bool(_CONTROL_BUT_LINE_BREAKS.search(text))
    last_line = 0  # where the record before the one being read ended
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise ImportRefused(
                "The file is empty: line 1 should be a header naming the columns."
            )
        names = [_header_name(cell) for cell in header]
        records, last_line = [], reader.line_num
        for cells in reader:
            if any(cell.strip() for cell in cells):
                record = _record(last_line + 1, names, cells)
                record.may_hold_control = anywhere or reader.line_num > record.line
                records.append(record)
            last_line = reader.line_num
    except csv.Error as error:
        raise ImportRefused(
            f"Line {last_line + 1} could not be read as CSV ({error}). Check "
            "the quotation marks on that line."
        ) from None
    return names, records


def _record(line: int, names: list[str], cells: list[str]) -> _Record:
    values = {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
    problem = ""
    extra = cells[len(names) :]
    if len(cells) < len(names) or any(cell.strip() for cell in extra):
        problem = (
            f"the row has {len(cells)} values but the header has {len(names)} columns"
        )
    return _Record(line, values, problem)


def _detect_kind(names: list[str], kind: str | None) -> ImportKind:
    if kind:
        return ImportKind(kind)
    present = set(names)
    if present & {"level", "awarded_on"}:
        return ImportKind.AWARDS
    if present & {"email", "first_name", "last_name", "region"}:
        return ImportKind.MEMBERS
    raise ImportRefused(
        "Line 1 should be a header naming the columns. A members file needs: "
        + ", ".join(c.name for c in MEMBER_COLUMNS)
        + ". An awards file needs: "
        + ", ".join(c.name for c in AWARD_COLUMNS)
        + "."
    )


def _check_header(names: list[str], kind: ImportKind) -> list[str]:
    """Refuse a header that lacks a column; return the columns that will be ignored."""
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise ImportRefused(
            f"Line 1 (the header) names the column {', '.join(repeated)} more than "
            "once."
        )
    expected = [column.name for column in COLUMNS[kind]]
    missing = [name for name in expected if name not in names]
    if missing:
        s = "s" if len(missing) > 1 else ""
        raise ImportRefused(
            f"Line 1 (the header) is missing the column{s} {', '.join(missing)}. "
            f"A {kind.label.lower()} file needs the columns: {', '.join(expected)}."
        )
    return [name for name in names if name and name not in expected]


# -- checking one row ----------------------------------------------------------


class _Row:
    """One record being checked: typed values out, every reason it is bad collected."""

    __slots__ = (
        "line",
        "values",
        "reasons",
        "may_hold_control",
        "number",
        "member",
        "level",
        "dates",
    )

    def __init__(self, record: _Record):
        self.line = record.line
        self.values = record.values
        self.reasons: list[str] = [record.width_problem] if record.width_problem else []
        self.may_hold_control = record.may_hold_control
        self.number = ""
        # What the row says, once checked (None when its columns are out of line).
        self.member: register.MemberRecord | None = None
        self.level: Level | None = None
        self.dates: tuple = ()

    @property
    def is_bad(self) -> bool:
        return bool(self.reasons)

    def reject(self, reason: str) -> None:
        self.reasons.append(reason)

    def rejection(self) -> Rejection:
        number = self.number or self.values.get("membership_number", "")[:20]
        return Rejection(self.line, _CONTROL.sub("", number), tuple(self.reasons))


def _reject_repeats(rows: Iterable[_Row], key, describe) -> None:
    """Reject every row whose key is shared with another row: we cannot tell which
    of them is right."""
    lines = defaultdict(list)
    for row in rows:
        if (k := key(row)) is not None:
            lines[k].append(row)
    for k, repeated in lines.items():
        if len(repeated) > 1:
            where = ", ".join(str(row.line) for row in repeated)
            for row in repeated:
                row.reject(describe(k, where))


def _lines(rows: list[_Row]) -> str:
    return ", ".join(str(row.line) for row in rows)


def _batches(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield start, items[start : start + size]


# Bulk writes. Django's bulk_create and bulk_update spend most of their time building
# and compiling SQL per object and per field (bulk_update's CASE expressions grow
# with the batch; bulk_create is held to 999 parameters a statement on SQLite), so
# 100,000 members took over a minute. These send plain rows instead: on PostgreSQL
# one statement per batch with a column of values per parameter (the UNNEST form
# Django itself uses for bulk_create there), elsewhere one statement run for each
# row (executemany). Only names quoted from the model go into the SQL text.


def _column(model_field, values: Iterable) -> list:
    """Values as the database takes them. Text and keys go as they are."""
    if isinstance(model_field, CharField | ForeignKey):
        return list(values)
    return [model_field.get_db_prep_save(value, connection) for value in values]


def _defaults(model_field, count: int) -> list:
    """A column the import does not set, filled as a new model instance would be:
    a unique field's default is worked out for each row, any other's once."""
    if model_field.unique:
        return _column(model_field, (model_field.get_default() for _ in range(count)))
    return _column(model_field, [model_field.get_default()]) * count


def _defaulted(model_field) -> bool:
    """Whether the insert must supply a default (rather than leave it to the
    database)."""
    return not (
        model_field.primary_key
        or model_field.generated
        or (model_field.has_db_default() and not model_field.has_default())
    )


def _bulk_insert(model, field_names: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows of values in the order of ``field_names``; the model's other
    columns get their defaults."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    values = zip(*rows, strict=True)
    columns = [_column(f, column) for f, column in zip(fields, values, strict=True)]
    for other in meta.concrete_fields:
        if other not in fields and _defaulted(other):
            fields.append(other)
            columns.append(_defaults(other, len(rows)))
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    insert = f"INSERT INTO {quote(meta.db_table)} ({names})"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            select = f"SELECT * FROM UNNEST({arrays})"  # noqa: S608
            cursor.execute(f"{insert} {select}", columns)
        else:
            values = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"{insert} VALUES ({values})", list(zip(*columns, strict=True))
            )


def _bulk_update(model, field_names: Sequence[str], rows: list[tuple]) -> None:
    """Set ``field_names`` from rows of ``(pk, value, ...)``."""
    if not rows:
        return
    meta = model._meta
    fields = [meta.get_field(name) for name in field_names]
    pks, *values = zip(*rows, strict=True)
    columns = [_column(f, column) for f, column in zip(fields, values, strict=True)]
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [f.db_type(connection) for f in fields]
            arrays = ", ".join(f"%s::{db_type}[]" for db_type in types)
            names = [f"v{i}" for i in range(len(fields))]
            assignments = ", ".join(
                f"{quote(f.column)} = new.{name}"
                for f, name in zip(fields, names, strict=True)
            )
            cursor.execute(
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM UNNEST(%s::{meta.pk.rel_db_type(connection)}[], {arrays}) "
                f"AS new(pk, {', '.join(names)}) WHERE {table}.{pk} = new.pk",
                [list(pks), *columns],
            )
        else:
            assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                list(zip(*columns, pks, strict=True)),
            )


def _member_pks(numbers: list[str]) -> Iterable[tuple[str, int]]:
    # SQLite before 3.32 takes at most 999 parameters a statement.
    for _, chunk in _batches(numbers, 900):
        members = Member.objects.filter(membership_number__in=chunk)
        yield from members.values_list("membership_number", "pk")


def _waves(new: list[_Row]) -> tuple[list[list[_Row]], list[_Row]]:
    """New members in waves, each one's line manager on the register already or in
    an earlier wave; and the rest: members in a circle of line managers, below one,
    or deeper than MAX_WAVES."""
    numbers = {row.number for row in new}
    waiting, wave = defaultdict(list), []
    for row in new:
        manager = row.member.line_manager
        (waiting[manager] if manager in numbers else wave).append(row)
    waves = []
    while wave and len(waves) < MAX_WAVES:
        waves.append(wave)
        wave = [report for row in wave for report in waiting.pop(row.number, ())]
    return waves, wave + [row for rows in waiting.values() for row in rows]


# -- members -------------------------------------------------------------------


_MEMBER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "region_id",
    "organisation_id",
    "job_title",
    "line_manager_id",
    "membership_status",
)


class _MemberImport:
    def __init__(self, progress: Progress):
        self.progress = progress
        #: Once applied: (member id, line manager id) of each link made or changed.
        self.line_manager_links: list[tuple[int, int]] = []
        self.existing = {
            row[1]: row
            for row in Member.objects.values_list(
                "pk", "membership_number", *_MEMBER_FIELDS
            )
        }
        self.number_by_pk = {row[0]: number for number, row in self.existing.items()}
        self.email_holder = {row[4].lower(): n for n, row in self.existing.items()}
        self.register = register.Register.whole(
            numbers=self.existing, email_holders=self.email_holder
        )

    # checking
    def check(self, records: list[_Record]) -> list[_Row]:
        rows = [_Row(record) for record in records]
        # A row whose columns are out of line: its values mean nothing.
        out_of_line = {id(row) for row in rows if row.is_bad}
        for row in rows:
            if id(row) not in out_of_line:
                row.number = register.check_number(
                    row.values.get("membership_number", ""),
                    row.reasons,
                    may_hold_control=row.may_hold_control,
                )
        in_file = {row.number for row in rows if row.number}
        for done, row in enumerate(rows, 1):
            if id(row) not in out_of_line:
                self._check_row(row, in_file)
            if done % CHECK_PROGRESS_EVERY == 0 or done == len(records):
                self.progress("checking rows", done, len(records))
        checked = [row for row in rows if row.member is not None]
        _reject_repeats(
            checked,
            lambda row: row.number or None,
            lambda n, where: (
                f"membership number {n} appears more than once in the "
                f"file (lines {where})"
            ),
        )
        _reject_repeats(
            checked,
            lambda row: row.member.email_key or None,
            lambda e, where: (
                f"email {e} is given to more than one member in the "
                f"file (lines {where})"
            ),
        )
        self._check_new_organisations([row for row in checked if not row.is_bad])
        self._check_references(rows)
        return rows

    def _check_row(self, row: _Row, in_file: set[str]) -> None:
        checked = register.check_member(
            row.values,
            number=row.number,
            register=self.register,
            in_file=in_file,
            may_hold_control=row.may_hold_control,
        )
        row.member = checked.record
        row.reasons += checked.reasons

    def _check_new_organisations(self, rows: list[_Row]) -> None:
        """An organisation new to the register is given with one type in the file."""
        first_seen: dict[str, _Row] = {}
        for row in rows:
            values = row.member
            if not values.organisation:
                continue
            key, type_id = values.organisation_key, values.organisation_type_id
            if key in self.register.organisations:
                continue  # register.check_member compared it with the register's
            first = first_seen.setdefault(key, row)
            if first.member.organisation_type_id != type_id:
                names = self.register.type_names
                row.reject(
                    f"organisation {register.shown(values.organisation)} is given "
                    f"as {names[first.member.organisation_type_id]} on line "
                    f"{first.line}, not {names[type_id]}"
                )

    def _check_references(self, rows: list[_Row]) -> None:
        """A line manager or an email that another row of the file has to free holds
        only if that row can be imported: reject, row by row, what relies on a bad
        row (and, in turn, what relies on that)."""
        in_file = defaultdict(list)
        for row in rows:
            if row.number:
                in_file[row.number].append(row)
        relying = defaultdict(list)  # number -> rows that need its row imported
        for row in rows:
            for number in self._references(row, in_file):
                relying[number].append(row)
        bad = [number for number, its in in_file.items() if its[0].is_bad]
        while bad:
            number = bad.pop()
            for row in relying.pop(number, ()):
                if not row.is_bad:
                    row.reject(self._relies_on_bad_row(row, number, in_file))
                    bad.append(row.number)

    def _references(self, row: _Row, in_file: dict) -> list[str]:
        """The numbers of the other rows this row relies on (register.check_member
        has rejected references that lead nowhere)."""
        if row.member is None:
            return []
        numbers = []
        manager = row.member.line_manager
        if manager and manager not in self.existing and manager in in_file:
            numbers.append(manager)
        holder = self.email_holder.get(row.member.email_key)
        if holder is not None and holder != row.number and holder in in_file:
            numbers.append(holder)
        return numbers

    def _relies_on_bad_row(self, row: _Row, number: str, in_file: dict) -> str:
        where = _lines(in_file[number])
        if row.member.line_manager == number:
            return f"line manager {number} is on line {where}, which cannot be imported"
        return (
            f"email {row.member.email_key} belongs to member {number} on the "
            f"register, whose row (line {where}) cannot be imported"
        )

    # counting
    def classify(self, row: _Row) -> str:
        existing = self.existing.get(row.number)
        if existing is None:
            return "created"
        return "unchanged" if self._same(existing, row.member) else "updated"

    def _same(self, existing: tuple, values: register.MemberRecord) -> bool:
        _, _, first, last, email, region_id, org_id, job, manager_id, status = existing
        organisation_id = self.register.known_organisation(values)
        if values.organisation and organisation_id is None:
            return False  # a new organisation
        return (first, last, email, region_id, job, status) == (
            values.first_name,
            values.last_name,
            values.email,
            values.region_id,
            values.job_title,
            values.membership_status,
        ) and (
            self.number_by_pk.get(manager_id, "") == values.line_manager
            and org_id == organisation_id
        )

    # applying
    def apply(self, rows: list[_Row], kinds: dict[int, str]) -> int:
        created_orgs = self._create_organisations(rows)
        changing = [row for row in rows if kinds[row.line] != "unchanged"]
        self._free_emails(changing)
        pks = {number: row[0] for number, row in self.existing.items()}
        new = [row for row in changing if kinds[row.line] == "created"]
        self._create_members(new, pks)
        updated = [
            (pks[row.number], *self._values(row, pks))
            for row in changing
            if kinds[row.line] == "updated"
        ]
        self._write(
            "updating members",
            updated,
            lambda batch: _bulk_update(Member, _MEMBER_FIELDS, batch),
        )
        self.line_manager_links = self._new_links(changing, pks)
        return created_orgs

    def _new_links(self, rows: list[_Row], pks: dict[str, int]) -> list[tuple]:
        """(member id, line manager id) of every line-manager link the file made or
        changed (a new member with a manager, or a member whose manager changed)."""
        links = []
        for row in rows:
            if not row.member.line_manager:
                continue
            before = self.existing.get(row.number)
            manager = pks[row.member.line_manager]
            if before is None or before[8] != manager:  # [8]: line_manager_id
                links.append((pks[row.number], manager))
        return links

    def _create_members(self, new: list[_Row], pks: dict[str, int]) -> None:
        """Create managers before the members they manage, so that most members are
        created with their line manager; link the rest afterwards."""
        waves, rest = _waves(new)
        done = 0
        for wave in [*waves, rest]:
            for _, batch in _batches(wave):
                _bulk_insert(
                    Member,
                    ["membership_number", *_MEMBER_FIELDS],
                    [(row.number, *self._values(row, pks)) for row in batch],
                )
                pks.update(_member_pks([row.number for row in batch]))
                done += len(batch)
                self.progress("creating members", done, len(new))
        late = [
            (pks[row.number], pks[row.member.line_manager])
            for row in rest
            if row.member.line_manager
        ]
        self._write(
            "linking line managers",
            late,
            lambda batch: _bulk_update(Member, ["line_manager"], batch),
        )

    def _write(self, stage: str, rows: list, write) -> None:
        for start, batch in _batches(rows):
            write(batch)
            self.progress(stage, start + len(batch), len(rows))

    def _create_organisations(self, rows: list[_Row]) -> int:
        known = self.register
        wanted: dict[tuple[str, int], Organisation] = {}
        for row in rows:
            values = row.member
            if values.organisation and known.known_organisation(values) is None:
                key = (values.organisation_key, values.organisation_type_id)
                if key not in wanted:
                    wanted[key] = known.new_organisation(values)
        created = Organisation.objects.bulk_create(
            wanted.values(), batch_size=BATCH_SIZE
        )
        for organisation, (key, type_id) in zip(created, wanted, strict=True):
            known.organisations.setdefault(key, {})[type_id] = organisation.pk
        return len(created)

    def _free_emails(self, rows: list[_Row]) -> None:
        """Park the old address of a member whose email another row takes over, so
        that swaps and hand-overs do not trip the unique constraint on the way."""
        pks = [self.existing[number][0] for number in self._displaced(rows)]
        parked = [(pk, f"parked-{pk}@import.invalid") for pk in pks]
        _bulk_update(Member, ["email"], parked)

    def _displaced(self, rows: list[_Row]) -> set[str]:
        displaced = set()
        for row in rows:
            holder = self.email_holder.get(row.member.email_key)
            if holder is not None and holder != row.number:
                displaced.add(holder)
        return displaced

    def _values(self, row: _Row, pks: dict[str, int]) -> tuple:
        """The row's values in the order of _MEMBER_FIELDS."""
        values = row.member
        return (
            values.first_name,
            values.last_name,
            values.email,
            values.region_id,
            self.register.known_organisation(values),
            values.job_title,
            pks.get(values.line_manager),
            values.membership_status,
        )


# -- registration awards -------------------------------------------------------

_AWARD_FIELDS = ("awarded_on", "last_revalidated_on", "removed_on")


class _AwardImport:
    def __init__(self, progress: Progress):
        self.progress = progress
        self.today = timezone.localdate()
        self.levels = register.levels_by_code()
        self.member_pks = dict(Member.objects.values_list("membership_number", "pk"))
        awards = RegistrationAward.objects.values_list(
            "pk", "member_id", "level_id", *_AWARD_FIELDS
        )
        self.existing = {
            (member_id, level_id): (pk, *dates)
            for pk, member_id, level_id, *dates in awards
        }

    def check(self, records: list[_Record]) -> list[_Row]:
        rows = []
        for done, record in enumerate(records, 1):
            rows.append(self._check_row(record))
            if done % CHECK_PROGRESS_EVERY == 0 or done == len(records):
                self.progress("checking rows", done, len(records))
        _reject_repeats(
            rows,
            lambda row: (
                (row.number, row.level.code) if row.number and row.level else None
            ),
            lambda key, where: (
                f"the {key[1]} award of member {key[0]} appears more "
                f"than once in the file (lines {where})"
            ),
        )
        return rows

    def _check_row(self, record: _Record) -> _Row:
        row = _Row(record)
        if row.is_bad:
            return row
        control = row.may_hold_control
        row.number = register.check_number(
            row.values.get("membership_number", ""),
            row.reasons,
            may_hold_control=control,
        )
        if row.number and row.number not in self.member_pks:
            row.reject(
                f"award for an unknown member {row.number}: import the member first"
            )
        checked = register.check_award(
            row.values,
            levels=self.levels,
            today=self.today,
            reasons=row.reasons,
            may_hold_control=control,
        )
        row.level, row.dates = checked.level, checked.dates
        return row

    def _key(self, row: _Row) -> tuple[int, int]:
        return (self.member_pks[row.number], row.level.pk)

    def classify(self, row: _Row) -> str:
        existing = self.existing.get(self._key(row))
        if existing is None:
            return "created"
        return "unchanged" if existing[1:] == row.dates else "updated"

    def apply(self, rows: list[_Row], kinds: dict[int, str]) -> int:
        new = [row for row in rows if kinds[row.line] == "created"]
        for start, batch in _batches(new):
            _bulk_insert(
                RegistrationAward,
                ["member", "level", *_AWARD_FIELDS],
                [(*self._key(row), *row.dates) for row in batch],
            )
            self.progress("creating awards", start + len(batch), len(new))
        changed = [row for row in rows if kinds[row.line] == "updated"]
        for start, batch in _batches(changed):
            _bulk_update(
                RegistrationAward,
                _AWARD_FIELDS,
                [(self.existing[self._key(row)][0], *row.dates) for row in batch],
            )
            self.progress("updating awards", start + len(batch), len(changed))
        return 0


_IMPORTS = {ImportKind.MEMBERS: _MemberImport, ImportKind.AWARDS: _AwardImport}


# -- the service ---------------------------------------------------------------


def preflight(*, data: bytes, kind: str | None = None) -> ImportKind:
    """What kind of file this is, from its encoding and header alone (fast, for a
    page to refuse a file that cannot be imported before queuing it). Raises
    ImportRefused as register_import would."""
    text = _decode(data)
    try:
        header = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)
    except csv.Error as error:
        raise ImportRefused(
            f"Line 1 could not be read as CSV ({error}). Check the quotation marks "
            "on that line."
        ) from None
    if header is None or not any(cell.strip() for cell in header):
        raise ImportRefused(
            "The file is empty: line 1 should be a header naming the columns."
        )
    names = [_header_name(cell) for cell in header]
    import_kind = _detect_kind(names, kind)
    _check_header(names, import_kind)
    return import_kind


def register_import(
    *,
    data: bytes,
    kind: str | None = None,
    apply_good_rows: bool = False,
    dry_run: bool = False,
    progress: Progress = _quiet,
) -> ImportResult:
    """Check a members or awards CSV file and, if every row is good, apply it.

    With ``apply_good_rows`` the good rows are applied even when some are bad; with
    ``dry_run`` nothing is written, whatever the rows. ``kind`` is worked out from
    the header when not given. Raises ImportRefused when the file cannot be read at
    all (encoding, CSV syntax, header).
    """
    names, records = _read(_decode(data))
    import_kind = _detect_kind(names, kind)
    result = ImportResult(
        kind=import_kind,
        rows=len(records),
        ignored_columns=_check_header(names, import_kind),
        dry_run=dry_run,
    )
    try:
        # The register is read, checked and written in one transaction, so that
        # what is written is what was checked.
        with transaction.atomic():
            _check_and_apply(result, records, apply_good_rows, progress)
    except IntegrityError:
        raise ImportRefused(
            "The register changed while the file was being imported, so nothing was "
            "changed. Please import the file again."
        ) from None
    return result


def _check_and_apply(
    result: ImportResult, records: list[_Record], apply_good_rows: bool, progress
) -> None:
    importer = _IMPORTS[result.kind](progress)
    rows = importer.check(records)
    good = [row for row in rows if not row.is_bad]
    result.rejections = [row.rejection() for row in rows if row.is_bad]
    kinds = {row.line: importer.classify(row) for row in good}
    for outcome in kinds.values():
        setattr(result, outcome, getattr(result, outcome) + 1)
    if result.dry_run or (result.rejections and not apply_good_rows):
        return
    result.organisations_created = importer.apply(good, kinds)
    result.applied = True
    # Work that follows from the register's new state goes here, in the same
    # transaction: for a members file, importer.line_manager_links lists each
    # (member id, line manager id) link the file made or changed.
    # Written around the models: names, regions and awards the directory ranks by.
    from mentorscheme.mentors import directory

    directory.note_change()
