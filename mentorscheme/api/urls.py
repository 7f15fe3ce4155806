from django.urls import path

from mentorscheme.api import views
from mentorscheme.api.main import api

# No app_name: the JSON API below brings its own "api" namespace.
urlpatterns = [
    path("tokens/", views.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("problems/", views.problems, name="api_problems"),
    path("", api.urls),
]
