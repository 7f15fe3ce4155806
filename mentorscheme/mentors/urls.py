from django.urls import path

from mentorscheme.mentors import views

app_name = "mentors"
urlpatterns = [
    path("", views.mentor_home, name="home"),
    path("interest/", views.register_interest, name="interest"),
    path("apply/", views.apply, name="apply"),
    path("profile/", views.edit_profile, name="edit"),
    path("accepting/", views.set_accepting, name="accepting"),
    path("retire/", views.retire, name="retire"),
    path("briefings/watched/", views.briefing_watched, name="briefing_watched"),
    path("availability/", views.availability, name="availability"),
    path("evidence/", views.evidence, name="evidence"),
    path(
        "evidence/<int:pk>/document/",
        views.evidence_document,
        name="evidence_document",
    ),
    path("review/", views.review_list, name="review_list"),
    path("review/<int:pk>/", views.review, name="review"),
    path("review/<int:pk>/evidence/", views.review_evidence, name="review_evidence"),
    path(
        "review/<int:pk>/evidence/withdraw/",
        views.withdraw_evidence,
        name="withdraw_evidence",
    ),
]
