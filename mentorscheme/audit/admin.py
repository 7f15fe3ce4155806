from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from mentorscheme.audit.models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown for reference; changed only through the application's services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ChangedOnTheSiteAdmin(ReadOnlyAdmin):
    """Read-only here, with a link to the site's page that changes it.

    The site's page goes through the services: they check the scheme's rules, tell
    the people concerned and write the audit log, none of which the admin would do.
    ``site_page`` names that page's URL; ``site_page_for`` may give one object's.
    """

    site_page: str = ""
    site_page_label: str = ""

    def site_page_for(self, obj) -> str:
        return reverse(self.site_page)

    def _point_to_site(self, request, obj=None) -> None:
        messages.info(
            request,
            format_html(
                'To change these, use the site\'s own page: <a href="{}">{}</a>. '
                "It checks the scheme's rules, tells the people concerned and "
                "records the change in the audit log.",
                self.site_page_for(obj) if obj is not None else reverse(self.site_page),
                self.site_page_label,
            ),
        )

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET":
            self._point_to_site(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if request.method == "GET" and obj is not None:
            self._point_to_site(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_description"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_description"]
    date_hierarchy = "at"
