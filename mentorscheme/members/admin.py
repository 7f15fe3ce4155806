from django.contrib import admin

from mentorscheme.audit.admin import ChangedOnTheSiteAdmin
from mentorscheme.members import models


@admin.register(models.User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "is_staff", "is_active", "last_login"]
    search_fields = ["email"]
    exclude = ["password"]


class AwardInline(admin.TabularInline):
    model = models.RegistrationAward
    extra = 0


@admin.register(models.Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "membership_number",
        "last_name",
        "first_name",
        "region",
        "membership_status",
    ]
    list_filter = ["membership_status", "region"]
    search_fields = ["membership_number", "last_name", "email"]
    raw_id_fields = ["line_manager", "organisation", "user"]
    inlines = [AwardInline]


admin.site.register(models.Level)


@admin.register(models.Region)
class RegionAdmin(ChangedOnTheSiteAdmin):
    list_display = ["name", "code", "is_active", "merged_into"]
    site_page = "oversight:regions"
    site_page_label = "Regions"


@admin.register(models.OrganisationType)
class OrganisationTypeAdmin(ChangedOnTheSiteAdmin):
    site_page = "oversight:organisation_types"
    site_page_label = "Sorts of organisation"


@admin.register(models.OfficerAppointment)
class OfficerAppointmentAdmin(ChangedOnTheSiteAdmin):
    list_display = ["member", "role", "region", "starts_on", "ends_on"]
    raw_id_fields = ["member"]
    site_page = "oversight:appointments"
    site_page_label = "Officer appointments"


admin.site.register(models.Organisation, search_fields=["name"])
