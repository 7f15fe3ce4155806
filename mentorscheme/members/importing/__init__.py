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

The package: ``reading`` (encoding, CSV, header), ``members`` and ``awards`` (checking
and applying each kind of file), ``rows`` (what they share) and ``writing`` (bulk
writes). ``register_import`` below is the one entry point.
"""

from django.db import IntegrityError, connection, transaction

from mentorscheme.members import changes
from mentorscheme.members.importing.awards import AwardImport
from mentorscheme.members.importing.members import MAX_WAVES, MemberImport
from mentorscheme.members.importing.reading import (
    AWARD_COLUMNS,
    COLUMNS,
    MEMBER_COLUMNS,
    Column,
    ImportKind,
    ImportRefused,
    Record,
    check_header,
    columns_help,
    decode,
    detect_kind,
    preflight,
    read,
)
from mentorscheme.members.importing.rows import ImportResult, Progress, Rejection, quiet

__all__ = [
    "AWARD_COLUMNS",
    "COLUMNS",
    "MAX_WAVES",
    "MEMBER_COLUMNS",
    "Column",
    "ImportKind",
    "ImportRefused",
    "ImportResult",
    "Rejection",
    "columns_help",
    "preflight",
    "register_import",
]

_IMPORTS = {ImportKind.MEMBERS: MemberImport, ImportKind.AWARDS: AwardImport}


def register_import(
    *,
    data: bytes,
    kind: str | None = None,
    apply_good_rows: bool = False,
    dry_run: bool = False,
    progress: Progress = quiet,
) -> ImportResult:
    """Check a members or awards CSV file and, if every row is good, apply it.

    With ``apply_good_rows`` the good rows are applied even when some are bad; with
    ``dry_run`` nothing is written, whatever the rows. ``kind`` is worked out from
    the header when not given. Raises ImportRefused when the file cannot be read at
    all (encoding, CSV syntax, header).
    """
    names, records = read(decode(data))
    import_kind = detect_kind(names, kind)
    result = ImportResult(
        kind=import_kind,
        rows=len(records),
        ignored_columns=check_header(names, import_kind),
        dry_run=dry_run,
    )
    try:
        # The register is read, checked and written in one transaction, so that
        # what is written is what was checked.
        with transaction.atomic():
            _plan_each_query_afresh()
            _check_and_apply(result, records, apply_good_rows, progress)
    except IntegrityError:
        raise ImportRefused(
            "The register changed while the file was being imported, so nothing was "
            "changed. Please import the file again."
        ) from None
    return result


def _plan_each_query_afresh() -> None:
    """On PostgreSQL with prepared statements (``DB_PREPARED_STATEMENTS``), the
    import's queries are planned for their own values until its transaction ends.
    It looks up a thousand rows at a time in tables it is filling: a plan kept from
    the first batches, made while a table was nearly empty, scans the whole table
    for every later batch (about 1 s each at 100,000 members, instead of a few ms)."""
    if connection.vendor == "postgresql" and connection.settings_dict["OPTIONS"].get(
        "prepare_threshold"
    ):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")


def _check_and_apply(
    result: ImportResult, records: list[Record], apply_good_rows: bool, progress
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
    result.line_manager_links = getattr(importer, "line_manager_links", [])
    # Work that follows from the register's new state goes here, in the same
    # transaction (result.line_manager_links: each link the file made or changed).
    # Written around the models: names, regions and awards the directory ranks by.
    changes.import_written()
