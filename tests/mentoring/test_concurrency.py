"""Many candidates race for a mentor's last place; one candidate races past the limit;
a candidate enrols twice at once."""

import threading
import time

import pytest
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone

from mentorscheme import locking
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
)
from tests import factories as f
from tests.personas import login
from tests.races import together, twice_at_once

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RACERS = 8


def _mentor_with_requests():
    member = f.MemberFactory()
    f.award(member, "fellowship")
    profile = f.mentor_profile(member, capacity=1)
    requests = []
    for _ in range(RACERS):
        candidate = f.MemberFactory()
        requests.append(
            services.request_create(
                enrolment=f.enrol(candidate), mentor=profile, message="Hi"
            )
        )
    return profile, requests


def test_exactly_one_candidate_wins_the_last_place():
    profile, requests = _mentor_with_requests()
    results = together(
        *[
            lambda r=r: services.request_accept(
                request=r, mentor=profile, confirms_not_line_manager=True
            )
            for r in requests
        ]
    )
    refusals = [r for r in results if isinstance(r, services.MentoringError)]
    assert MentoringRelationship.objects.filter(mentor=profile).count() == 1
    assert len(refusals) == RACERS - 1
    assert all("no free place" in str(r) for r in refusals)


def test_without_the_lock_the_last_place_is_oversold(monkeypatch):
    profile, requests = _mentor_with_requests()
    original = services._refuse_unless_allowed

    def slow(*args, **kwargs):
        original(*args, **kwargs)
        time.sleep(0.05)

    monkeypatch.setattr(
        services,
        "_lock_mentor",
        lambda pk: services.MentorProfile.objects.select_related("member").get(pk=pk),
    )
    monkeypatch.setattr(services, "_refuse_unless_allowed", slow)
    together(
        *[
            lambda r=r: services.request_accept(
                request=r, mentor=profile, confirms_not_line_manager=True
            )
            for r in requests
        ]
    )
    assert MentoringRelationship.objects.filter(mentor=profile).count() > 1


def _candidate_and_mentors():
    candidate = f.MemberFactory()
    enrolment = f.enrol(candidate)
    mentors = []
    for _ in range(RACERS):
        member = f.MemberFactory()
        f.award(member, "fellowship")
        mentors.append(f.mentor_profile(member, capacity=3))
    return enrolment, mentors


def test_simultaneous_requests_never_pass_the_open_request_limit():
    enrolment, mentors = _candidate_and_mentors()
    together(
        *[
            lambda m=m: services.request_create(
                enrolment=enrolment, mentor=m, message="Hi"
            )
            for m in mentors
        ]
    )
    assert MentoringRequest.objects.filter(enrolment=enrolment).count() == 3


def test_without_the_lock_the_open_request_limit_is_passed(monkeypatch):
    enrolment, mentors = _candidate_and_mentors()
    original = services.selectors.open_requests

    def slow(e):
        found = list(original(e))
        time.sleep(0.05)
        return found

    monkeypatch.setattr(
        services,
        "_lock_enrolment",
        lambda pk: services.Enrolment.objects.select_related(
            "member", "qualification"
        ).get(pk=pk),
    )
    monkeypatch.setattr(services.selectors, "open_requests", slow)
    together(
        *[
            lambda m=m: services.request_create(
                enrolment=enrolment, mentor=m, message="Hi"
            )
            for m in mentors
        ]
    )
    assert MentoringRequest.objects.filter(enrolment=enrolment).count() > 3


def test_an_acceptance_and_an_allocation_never_both_take_the_last_place():
    """Both start mentoring through one service, under the same locks."""
    profile, requests = _mentor_with_requests()
    allocated = f.enrol(f.MemberFactory())
    calls = [
        lambda: services.request_accept(
            request=requests[0], mentor=profile, confirms_not_line_manager=True
        ),
        lambda: services.relationship_start(
            enrolment=allocated, mentor=profile, how=services.ALLOCATED
        ),
    ] * (RACERS // 2)
    results = together(*calls)
    assert MentoringRelationship.objects.filter(mentor=profile).count() == 1
    assert sum(isinstance(r, MentoringRelationship) for r in results) == 1


def _held_then_changed(model, pk, **changes):
    """Lock a row from another connection, change it a moment later and commit;
    returns once the row is locked, with the thread to join."""
    locked = threading.Event()

    def run():
        try:
            with transaction.atomic():
                locking.lock_row(model, pk)
                locked.set()
                time.sleep(0.5)
                model.objects.filter(pk=pk).update(**changes)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert locked.wait(timeout=10)
    return thread


def test_a_completion_confirmed_as_the_mentor_leaves_stands():
    member = f.MemberFactory()
    f.award(member, "fellowship")
    profile = f.mentor_profile(member)
    relationship = MentoringRelationship.objects.create(
        enrolment=f.enrol(f.MemberFactory()), mentor=profile
    )
    thread = _held_then_changed(
        MentoringRelationship, relationship.pk, status=RelationshipStatus.COMPLETED
    )
    services.relationships_end_for_departed_mentor(profile=profile, reason="Retired")
    thread.join()
    relationship.refresh_from_db()
    assert relationship.status == RelationshipStatus.COMPLETED
    assert not HelpFlag.objects.exists()


def test_a_request_withdrawn_as_the_mentor_pauses_stays_withdrawn_by_the_candidate():
    profile, [request, *_] = _mentor_with_requests()
    thread = _held_then_changed(
        MentoringRequest, request.pk, status=RequestStatus.WITHDRAWN
    )
    services.requests_close_for_unavailable_mentor(profile=profile, reason="Paused")
    thread.join()
    request.refresh_from_db()
    assert request.status == RequestStatus.WITHDRAWN
    assert request.closed_reason == ""


def test_a_reopening_waits_for_a_start_taking_the_last_place_and_is_refused():
    """Reopening takes the mentor's place again, so it waits on the mentor's lock
    as starting mentoring does, and then sees the place gone."""
    member = f.MemberFactory()
    f.award(member, "fellowship")
    profile = f.mentor_profile(member, capacity=1)
    officer = f.with_account(f.MemberFactory(), staff=True)
    completed = MentoringRelationship.objects.create(
        enrolment=f.enrol(f.MemberFactory()),
        mentor=profile,
        status=RelationshipStatus.COMPLETED,
        ended_on=timezone.localdate(),
    )
    newcomer = f.enrol(f.MemberFactory())
    locked = threading.Event()

    def start_with_the_mentor_locked():
        try:
            with transaction.atomic():
                locking.lock_row(services.MentorProfile, profile.pk)
                locked.set()
                time.sleep(0.5)
                MentoringRelationship.objects.create(enrolment=newcomer, mentor=profile)
        finally:
            connections.close_all()

    thread = threading.Thread(target=start_with_the_mentor_locked)
    thread.start()
    assert locked.wait(timeout=10)
    try:
        with pytest.raises(services.MentoringError, match="no free place"):
            services.relationship_reopen(
                relationship=completed, officer=officer, reason="Completed by mistake."
            )
    finally:
        thread.join()
    completed.refresh_from_db()
    assert completed.status == RelationshipStatus.COMPLETED
    assert profile.relationships.filter(status=RelationshipStatus.ACTIVE).count() == 1


def _signed_in_twice(member) -> list[Client]:
    """Two clients with the member's session: two tabs, or one page sent twice."""
    return [login(Client(), member) for _ in range(2)]


def test_enrol_clicked_twice_enrols_once_and_the_second_is_told_so(monkeypatch):
    member = f.MemberFactory()
    f.with_account(member)
    form = {"qualification": f.qualification("chartership").pk, "line_manager": "none"}
    first, second = twice_at_once(
        monkeypatch,
        [
            lambda c=c: c.post("/mentoring/enrol/", form)
            for c in _signed_in_twice(member)
        ],
        pause_in=services,
        name="_counted",
    )
    assert first.status_code == 302
    assert second.status_code == 400
    assert "You are already enrolled on Chartership." in second.text
    assert services.Enrolment.objects.filter(member=member).count() == 1


def test_enrolling_twice_at_once_through_the_api_is_refused_the_second_time(
    monkeypatch,
):
    member = f.MemberFactory()
    f.with_account(member)
    payload = {"qualification": "chartership", "line_manager": "none"}
    first, second = twice_at_once(
        monkeypatch,
        [
            lambda c=c: c.post(
                "/api/enrolments", payload, content_type="application/json"
            )
            for c in _signed_in_twice(member)
        ],
        pause_in=services,
        name="_counted",
    )
    assert first.status_code == 201
    assert second.status_code == 409
    assert "already enrolled" in second.json()["detail"]
    assert services.Enrolment.objects.filter(member=member).count() == 1
