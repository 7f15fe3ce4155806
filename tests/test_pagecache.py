"""Kept pages: reused while nothing has changed, rendered afresh the moment it has.

The data stamp is replaced by database triggers, so every kind of write counts:
the ORM's save, ``QuerySet.update`` and ``bulk_create`` (which send no signals),
and raw SQL.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentorscheme.mentors.models import MentorProfile
from mentorscheme.pagecache import pages, triggers
from tests.conftest import login
from tests.personas import mentor

DIRECTORY = "/mentoring/directory/"


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.text


@pytest.fixture
def signed_in(client, alice):
    login(client, alice)
    client.get("/members/me/")  # the sign-in's first renewal is behind us
    return client


def test_a_second_view_of_an_unchanged_directory_is_reused(signed_in):
    mentor(last_name="Kept")
    fresh, first = queries(signed_in, DIRECTORY)
    reused, second = queries(signed_in, DIRECTORY)
    assert second == first
    assert "Kept" in second
    # One query checks the session, the stamp and the kept page: nothing else is read.
    assert reused == 1
    assert fresh > 10


def test_a_kept_page_carries_the_same_security_headers(signed_in):
    fresh = signed_in.get(DIRECTORY)
    kept = signed_in.get(DIRECTORY)
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert kept[header] == fresh[header], header
    assert "Cookie" in kept["Vary"]


def test_a_signed_out_session_cookie_gets_no_kept_page(signed_in, olivia):
    from django.test import Client

    login(Client(), olivia).get("/members/me/")  # someone else is signed in
    signed_in.get(DIRECTORY)
    signed_in.get(DIRECTORY)  # kept
    old_cookie = signed_in.cookies["sessionid"].value
    signed_in.post("/accounts/logout/")
    for name in list(signed_in.cookies):
        if name != "csrftoken":
            del signed_in.cookies[name]  # the sign-out message too
    signed_in.cookies["sessionid"] = old_cookie
    response = signed_in.get(DIRECTORY)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_an_officer_whose_two_factor_device_went_is_sent_to_set_one_up(client, olivia):
    from allauth.mfa.models import Authenticator

    login(client, olivia)
    client.get("/members/me/")
    assert client.get("/oversight/").status_code == 200
    assert client.get("/oversight/").status_code == 200  # kept
    Authenticator.objects.filter(user=olivia.user).delete()
    response = client.get("/oversight/")
    assert response.status_code == 302
    assert "/accounts/2fa/" in response["Location"]


def test_a_mentor_paused_by_a_bulk_update_leaves_the_kept_page(signed_in):
    paused = mentor(last_name="Pausing")
    assert "Pausing" in signed_in.get(DIRECTORY).text
    MentorProfile.objects.filter(member=paused).update(accepting=False)  # no signals
    assert "Pausing" not in signed_in.get(DIRECTORY).text


def test_a_new_listing_appears_on_the_next_view(signed_in):
    signed_in.get(DIRECTORY)
    mentor(last_name="Newcomer")
    assert "Newcomer" in signed_in.get(DIRECTORY).text


def test_every_way_of_writing_replaces_the_stamp(alice):
    seen = {pages.current_stamp()}
    mentor(last_name="Saved")  # save()
    seen.add(pages.current_stamp())
    MentorProfile.objects.update(capacity=3)  # QuerySet.update
    seen.add(pages.current_stamp())
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE members_member SET job_title = 'Archivist'")
    seen.add(pages.current_stamp())
    MentorProfile.objects.all().delete()
    seen.add(pages.current_stamp())
    assert len(seen) == 5


def test_each_session_has_its_own_pages(client, alice, olivia, django_user_model):
    from django.test import Client

    login(client, alice)
    mine = client.get(DIRECTORY).text
    other = login(Client(), olivia)
    theirs = other.get(DIRECTORY).text
    assert "Every listed mentor who can take a candidate now." in theirs
    assert "Every listed mentor who can take a candidate now." not in mine


def test_one_off_messages_are_shown_not_reused(signed_in, alice):
    signed_in.get("/mentoring/")
    response = signed_in.post(
        "/mentoring/help/", {"message": "I cannot find a mentor who meets on Zoom."}
    )
    assert response.status_code == 302
    page = signed_in.get("/mentoring/").text
    assert 'class="message message-success"' in page
    again = signed_in.get("/mentoring/").text
    assert 'class="message message-success"' not in again


def test_every_table_of_the_scheme_is_watched():
    watched = set(triggers.watched_tables())
    for table in (
        "mentors_mentorprofile",
        "mentors_mentorprofile_regions",
        "mentoring_mentoringrelationship",
        "mentoring_mentoringrequest",
        "members_member",
        "members_registrationaward",
        "scheme_schemesettings",
        "training_briefingacknowledgement",
    ):
        assert table in watched
    assert "django_session" not in watched
    assert triggers.install(connection) == 0, "migrate installed them all"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_postgresql_the_stamp_changes_when_the_write_commits(alice):
    import psycopg
    from django.db import transaction

    if connection.vendor != "postgresql":
        pytest.skip("the deferred trigger is PostgreSQL's")
    settings = connection.settings_dict
    dsn = f"host={settings['HOST']} port={settings['PORT'] or 5432} user={settings['USER']} dbname={settings['NAME']}"

    def seen_elsewhere():
        with psycopg.connect(dsn) as other:
            row = other.execute(
                "SELECT stamp FROM pagecache_datastamp WHERE id = 1"
            ).fetchone()
        return row[0] if row else 0

    before = seen_elsewhere()
    with transaction.atomic():
        MentorProfile.objects.update(capacity=4)
        mentor(last_name="Uncommitted")
        assert seen_elsewhere() == before  # nothing visible before the commit
    assert seen_elsewhere() != before


def test_a_sign_in_leaves_kept_pages_alone_but_a_new_password_does_not(client, alice):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    User = get_user_model()
    mentor(last_name="Before")
    before = pages.current_stamp()
    User.objects.filter(pk=alice.user.pk).update(last_login=timezone.now())
    assert pages.current_stamp() == before
    user = User.objects.get(pk=alice.user.pk)
    user.set_password("a new and long password")
    user.save()
    assert pages.current_stamp() != before
