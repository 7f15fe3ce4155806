from django.contrib import admin

from mentorscheme.audit.admin import ReadOnlyAdmin
from mentorscheme.oversight.models import AllocationRun


@admin.register(AllocationRun)
class AllocationRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "created_at", "created_by", "all_regions", "status"]
    list_filter = ["status"]
