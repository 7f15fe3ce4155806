from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from mentorscheme import health
from mentorscheme.homes import views as home_views

# The admin signs in through allauth: the same form, limits and two-factor stage as
# the site, never Django's password-only form.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("members/", include("mentorscheme.members.urls")),
    path("guidance/", include("mentorscheme.guidance.urls")),
    path("mentors/", include("mentorscheme.mentors.urls")),
    path("training/", include("mentorscheme.training.urls")),
    path("mentoring/", include("mentorscheme.mentoring.urls")),
    path("contact/", include("mentorscheme.contact.urls")),
    path("outbox/", include("mentorscheme.notifications.urls")),
    path("oversight/", include("mentorscheme.oversight.urls")),
    path("api/", include("mentorscheme.api.urls")),
    path("privacy/", include("mentorscheme.privacy.urls")),
    path("admin/", admin.site.urls),
]
