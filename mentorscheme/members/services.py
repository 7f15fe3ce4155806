"""Writes to the member register. One transaction each, keyword-only arguments."""

import datetime
import logging
import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from mentorscheme.locking import lock_first, lock_row
from mentorscheme.members import importing, tasks
from mentorscheme.members.models import (
    ImportStatus,
    Member,
    MembershipStatus,
    RegisterImport,
    User,
)
from mentorscheme.notifications import emails

logger = logging.getLogger(__name__)


@transaction.atomic
def member_link_account(*, user: User) -> Member | None:
    """Link a verified sign-in account to the register entry with the same email."""
    member = lock_first(
        Member.objects.filter(email__iexact=user.email, user__isnull=True)
    )
    if member is None or Member.objects.filter(user=user).exists():
        return None
    member.user = user
    member.save(update_fields=["user"])
    return member


@transaction.atomic
def member_contact_update(
    *, member: Member, contact_email: str, contact_phone: str
) -> Member:
    """The contact details a matched mentor or candidate sees."""
    member = lock_row(Member, member.pk)
    member.contact_email = contact_email.strip().lower()
    member.contact_phone = contact_phone.strip()
    member.save(update_fields=["contact_email", "contact_phone"])
    return member


def lapse_grace_over_before(today: datetime.date) -> datetime.datetime:
    """A lapse first seen before this moment has had its whole grace period
    (settings.LAPSE_GRACE_DAYS) by ``today``."""
    day = today - datetime.timedelta(days=settings.LAPSE_GRACE_DAYS - 1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def membership_lapses_note() -> list[int]:
    """Record when each membership was first found not current, and forget it once
    current again (however the register changed: import, API, admin). The ids of
    the members newly found lapsed: each is claimed by a conditional UPDATE with
    this run's moment, so overlapping runs find each member once."""
    now = timezone.now()
    Member.objects.filter(
        membership_status=MembershipStatus.CURRENT, membership_lapsed_at__isnull=False
    ).update(membership_lapsed_at=None)
    # Named, not "not current", so that the index on the status finds the few.
    not_current = Member.objects.filter(membership_status__in=_NOT_CURRENT)
    not_current.filter(membership_lapsed_at__isnull=True).update(
        membership_lapsed_at=now
    )
    return list(
        not_current.filter(membership_lapsed_at=now).values_list("pk", flat=True)
    )


_NOT_CURRENT = [s for s in MembershipStatus.values if s != MembershipStatus.CURRENT]


# -- importing the register in the background ----------------------------------


def register_import_start(
    *,
    data: bytes,
    file_name: str,
    by: User,
    kind: str = "",
    apply_good_rows: bool = False,
    dry_run: bool = False,
) -> RegisterImport:
    """Queue a checked-at-the-door CSV file for import by a background task
    (``tasks.run_register_import``); ``by`` is emailed when it has run."""
    with transaction.atomic():
        job = RegisterImport.objects.create(
            created_by=by,
            file_name=file_name[:255],
            data=data,
            kind=kind or "",
            apply_good_rows=apply_good_rows,
            dry_run=dry_run,
        )
        job_id = job.pk
        transaction.on_commit(
            lambda: tasks.run_register_import.enqueue(import_id=job_id)
        )
    return job


class _ImportProgress:
    """Writes an import's progress to its row at most once every ``every`` seconds.

    The import runs in one transaction, and what it writes there is seen by nobody
    until it commits. On PostgreSQL the progress therefore goes through a
    connection of its own, committed at once. SQLite has one writer at a time, so
    there the page shows only that the import is running.
    """

    def __init__(self, import_id: int, every: float = 1.0):
        self.import_id, self.every = import_id, every
        self.written = 0.0
        self.own_connection = None
        if connection.vendor == "postgresql":
            self.own_connection = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.written < self.every and done < total:
            return
        self.written = now
        if self.own_connection is None:
            return
        meta = RegisterImport._meta
        quote = self.own_connection.ops.quote_name
        columns = ", ".join(
            f"{quote(name)} = %s" for name in ("stage", "done", "total")
        )
        with self.own_connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {columns} "  # noqa: S608
                f"WHERE {quote(meta.pk.column)} = %s AND {quote('status')} = %s",
                [stage[:40], done, total, self.import_id, ImportStatus.RUNNING],
            )

    def close(self) -> None:
        if self.own_connection is not None:
            self.own_connection.close()


def register_import_run(*, import_id: int) -> RegisterImport | None:
    """Import a queued file (called by the background task), keep what it found,
    forget the file, and email whoever uploaded it. Runs once per upload."""
    started = RegisterImport.objects.filter(
        pk=import_id, status=ImportStatus.QUEUED
    ).update(status=ImportStatus.RUNNING, stage="reading the file")
    job = RegisterImport.objects.filter(pk=import_id).first()
    if not started or job is None:
        return job
    progress = _ImportProgress(job.pk)
    try:
        result = importing.register_import(
            data=bytes(job.data),
            kind=job.kind or None,
            apply_good_rows=job.apply_good_rows,
            dry_run=job.dry_run,
            progress=progress,
        )
    except importing.ImportRefused as refusal:
        job.status, job.refusal = ImportStatus.REFUSED, str(refusal)
    except Exception:
        logger.exception("register import %s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.refusal = (
            "The import stopped because of an error on our side, and nothing was "
            "changed. The technical team has the details; please try again later."
        )
    else:
        job.status, job.outcome = ImportStatus.FINISHED, result.as_json()
        job.done = job.total = result.rows
    finally:
        progress.close()
    job.data, job.stage, job.finished_at = b"", "", timezone.now()
    with transaction.atomic():
        job.save()
        if job.created_by is not None:
            emails.send(
                "register_import_finished",
                to=job.created_by.email,
                context={"job": job, "result": _result(job)},
            )
    return job


def _result(job: RegisterImport) -> importing.ImportResult | None:
    return importing.ImportResult.from_json(job.outcome) if job.outcome else None
