"""A Candidate Support Officer's term ends while an allocation run they started
awaits review: whoever acts for the region's candidates now is told, once."""

import datetime

from django.core import mail
from django.test import Client
from django.utils import timezone

from mentorscheme.oversight.models import AllocationRun
from tests import factories as f
from tests.mentors.test_officer_term_ends import (
    end_term,
    handed_on_after_the_last_day,
    run_periodic,
)
from tests.personas import login


def proposed_run(olivia, status="proposed") -> AllocationRun:
    """A run Olivia (London's support officer) started, worked out, not yet sent."""
    run = AllocationRun.objects.create(
        created_by=olivia.user,
        status=status,
        proposal={"pairs": [], "unmatched": [], "matched": 0},
    )
    run.regions.set([f.region("london")])
    return run


def test_a_run_awaiting_review_when_a_term_ends_goes_to_the_registration_team(
    olivia, sam_with_totp, clock, django_capture_on_commit_callbacks
):
    run = proposed_run(olivia)
    end_term(sam_with_totp, olivia, timezone.localdate())
    [message] = handed_on_after_the_last_day(
        clock, django_capture_on_commit_callbacks, "allocation"
    )
    assert message.to == ["sam@example.org"]
    assert "Olivia Owen" in message.body and "London" in message.body
    assert "awaiting review" in message.body
    assert "Nothing has been sent to anyone" in message.body
    assert f"/oversight/allocations/{run.pk}/" in message.body
    assert "no Candidate Support Officer" in message.body
    # The link opens the run, where staff can review and send it.
    staff = login(Client(), sam_with_totp)
    assert staff.get(f"/oversight/allocations/{run.pk}/").status_code == 200


def new_officer_in_london():
    """Nia, London's Candidate Support Officer from today."""
    successor = f.MemberFactory(email="nia@example.org")
    f.award(successor, "chartership")
    f.with_account(successor, totp=True)
    f.appoint(successor, "london", starts_on=timezone.localdate(), role="cso")
    return successor


def test_a_new_candidate_support_officer_is_told_of_the_run_and_can_open_it(
    olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    run = proposed_run(olivia)
    proposed_run(olivia, status="published")  # sent already: nothing to hand on
    end_term(sam_with_totp, olivia, timezone.localdate() - datetime.timedelta(days=1))
    successor = new_officer_in_london()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    [message] = [m for m in mail.outbox if "allocation" in m.subject]
    assert message.to == ["nia@example.org"]
    assert message.body.count("/oversight/allocations/") == 1
    assert "no Candidate Support Officer" not in message.body
    page = login(Client(), successor).get(f"/oversight/allocations/{run.pk}/")
    assert page.status_code == 200


def test_a_run_for_several_regions_goes_to_the_team_who_can_open_it(
    olivia, sam_with_totp, django_capture_on_commit_callbacks
):
    """Olivia covered London and the South East; the successor in London covers
    only London, and an officer may open only runs within their own regions."""
    f.appoint(olivia, "south-east")
    run = proposed_run(olivia)
    run.regions.add(f.region("south-east"))
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for appointment in olivia.appointments.all():
        appointment.ends_on = yesterday
        appointment.save()
    successor = new_officer_in_london()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    told = [m for m in mail.outbox if "allocation" in m.subject.lower()]
    assert told and {tuple(m.to) for m in told} == {("sam@example.org",)}
    assert "more regions than" in told[0].body
    assert f"/oversight/allocations/{run.pk}/" in told[0].body
    assert (
        login(Client(), successor).get(f"/oversight/allocations/{run.pk}/").status_code
        == 404
    )
    staff = login(Client(), sam_with_totp)
    assert staff.get(f"/oversight/allocations/{run.pk}/").status_code == 200
