"""A membership that lapses (mostly a renewal recorded late): what the candidate,
the mentor and the officers see, and how the figures stay in step."""

import datetime
import io

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.api import services as api_services
from mentorscheme.members.models import Member
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import HelpFlag, MentoringRequest
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.oversight import figures, selectors
from tests.api.conftest import Api
from tests.mentoring.test_requests import ask
from tests.personas import login


def lapse(member):
    Member.objects.filter(pk=member.pk).update(membership_status="lapsed")
    member.refresh_from_db()


def renew(member):
    Member.objects.filter(pk=member.pk).update(membership_status="current")
    member.refresh_from_db()


def run_periodic(today=None):
    out = io.StringIO()
    options = {"today": today} if today else {}
    call_command("run_periodic", stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def after_grace():
    return timezone.localdate() + datetime.timedelta(days=settings.LAPSE_GRACE_DAYS)


def to(member):
    return [m for m in mail.outbox if m.to == [member.email]]


@pytest.fixture
def mentoring(client, alice, dora, sam):
    """Alice mentored by Dora (their regions have no candidates' officer: staff)."""
    ask(client, alice, dora)
    return services.request_accept(
        request=MentoringRequest.objects.get(),
        mentor=dora.mentor_profile,
        confirms_not_line_manager=True,
    )


def places_taken(mentor):
    return mentor_selectors.mentor_record(mentor.mentor_profile.pk).active_mentees


def lapse_flag(relationship):
    return HelpFlag.objects.get(relationship=relationship, why="lapsed")


def test_a_mentor_who_lapses_keeps_their_mentoring_for_the_grace_period(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    mentoring.refresh_from_db()
    dora.mentor_profile.refresh_from_db()
    assert dora.mentor_profile.status == "lapsed"  # delisted at once
    assert mentoring.status == "active"
    until = f"{after_grace():%-d %B %Y}"
    (told_alice,) = to(alice)
    assert "Dora Davies's registration or membership has lapsed" in told_alice.subject
    assert f"carries on until {until}" in told_alice.body
    assert "you are then helped to find a new mentor" in told_alice.body
    told_dora = {m.subject: m.body for m in to(dora)}
    assert "You are no longer listed as a mentor" in " ".join(told_dora)
    assert any("renewal is recorded by then" in b for b in told_dora.values())
    (told_staff,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert "Dora Davies mentors Alice Archer" in told_staff.body
    assert "The mentor's registration or membership lapsed." in told_staff.body
    flag = lapse_flag(mentoring)
    assert flag.resolved_at is None
    assert places_taken(dora) == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert mail.outbox == []


def test_a_mentor_renewed_in_the_grace_period_carries_on_mentoring(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(dora)
    run_periodic()
    renew(dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        out = run_periodic()
    assert "relisted 1" in out and "carried on after renewal 0" in out
    dora.mentor_profile.refresh_from_db()
    mentoring.refresh_from_db()
    assert dora.mentor_profile.status == "listed"
    assert mentoring.status == "active"
    flag = lapse_flag(mentoring)
    assert flag.resolved_at is not None and "renewed in time" in flag.resolution
    assert "carries on" in to(alice)[0].subject
    assert "Dora Davies's renewal has been recorded, so your mentoring with" in (
        to(alice)[0].body
    )
    (carries_on,) = [m for m in to(dora) if "carries on" in m.subject]
    assert "Your renewal has been recorded, so your mentoring of Alice" in (
        carries_on.body
    )
    assert run_periodic(today=after_grace()).count("ended after the grace period 0")


def test_a_mentor_still_lapsed_after_the_grace_period_leaves_the_candidate_a_next_step(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(dora)
    run_periodic()
    day_before = after_grace() - datetime.timedelta(days=1)
    assert "ended after the grace period 0" in run_periodic(today=day_before)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "ended after the grace period 1" in run_periodic(today=after_grace())
    mentoring.refresh_from_db()
    assert mentoring.status == "ended_early" and mentoring.ended_by == "scheme"
    assert mentoring.end_reason.startswith(
        "Your mentor's registration or membership lapsed and was not renewed within "
        "30 days"
    )
    assert places_taken(dora) == 0
    assert lapse_flag(mentoring).resolution.startswith("The membership was not renewed")
    assert HelpFlag.objects.get(why="mentor_left", resolved_at__isnull=True)
    assert "You need a new mentor" in to(alice)[0].subject
    (told_dora,) = to(dora)
    assert "your registration or membership lapsed" in told_dora.body
    assert "Alice is being helped to find a new mentor" in told_dora.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "ended after the grace period 0" in run_periodic(today=after_grace())
    assert mail.outbox == []


def test_a_mentor_who_lapses_tells_a_candidate_with_the_assessors_what_is_true(
    mentoring, alice, dora, sam, django_capture_on_commit_callbacks
):
    services.enrolment_set_status(
        enrolment=alice.enrolments.get(), status="submitted", by=sam
    )
    lapse(dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    (held,) = to(alice)
    assert "you have a new mentor to find only if the assessors ask" in held.body
    assert "helped to find a new mentor" not in held.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic(today=after_grace())
    (ended,) = to(alice)
    assert "Your portfolio is with the assessors" in ended.body
    assert "new mentor now" not in ended.body
    assert "Find a new mentor" not in ended.body
    (told_dora,) = to(dora)
    assert "Alice's portfolio is with the assessors" in told_dora.body
    assert "being helped to find a new mentor" not in told_dora.body
    assert not HelpFlag.objects.filter(why="mentor_left").exists()


def test_a_candidate_who_lapses_keeps_their_mentoring_for_the_grace_period(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.register_changed(member_ids=[alice.pk])["lapse_held"] == 1
    mentoring.refresh_from_db()
    assert mentoring.status == "active"
    (told_alice,) = to(alice)
    assert told_alice.subject.endswith(
        f"Your membership has lapsed: your mentoring carries on until "
        f"{after_grace():%-d %B %Y}"
    )
    assert "To renew your membership" in told_alice.body
    (told_dora,) = to(dora)
    assert "Alice Archer's membership has lapsed" in told_dora.subject
    assert "your place is then free for another candidate" in told_dora.body
    assert lapse_flag(mentoring).message == "The candidate's membership lapsed."
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert mail.outbox == []


def test_a_candidate_renewed_in_the_grace_period_carries_on(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    services.register_changed(member_ids=[alice.pk])
    renew(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.register_changed()["lapse_carried_on"] == 1
        assert services.register_changed()["lapse_carried_on"] == 0
    assert {m.to[0] for m in mail.outbox} == {alice.email, dora.email}
    assert lapse_flag(mentoring).resolved_at is not None
    assert run_periodic(today=after_grace()).count("ended after the grace period 0")


def test_a_candidate_still_lapsed_after_the_grace_period_frees_the_mentors_place(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    run_periodic()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "ended after the grace period 1" in run_periodic(today=after_grace())
        assert "ended after the grace period 0" in run_periodic(today=after_grace())
    mentoring.refresh_from_db()
    assert mentoring.status == "ended_early" and mentoring.ended_by == "scheme"
    assert mentoring.end_reason == (
        "The candidate's membership lapsed and was not renewed within 30 days, so "
        "the scheme has ended the mentoring."
    )
    assert places_taken(dora) == 0
    assert lapse_flag(mentoring).resolved_at is not None
    (told_dora,) = to(dora)
    assert "Your place is free again for another candidate" in told_dora.body
    (told_alice,) = to(alice)
    assert "your membership lapsed and was not renewed within 30 days" in (
        told_alice.body
    )
    assert "Once your membership is renewed, you can ask a mentor again" in (
        told_alice.body
    )
    assert not HelpFlag.objects.filter(resolved_at__isnull=True).exists()


def test_the_officers_see_the_held_mentoring_and_cannot_click_it_away(
    client, mentoring, alice, olivia
):
    lapse(alice)
    services.register_changed(member_ids=[alice.pk])
    flag = lapse_flag(mentoring)
    login(client, olivia)
    dashboard = client.get("/oversight/").text
    assert "A membership lapsed during the mentoring" in dashboard
    assert "Closes when the membership is renewed" in dashboard
    # The pair has a mentor: nothing to find or allocate, an email about the mentoring.
    assert "Include them in an allocation" not in dashboard
    assert "subject=Your%20mentoring" in dashboard
    page = client.post(f"/oversight/help/{flag.pk}/resolve/", follow=True).text
    assert "This closes by itself" in page
    flag.refresh_from_db()
    assert flag.resolved_at is None


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


def test_the_pair_read_on_their_mentoring_page_until_when_it_carries_on(
    client, mentoring, alice, dora
):
    lapse(dora)
    run_periodic()
    login(client, alice)
    page = client.get(f"/mentoring/relationships/{mentoring.pk}/").text
    assert "A membership lapsed" in page
    assert f"carries on until {after_grace():%-d %B %Y}" in page
    assert "Needs a support officer's decision" not in page


def test_a_lapsed_candidate_still_reads_their_own_mentoring(
    client, mentoring, alice, dora
):
    lapse(alice)
    services.register_changed(member_ids=[alice.pk])
    login(client, alice)
    home = client.get("/mentoring/")
    assert home.status_code == 200
    assert "Your membership has lapsed" in home.text
    assert f'href="/mentoring/relationships/{mentoring.pk}/"' in home.text
    assert f"carries on until {after_grace():%-d %B %Y}" in home.text
    assert "/contact/" in home.text
    page = client.get(f"/mentoring/relationships/{mentoring.pk}/")
    assert page.status_code == 200 and "A membership lapsed" in page.text
    assert client.get("/mentoring/directory/").status_code == 403


def test_a_lapsed_candidate_may_withdraw_and_their_mentor_is_told(
    client, mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    enrolment = alice.enrolments.get()
    login(client, alice)
    page = client.get(f"/mentoring/enrolments/{enrolment.pk}/withdraw/")
    assert page.status_code == 200
    # Only current members enrol: she can once her membership is renewed.
    assert "You can enrol again at any time" not in page.text
    assert "Once your membership is renewed, you can enrol again" in page.text
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/mentoring/enrolments/{enrolment.pk}/withdraw/")
    assert response.status_code == 302 and response["Location"] == "/"
    enrolment.refresh_from_db()
    mentoring.refresh_from_db()
    assert enrolment.status == "withdrawn" and mentoring.status == "ended_early"
    assert to(dora)
    told = next(m for m in mail.outbox if m.to == ["alice@example.org"])
    assert "You can enrol again at any time" not in told.body
    assert "Once your membership is renewed, you can enrol again" in told.body


def test_nobody_withdraws_someone_elses_enrolment(client, alice, larry):
    login(client, larry)
    enrolment = alice.enrolments.get()
    assert (
        client.post(f"/mentoring/enrolments/{enrolment.pk}/withdraw/").status_code
        == 404
    )


def _as_the_register_has_them(member, status):
    organisation = member.organisation
    return {
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "region": member.region.code,
        "membership_status": status,
        "job_title": member.job_title,
        "organisation": organisation.name if organisation else "",
        "organisation_type": organisation.organisation_type.code
        if organisation
        else "",
    }


def test_a_mentors_renewal_sent_by_the_membership_database_is_told_at_once(
    client, mentoring, alice, dora, django_capture_on_commit_callbacks
):
    _, token = api_services.token_create(
        name="Membership database", scopes=["members:write"], created_by=None
    )
    sync = Api(client, token)
    number = dora.membership_number
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lapsed = sync.put(
            f"/members/{number}", _as_the_register_has_them(dora, "lapsed")
        )
    assert lapsed.status_code == 200
    dora.mentor_profile.refresh_from_db()
    assert dora.mentor_profile.status == "lapsed"  # delisted now, not within the hour
    assert "carries on until" in to(alice)[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        renewed = sync.put(
            f"/members/{number}", _as_the_register_has_them(dora, "current")
        )
    assert renewed.status_code == 200
    dora.mentor_profile.refresh_from_db()
    assert dora.mentor_profile.status == "listed"
    assert lapse_flag(mentoring).resolved_at is not None
    assert to(alice)[0].subject.endswith("Your mentoring with Dora Davies carries on")
    assert any(m.subject.endswith("You are listed as a mentor again") for m in to(dora))
    assert "ended after the grace period 0" in run_periodic(today=after_grace())
