from django.contrib import admin

from mentorscheme.audit.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for reference; changed only through the application's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_description"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_description"]
    date_hierarchy = "at"
