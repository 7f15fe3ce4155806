from django.urls import path

from mentorscheme.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.notice, name="notice"),
    path("export/", views.export_download, name="export"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/change/", views.calendar_change, name="calendar_change"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("erase/<int:member_id>/", views.erase, name="erase"),
    path("erasures/", views.erasures, name="erasures"),
]
