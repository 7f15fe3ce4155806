from django.urls import path

from mentorscheme.api import views
from mentorscheme.api.main import api
from mentorscheme.api.problems import wrong_method_as_problem


def _api_urls():
    """The JSON API's URL patterns, each answering a wrong method with a problem."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        pattern.callback = wrong_method_as_problem(pattern.callback)
    return patterns, app_name, namespace


# No app_name: the JSON API below brings its own "api" namespace.
urlpatterns = [
    path("tokens/", views.token_list, name="api_tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("problems/", views.problems, name="api_problems"),
    path("", _api_urls()),
]
