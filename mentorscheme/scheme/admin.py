from django.contrib import admin

from mentorscheme.scheme import models

admin.site.register(models.Qualification)
admin.site.register(models.RegulationsVersion)
admin.site.register(models.SchemeSettings)
admin.site.register(models.Enrolment, raw_id_fields=["member"])
