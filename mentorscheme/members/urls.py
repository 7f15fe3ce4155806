from django.urls import path

from mentorscheme.members import import_views, views

app_name = "members"
urlpatterns = [
    path("me/", views.my_account, name="me"),
    path("me/contact/", views.contact_details, name="contact"),
    path("register/", views.register_list, name="register"),
    path("register/<int:pk>/", views.member_detail, name="detail"),
    path("import/", import_views.import_register, name="import"),
    path("import/<int:pk>/", import_views.import_detail, name="import_detail"),
]
