from django.contrib import admin

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


admin.site.register(models.Region)
admin.site.register(models.OrganisationType)
admin.site.register(models.Level)
admin.site.register(models.OfficerAppointment, raw_id_fields=["member"])
admin.site.register(models.Organisation, search_fields=["name"])
