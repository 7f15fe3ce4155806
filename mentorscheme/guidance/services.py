from django.db import transaction

from mentorscheme.guidance.models import GuidancePage
from mentorscheme.oversight import audit


@transaction.atomic
def guidance_page_update(*, page: GuidancePage, user, **fields) -> GuidancePage:
    for name, value in fields.items():
        setattr(page, name, value)
    page.updated_by = user
    page.save()
    audit.record(actor=user, action=audit.AuditAction.GUIDANCE_EDITED, target=page, details={"fields": sorted(fields)})  # fmt: skip
    return page
