"""A membership that lapses (mostly a renewal recorded late): what the candidate,
the mentor and the officers see, and how the figures stay in step."""

import io

from django.core.management import call_command
from django.utils import timezone

from mentorscheme.members.models import Member
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import HelpFlag
from mentorscheme.oversight import figures, selectors


def lapse(member):
    Member.objects.filter(pk=member.pk).update(membership_status="lapsed")
    member.refresh_from_db()


def renew(member):
    Member.objects.filter(pk=member.pk).update(membership_status="current")
    member.refresh_from_db()


def run_periodic(**options):
    out = io.StringIO()
    call_command("run_periodic", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def test_a_lapsed_candidates_plea_for_help_is_settled_with_their_requests(alice):
    enrolment = alice.enrolments.get()
    services.help_request(enrolment=enrolment, message="Nobody answers me")
    lapse(alice)
    figures.members_changed(member_ids=[alice.pk])
    run_periodic()
    flag = HelpFlag.objects.get(enrolment=enrolment)
    assert flag.resolved_at is not None
    assert "membership lapsed" in flag.resolution
    dashboard = selectors.dashboard(
        None, help_region_ids=None, today=timezone.localdate()
    )
    assert dashboard["help_counts"]["asked"] == 0
    assert dashboard["demand"]["waiting_total"] == 0
    assert not selectors.open_help_flags(None).exists()


def test_a_register_change_settles_the_plea_at_once(alice):
    enrolment = alice.enrolments.get()
    services.help_request(enrolment=enrolment, message="Help")
    lapse(alice)
    services.register_changed(member_ids=[alice.pk])
    assert not HelpFlag.objects.filter(resolved_at__isnull=True).exists()
