"""A registration awards file: each row checked (``members.register``), then awards
upserted by member and level."""

from django.utils import timezone

from mentorscheme.members import register
from mentorscheme.members.importing.reading import Record
from mentorscheme.members.importing.rows import (
    CHECK_PROGRESS_EVERY,
    Progress,
    Row,
    batches,
    reject_repeats,
)
from mentorscheme.members.importing.writing import bulk_insert, bulk_update
from mentorscheme.members.models import Member, RegistrationAward

_AWARD_FIELDS = ("awarded_on", "last_revalidated_on", "removed_on")


class AwardImport:
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

    def check(self, records: list[Record]) -> list[Row]:
        rows = []
        for done, record in enumerate(records, 1):
            rows.append(self._check_row(record))
            if done % CHECK_PROGRESS_EVERY == 0 or done == len(records):
                self.progress("checking rows", done, len(records))
        reject_repeats(
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

    def _check_row(self, record: Record) -> Row:
        row = Row(record)
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

    def _key(self, row: Row) -> tuple[int, int]:
        return (self.member_pks[row.number], row.level.pk)

    def classify(self, row: Row) -> str:
        existing = self.existing.get(self._key(row))
        if existing is None:
            return "created"
        return "unchanged" if existing[1:] == row.dates else "updated"

    def apply(self, rows: list[Row], kinds: dict[int, str]) -> int:
        new = [row for row in rows if kinds[row.line] == "created"]
        for start, batch in batches(new):
            bulk_insert(
                RegistrationAward,
                ["member", "level", *_AWARD_FIELDS],
                [(*self._key(row), *row.dates) for row in batch],
            )
            self.progress("creating awards", start + len(batch), len(new))
        changed = [row for row in rows if kinds[row.line] == "updated"]
        for start, batch in batches(changed):
            bulk_update(
                RegistrationAward,
                _AWARD_FIELDS,
                [(self.existing[self._key(row)][0], *row.dates) for row in batch],
            )
            self.progress("updating awards", start + len(batch), len(changed))
        return 0
