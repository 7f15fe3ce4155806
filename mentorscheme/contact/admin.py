from django.contrib import admin

from mentorscheme.contact.models import Feedback

admin.site.register(Feedback, list_display=["topic", "status", "received_at"])
