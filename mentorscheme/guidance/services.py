from django.db import transaction

from mentorscheme.guidance.models import GuidancePage


@transaction.atomic
def guidance_page_update(*, page: GuidancePage, user, **fields) -> GuidancePage:
    for name, value in fields.items():
        setattr(page, name, value)
    page.updated_by = user
    page.save()
    return page
