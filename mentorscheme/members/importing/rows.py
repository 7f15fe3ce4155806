"""What every import shares: a row being checked, what the import found, batches."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from mentorscheme.members import register
from mentorscheme.members.importing.reading import CONTROL, ImportKind, Record
from mentorscheme.members.models import Level

BATCH_SIZE = 2000
CHECK_PROGRESS_EVERY = 5000

#: Told (stage, done, total) as an import goes along.
Progress = Callable[[str, int, int], None]


def quiet(stage: str, done: int, total: int) -> None:
    return None


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
    #: Once a members file is applied: (member id, line manager id) of each
    #: line-manager link it made or changed. Not kept with the result.
    line_manager_links: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    @property
    def kind_label(self) -> str:
        return ImportKind(self.kind).label

    def as_json(self) -> dict:
        return asdict(self) | {"line_manager_links": []}

    @classmethod
    def from_json(cls, data: dict) -> "ImportResult":
        rejections = [
            Rejection(r["line"], r["membership_number"], tuple(r["reasons"]))
            for r in data.get("rejections", ())
        ]
        return cls(**{**data, "rejections": rejections})


class Row:
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

    def __init__(self, record: Record):
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
        return Rejection(self.line, CONTROL.sub("", number), tuple(self.reasons))


def reject_repeats(rows: Iterable[Row], key, describe) -> None:
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


def lines(rows: list[Row]) -> str:
    return ", ".join(str(row.line) for row in rows)


def batches(items: list, size: int = BATCH_SIZE):
    for start in range(0, len(items), size):
        yield start, items[start : start + size]
