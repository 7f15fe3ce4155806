"""Reading a file: its encoding, its CSV records, its header and what kind it is."""

import csv
import io
import re
import textwrap
from dataclasses import dataclass

from django.db.models import TextChoices


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


class ImportRefused(Exception):
    """The file was not imported at all; the message says why, for staff."""


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes) -> str:
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


def header_name(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


@dataclass(slots=True)  # a file may hold hundreds of thousands
class Record:
    line: int
    values: dict[str, str]
    width_problem: str = ""
    may_hold_control: bool = True  # a control character may be in a value


def read(text: str) -> tuple[list[str], list[Record]]:
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
        names = [header_name(cell) for cell in header]
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


def _record(line: int, names: list[str], cells: list[str]) -> Record:
    values = {name: cell.strip() for name, cell in zip(names, cells, strict=False)}
    problem = ""
    extra = cells[len(names) :]
    if len(cells) < len(names) or any(cell.strip() for cell in extra):
        problem = (
            f"the row has {len(cells)} values but the header has {len(names)} columns"
        )
    return Record(line, values, problem)


def detect_kind(names: list[str], kind: str | None) -> ImportKind:
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


def check_header(names: list[str], kind: ImportKind) -> list[str]:
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


def preflight(*, data: bytes, kind: str | None = None) -> ImportKind:
    """What kind of file this is, from its encoding and header alone (fast, for a
    page to refuse a file that cannot be imported before queuing it). Raises
    ImportRefused as register_import would."""
    text = decode(data)
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
    names = [header_name(cell) for cell in header]
    import_kind = detect_kind(names, kind)
    check_header(names, import_kind)
    return import_kind
