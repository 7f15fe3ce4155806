from django.urls import path

from mentorscheme.oversight import admin_views, views

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("up-to-date/", views.up_to_date, name="up_to_date"),
    path("help/<int:pk>/resolve/", views.help_flag_resolve, name="help_resolve"),
    path("line-managers/", views.line_managers, name="line_managers"),
    path("allocations/", views.allocation_list, name="allocations"),
    path("allocations/<int:pk>/", views.allocation_detail, name="allocation"),
    path("allocations/<int:pk>/pair/", views.allocation_pair, name="allocation_pair"),
    path(
        "allocations/<int:pk>/pairs/<int:candidate>/",
        views.allocation_pair_mentor,
        name="allocation_pair_mentor",
    ),
    path(
        "allocations/<int:pk>/publish/",
        views.allocation_publish,
        name="allocation_publish",
    ),
    path(
        "allocations/<int:pk>/stop/",
        views.allocation_stop,
        name="allocation_stop",
    ),
    path(
        "allocations/<int:pk>/discard/",
        views.allocation_discard,
        name="allocation_discard",
    ),
    path("reports/", views.report_index, name="reports"),
    path("reports/<slug:slug>/", views.report, name="report"),
    path("audit/", views.audit_log, name="audit"),
    path("scheme/", admin_views.scheme_index, name="scheme"),
    path("scheme/regions/", admin_views.regions, name="regions"),
    path("scheme/regions/merge/", admin_views.region_merge, name="region_merge"),
    path("scheme/regions/<int:pk>/", admin_views.region_edit, name="region_edit"),
    path(
        "scheme/organisation-types/",
        admin_views.organisation_types,
        name="organisation_types",
    ),
    path(
        "scheme/organisation-types/<int:pk>/",
        admin_views.organisation_type_edit,
        name="organisation_type_edit",
    ),
    path("scheme/qualifications/", admin_views.qualifications, name="qualifications"),
    path(
        "scheme/qualifications/new/",
        admin_views.qualification_edit,
        name="qualification_new",
    ),
    path(
        "scheme/qualifications/<int:pk>/",
        admin_views.qualification_edit,
        name="qualification_edit",
    ),
    path("scheme/regulations/", admin_views.regulations, name="regulations"),
    path("scheme/appointments/", admin_views.appointments, name="appointments"),
    path(
        "scheme/appointments/<int:pk>/end/",
        admin_views.appointment_end,
        name="appointment_end",
    ),
    path("scheme/settings/", admin_views.scheme_settings, name="settings"),
]
