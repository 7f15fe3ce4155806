from django.urls import path

from mentorscheme.contact import views

app_name = "contact"
urlpatterns = [
    path("", views.feedback_form, name="form"),
    path("thanks/", views.feedback_thanks, name="thanks"),
    path("triage/", views.feedback_triage_list, name="triage"),
    path("triage/<int:pk>/", views.feedback_triage_detail, name="triage_detail"),
]
