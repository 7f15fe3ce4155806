from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.personas import login, mentor


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_directory_query_count_does_not_grow_with_the_mentors_shown(client, alice):
    mentor(last_name="First")
    login(client, alice)
    client.get("/members/me/")  # the sign-in's first renewal is behind us
    few = count_queries(client, "/mentoring/directory/")
    for i in range(15):
        mentor(last_name=f"More{i}")
    many = count_queries(client, "/mentoring/directory/")
    assert "More14" in client.get("/mentoring/directory/").text
    assert many == few
