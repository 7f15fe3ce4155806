from django.urls import path

from mentorscheme.mentoring import views

app_name = "mentoring"
urlpatterns = [
    path("", views.candidate_home, name="home"),
    path("enrol/", views.enrol, name="enrol"),
    path("help/", views.ask_for_help, name="help"),
    path("regulations/", views.move_regulations, name="move_regulations"),
    path("line-manager/", views.line_manager, name="line_manager"),
    path(
        "enrolments/<int:pk>/withdraw/",
        views.enrolment_withdraw,
        name="enrolment_withdraw",
    ),
    path(
        "enrolments/<int:pk>/status/", views.enrolment_status, name="enrolment_status"
    ),
    path("directory/", views.directory, name="directory"),
    path("directory/<int:pk>/", views.mentor_detail, name="mentor"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/accept/", views.request_accept, name="request_accept"),
    path("requests/<int:pk>/decline/", views.request_decline, name="request_decline"),
    path("requests/<int:pk>/ask/", views.request_ask, name="request_ask"),
    path("requests/<int:pk>/reply/", views.request_reply, name="request_reply"),
    path(
        "requests/<int:pk>/withdraw/",
        views.request_withdraw,
        name="request_withdraw",
    ),
    path("relationships/<int:pk>/", views.relationship_detail, name="relationship"),
    path("relationships/<int:pk>/agreement/", views.agreement_edit, name="agreement"),
    path(
        "agreements/<int:pk>/confirm/",
        views.agreement_confirm,
        name="agreement_confirm",
    ),
    path("relationships/<int:pk>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("relationships/<int:pk>/end/", views.relationship_end, name="end"),
    path("relationships/<int:pk>/letter/", views.letter_of_support, name="letter"),
    path("relationships/<int:pk>/reopen/", views.relationship_reopen, name="reopen"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/remove/", views.meeting_remove, name="meeting_remove"),
    path(
        "relationships/<int:pk>/end-by-officer/",
        views.relationship_end_by_officer,
        name="end_by_officer",
    ),
    path(
        "relationships/<int:pk>/complete/", views.relationship_complete, name="complete"
    ),
    path("relationships/<int:pk>/open-notes/", views.open_notes, name="open_notes"),
]
