"""The scheme's rules as data, shown here for reference only.

Staff change them on the site's scheme administration pages, whose services check
the rules, tell the people concerned and write the audit log.
"""

from django.contrib import admin
from django.urls import reverse

from mentorscheme.audit.admin import ChangedOnTheSiteAdmin
from mentorscheme.scheme import models


@admin.register(models.Qualification)
class QualificationAdmin(ChangedOnTheSiteAdmin):
    list_display = ["name", "level", "uses_mentors", "is_active"]
    site_page = "oversight:qualifications"
    site_page_label = "Qualifications"

    def site_page_for(self, obj) -> str:
        return reverse("oversight:qualification_edit", args=[obj.pk])


@admin.register(models.RegulationsVersion)
class RegulationsVersionAdmin(ChangedOnTheSiteAdmin):
    list_display = ["name", "effective_from"]
    site_page = "oversight:regulations"
    site_page_label = "Regulations"


@admin.register(models.SchemeSettings)
class SchemeSettingsAdmin(ChangedOnTheSiteAdmin):
    site_page = "oversight:settings"
    site_page_label = "Scheme settings"


@admin.register(models.Enrolment)
class EnrolmentAdmin(ChangedOnTheSiteAdmin):
    list_display = ["member", "qualification", "regulations", "status", "enrolled_on"]
    list_filter = ["status", "qualification"]
    raw_id_fields = ["member"]
    site_page = "members:register"
    site_page_label = "the register (open the member, then the enrolment)"

    def site_page_for(self, obj) -> str:
        return reverse("mentoring:enrolment_status", args=[obj.pk])
