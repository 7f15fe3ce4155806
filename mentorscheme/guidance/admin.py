from django.contrib import admin

from mentorscheme.guidance.models import GuidancePage

admin.site.register(
    GuidancePage, list_display=["title", "slug", "is_published", "updated_at"]
)
