"""A row another transaction holds for too long: the wait ends, nothing changes, and
the person is asked to try again (on the site and in the API), not shown an error."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from mentorscheme import locking
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import MentoringRelationship, RequestStatus
from mentorscheme.mentors.models import MentorProfile
from tests.personas import login

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.LOCK_TIMEOUT_MS = 200


@pytest.fixture
def held():
    """``held(model, pk)`` locks a row from another connection for the test."""
    releases, threads = [], []

    def hold(model, pk):
        locked, release = threading.Event(), threading.Event()

        def run():
            try:
                with transaction.atomic():
                    locking.lock_row(model, pk)
                    locked.set()
                    release.wait(timeout=30)
            finally:
                connections.close_all()

        thread = threading.Thread(target=run)
        thread.start()
        assert locked.wait(timeout=10)
        releases.append(release)
        threads.append(thread)

    yield hold
    for release in releases:
        release.set()
    for thread in threads:
        thread.join()


@pytest.fixture
def waiting_request(alice, bob):
    return services.request_create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hello"
    )


def test_a_row_held_past_the_timeout_is_rows_busy(held, bob):
    held(MentorProfile, bob.mentor_profile.pk)
    with pytest.raises(locking.RowsBusy), transaction.atomic():
        locking.lock_row(MentorProfile, bob.mentor_profile.pk)


def test_a_mentor_accepting_while_the_place_is_held_is_asked_to_try_again(
    client, held, bob, waiting_request
):
    held(MentorProfile, bob.mentor_profile.pk)
    login(client, bob)
    page = f"/mentoring/requests/{waiting_request.pk}/"
    response = client.post(
        f"{page}accept/", {"not_line_manager": "yes"}, HTTP_REFERER=page
    )
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Please try again" in response.text
    assert "nothing was changed" in response.text
    assert f'href="{page}"' in response.text
    waiting_request.refresh_from_db()
    assert waiting_request.status == RequestStatus.PENDING
    assert not MentoringRelationship.objects.exists()


def test_the_api_answers_busy_with_retry_after(client, held, bob, waiting_request):
    held(MentorProfile, bob.mentor_profile.pk)
    login(client, bob)
    response = client.post(
        f"/api/requests/{waiting_request.pk}/accept?not_line_manager=true"
    )
    assert response.status_code == 503, response.text
    assert response.json()["title"] == "Busy: try again"
    assert response["Retry-After"]
    waiting_request.refresh_from_db()
    assert waiting_request.status == RequestStatus.PENDING


@pytest.mark.parametrize("answer", ["decline", "ask_more"])
def test_a_mentor_answering_locks_their_profile_before_the_request(
    bob, waiting_request, answer
):
    """relationship_start locks the mentor, then the candidate's requests; an answer
    that updates the mentor's row takes the same order, so the two never deadlock."""
    with CaptureQueriesContext(connection) as queries:
        if answer == "decline":
            services.request_decline(
                request=waiting_request, mentor=bob.mentor_profile, reason="busy"
            )
        else:
            services.request_ask_more(
                request=waiting_request, mentor=bob.mentor_profile, message="Why?"
            )
    locked = [
        table
        for q in queries
        if "FOR UPDATE" in q["sql"]
        for table in ("mentors_mentorprofile", "mentoring_mentoringrequest")
        if q["sql"].split(" FROM ", 1)[1].lstrip('"').startswith(table)
    ]
    assert locked[:2] == ["mentors_mentorprofile", "mentoring_mentoringrequest"]
