from django.urls import path

from mentorscheme.guidance import views

app_name = "guidance"
urlpatterns = [
    path("", views.guidance_index, name="index"),
    path("new/", views.guidance_new, name="new"),
    path("<slug:slug>/", views.guidance_page, name="page"),
    path("<slug:slug>/edit/", views.guidance_edit, name="edit"),
    path("<slug:slug>/history/", views.guidance_history, name="history"),
]
