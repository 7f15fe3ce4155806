"""A candidate whose mentoring is complete is not waiting for a mentor: the dashboard
does not count them, a bulk allocation leaves them out, the periodic run does not
flag them, and their home tells them what comes next. A candidate whose mentoring
ended early (a change of mentor, a mentor who stepped down) still waits."""

from django.test import TestCase
from django.utils import timezone

from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import HelpFlag
from mentorscheme.oversight import selectors
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight.models import EnrolmentFigures
from mentorscheme.scheme.models import EnrolmentStatus, SchemeSettings
from tests.oversight.conftest import candidate, listed_mentor
from tests.oversight.test_dashboard import dashboard, figure
from tests.personas import login


def completed(enrolment, profile):
    """Mentoring both sides confirmed complete, through the services."""
    relationship = mentoring.relationship_start(
        enrolment=enrolment, mentor=profile, how=mentoring.ALLOCATED
    )
    for member in (enrolment.member, profile.member):
        mentoring.relationship_confirm_completion(
            relationship=relationship, member=member, reason="We met by phone."
        )
    return relationship


def ended_early(enrolment, profile):
    relationship = mentoring.relationship_start(
        enrolment=enrolment, mentor=profile, how=mentoring.ALLOCATED
    )
    return mentoring.relationship_end(
        relationship=relationship, member=profile.member, reason="I am moving abroad."
    )


def test_the_dashboard_counts_a_candidate_whose_mentor_left_but_not_one_who_is_done(
    client, olivia
):
    profile = listed_mentor(profile={"capacity": 3})
    done = candidate(days_ago=200)
    completed(done, profile)
    left = candidate(days_ago=200)
    ended_early(left, profile)
    candidate(days_ago=10)
    assert EnrolmentFigures.objects.get(enrolment=done).waiting_since is None
    assert EnrolmentFigures.objects.get(enrolment=left).waiting_since is not None
    assert figure(dashboard(client, olivia), "waiting for a mentor") == 2


def test_a_bulk_allocation_leaves_out_a_candidate_whose_mentoring_is_complete(
    olivia,
):
    profile = listed_mentor(profile={"capacity": 3})
    done = candidate(qualification="certification")
    completed(done, profile)
    left = candidate(qualification="certification")
    ended_early(left, profile)
    ids = set(selectors.waiting_enrolments(None).values_list("pk", flat=True))
    assert done.pk not in ids and left.pk in ids
    run = oversight.allocation_run_create(by=olivia.user, region_ids=None)
    assert run.inputs["candidates_waiting"] == 1
    assert [p["candidate_id"] for p in run.proposal["pairs"]] == [left.pk]
    assert done.pk not in [u["candidate_id"] for u in run.proposal["unmatched"]]


def test_a_proposal_made_before_the_mentoring_was_completed_skips_that_candidate(
    olivia,
):
    profile = listed_mentor(profile={"capacity": 3})
    enrolment = candidate(qualification="certification")
    run = oversight.allocation_run_create(by=olivia.user, region_ids=None)
    assert [p["candidate_id"] for p in run.proposal["pairs"]] == [enrolment.pk]
    completed(enrolment, listed_mentor(last_name="Earlier"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        oversight.allocation_run_publish(run=run, by=olivia.user)
    run.refresh_from_db()
    assert run.status == "published"
    assert run.published == [
        {
            "candidate_id": enrolment.pk,
            "mentor_id": profile.pk,
            "outcome": "skipped",
            "reason": "The candidate's mentoring has been completed since.",
        }
    ]
    assert not profile.requests.exists()


def test_the_periodic_run_does_not_flag_a_candidate_whose_mentoring_is_complete(
    clock,
):
    profile = listed_mentor(profile={"capacity": 3})
    done = candidate()
    completed(done, profile)
    left = candidate()
    ended_early(left, profile)
    # A flag raised on a completed candidate before is closed.
    stale = HelpFlag.objects.create(enrolment=done, why=HelpFlag.Why.WAITING)
    clock.move(days=SchemeSettings.load().unmatched_flag_after_days + 1)
    assert mentoring.flag_waiting_candidates() == 1
    assert HelpFlag.objects.get(resolved_at__isnull=True).enrolment == left
    stale.refresh_from_db()
    assert stale.resolution == "Mentoring is complete."


def test_a_candidate_whose_mentoring_is_complete_is_told_what_comes_next(
    client, alice, dora
):
    enrolment = alice.enrolments.get()
    completed(enrolment, dora.mentor_profile)
    today = timezone.localdate()
    login(client, alice)
    home = client.get("/").text
    assert (
        f"Your mentoring with Dora Davies was completed on {today:%-d %B %Y}. "
        "Your submission comes next: we email you when we receive it." in home
    )
    assert 'class="step-link" href="/mentoring/directory/">Find a mentor' not in home
    page = client.get("/mentoring/").text
    assert "mentoring completed on" in page
    assert "Your mentoring is complete. Your submission comes next" in page
    assert "Need help finding a mentor?" not in page
    mentoring.enrolment_set_status(
        enrolment=enrolment, status=EnrolmentStatus.SUBMITTED
    )
    assert "We have your submission and email you the outcome." in (
        client.get("/").text
    )
