"""A members file: each row checked (``members.register``), then members upserted by
membership number, line managers before the members they manage."""

from collections import defaultdict

from mentorscheme.members import register
from mentorscheme.members.importing.reading import Record
from mentorscheme.members.importing.rows import (
    BATCH_SIZE,
    CHECK_PROGRESS_EVERY,
    Progress,
    Row,
    batches,
    lines,
    reject_repeats,
)
from mentorscheme.members.importing.writing import bulk_insert, bulk_update, member_pks
from mentorscheme.members.models import Member, Organisation

MAX_WAVES = 50  # of new members created before their reports (see waves)


def waves(new: list[Row]) -> tuple[list[list[Row]], list[Row]]:
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


class MemberImport:
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
    def check(self, records: list[Record]) -> list[Row]:
        rows = [Row(record) for record in records]
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
        reject_repeats(
            checked,
            lambda row: row.number or None,
            lambda n, where: (
                f"membership number {n} appears more than once in the "
                f"file (lines {where})"
            ),
        )
        reject_repeats(
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

    def _check_row(self, row: Row, in_file: set[str]) -> None:
        checked = register.check_member(
            row.values,
            number=row.number,
            register=self.register,
            in_file=in_file,
            may_hold_control=row.may_hold_control,
        )
        row.member = checked.record
        row.reasons += checked.reasons

    def _check_new_organisations(self, rows: list[Row]) -> None:
        """An organisation new to the register is given with one type in the file."""
        first_seen: dict[str, Row] = {}
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

    def _check_references(self, rows: list[Row]) -> None:
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

    def _references(self, row: Row, in_file: dict) -> list[str]:
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

    def _relies_on_bad_row(self, row: Row, number: str, in_file: dict) -> str:
        where = lines(in_file[number])
        if row.member.line_manager == number:
            return f"line manager {number} is on line {where}, which cannot be imported"
        return (
            f"email {row.member.email_key} belongs to member {number} on the "
            f"register, whose row (line {where}) cannot be imported"
        )

    # counting
    def classify(self, row: Row) -> str:
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
    def apply(self, rows: list[Row], kinds: dict[int, str]) -> int:
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
            lambda batch: bulk_update(Member, _MEMBER_FIELDS, batch),
        )
        self.line_manager_links = self._new_links(changing, pks)
        return created_orgs

    def _new_links(self, rows: list[Row], pks: dict[str, int]) -> list[tuple]:
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

    def _create_members(self, new: list[Row], pks: dict[str, int]) -> None:
        """Create managers before the members they manage, so that most members are
        created with their line manager; link the rest afterwards."""
        in_waves, rest = waves(new)
        done = 0
        for wave in [*in_waves, rest]:
            for _, batch in batches(wave):
                numbers = [row.number for row in batch]
                ids = bulk_insert(
                    Member,
                    ["membership_number", *_MEMBER_FIELDS],
                    [(row.number, *self._values(row, pks)) for row in batch],
                )
                pks.update(
                    member_pks(numbers)
                    if ids is None
                    else zip(numbers, ids, strict=True)
                )
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
            lambda batch: bulk_update(Member, ["line_manager"], batch),
        )

    def _write(self, stage: str, rows: list, write) -> None:
        for start, batch in batches(rows):
            write(batch)
            self.progress(stage, start + len(batch), len(rows))

    def _create_organisations(self, rows: list[Row]) -> int:
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

    def _free_emails(self, rows: list[Row]) -> None:
        """Park the old address of a member whose email another row takes over, so
        that swaps and hand-overs do not trip the unique constraint on the way."""
        pks = [self.existing[number][0] for number in self._displaced(rows)]
        parked = [(pk, f"parked-{pk}@import.invalid") for pk in pks]
        bulk_update(Member, ["email"], parked)

    def _displaced(self, rows: list[Row]) -> set[str]:
        displaced = set()
        for row in rows:
            holder = self.email_holder.get(row.member.email_key)
            if holder is not None and holder != row.number:
                displaced.add(holder)
        return displaced

    def _values(self, row: Row, pks: dict[str, int]) -> tuple:
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
