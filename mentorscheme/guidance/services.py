from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from mentorscheme.audit import services as audit
from mentorscheme.guidance.models import GuidancePage, GuidancePageVersion
from mentorscheme.locking import lock_row


def _record_version(page: GuidancePage, user, *, saved_at=None) -> GuidancePageVersion:
    last = page.versions.aggregate(n=Max("number"))["n"] or 0
    return GuidancePageVersion.objects.create(
        page=page,
        number=last + 1,
        title=page.title,
        summary=page.summary,
        body=page.body,
        saved_by=user,
        saved_at=saved_at or timezone.now(),
    )


@transaction.atomic
def guidance_page_update(*, page: GuidancePage, user, **fields) -> GuidancePage:
    page = lock_row(GuidancePage, page.pk)
    if not page.versions.exists():
        # The page as shipped (or last saved before history was kept) is version 1,
        # saved when it was, not when it was first edited here.
        _record_version(page, page.updated_by, saved_at=page.updated_at)
    for name, value in fields.items():
        setattr(page, name, value)
    page.updated_by = user
    page.save()
    _record_version(page, user)
    audit.record(actor=user, action=audit.AuditAction.GUIDANCE_EDITED, target=page, details={"fields": sorted(fields)})  # fmt: skip
    return page


@transaction.atomic
def guidance_page_create(*, user, **fields) -> GuidancePage:
    page = GuidancePage.objects.create(updated_by=user, **fields)
    _record_version(page, user)
    audit.record(actor=user, action=audit.AuditAction.GUIDANCE_EDITED, target=page, details={"fields": sorted(fields), "created": True})  # fmt: skip
    return page


def guidance_page_restore(
    *, page: GuidancePage, version: GuidancePageVersion, user
) -> GuidancePage:
    """Go back to an earlier version: saved as a new version, so nothing is lost."""
    return guidance_page_update(
        page=page,
        user=user,
        title=version.title,
        summary=version.summary,
        body=version.body,
    )
