from django.urls import path

from mentorscheme.training import views

app_name = "training"
urlpatterns = [
    path("", views.event_list, name="index"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("<int:pk>/event.ics", views.event_ics, name="ics"),
    path("<int:pk>/book/", views.book, name="book"),
    path("<int:pk>/move/", views.move_booking, name="move_booking"),
    path("bookings/<int:pk>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("briefings/new/", views.briefing_publish, name="briefing_new"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.event_create, name="create"),
    path("manage/<int:pk>/", views.event_manage, name="manage"),
    path("manage/<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path(
        "manage/<int:pk>/attendance/<int:booking_pk>/",
        views.attendance,
        name="attendance",
    ),
    path("manage/<int:pk>/walk-in/", views.walk_in, name="walk_in"),
]
