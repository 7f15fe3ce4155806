"""Both people of a mentoring lapse, one after the other; or the mentor leaves while
the candidate's lapse holds it: each person's grace period runs from their own
lapse, and nobody is promised a mentor they could not ask for."""

import datetime
import html

from django.core import mail
from django.utils import timezone

from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import HelpFlag
from mentorscheme.mentors import services as mentor_services
from mentorscheme.mentors.models import MentorStatusChange
from tests.mentoring import test_membership_lapse as lapsing
from tests.mentoring.test_membership_lapse import (
    after_grace,
    lapse,
    lapse_flag,
    renew,
    run_periodic,
    to,
)
from tests.personas import login

mentoring = lapsing.mentoring  # Alice mentored by Dora

SEARCH = ["asked", "waiting", "mentor_left"]


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def mentor_lapsed_days_ago(mentor, relationship, days):
    """As if the mentor's lapse had been recorded that many days ago."""
    MentorStatusChange.objects.filter(
        mentor=mentor.mentor_profile, to_status="lapsed"
    ).update(at=days_ago(days))
    HelpFlag.objects.filter(relationship=relationship, why="lapsed").update(
        created_at=days_ago(days), mentor_lapsed_at=days_ago(days)
    )


def test_a_candidate_who_lapses_while_held_for_the_mentor_is_told_and_recorded(
    mentoring, alice, dora, sam, django_capture_on_commit_callbacks
):
    lapse(dora)
    run_periodic()
    mentor_lapsed_days_ago(dora, mentoring, 20)
    dora_ends_on = f"{after_grace() - datetime.timedelta(days=20):%-d %B %Y}"
    lapse(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    (told_alice,) = to(alice)
    assert told_alice.subject.endswith(
        f"Your membership has lapsed: your mentoring carries on until {dora_ends_on}"
    )
    assert "you can ask a mentor again once your membership is renewed" in (
        told_alice.body
    )
    (told_dora,) = to(dora)
    assert "So has Alice Archer's." in told_dora.body
    assert "Alice can ask a mentor again once Alice's membership is renewed" in (
        told_dora.body
    )
    assert "helped to find a new mentor" not in told_dora.body
    (told_staff,) = [m for m in mail.outbox if m.to == ["sam@example.org"]]
    assert "The candidate's membership lapsed." in told_staff.body
    assert "flagged to you for a new mentor" not in told_staff.body
    flag = lapse_flag(mentoring)
    assert flag.message == (
        "The mentor's registration or membership lapsed. The candidate's "
        "membership lapsed."
    )
    assert flag.candidate_lapsed_at > flag.mentor_lapsed_at
    assert f"{flag.lapse_ends_on:%-d %B %Y}" == dora_ends_on
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert mail.outbox == []


def test_a_candidate_lapsed_after_their_mentor_has_their_own_grace_period(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(dora)
    run_periodic()
    mentor_lapsed_days_ago(dora, mentoring, 20)
    lapse(alice)
    run_periodic()
    renew(dora)
    run_periodic()
    flag = lapse_flag(mentoring)
    assert flag.resolved_at is None and flag.mentor_lapsed_at is None
    assert flag.message == "The candidate's membership lapsed."
    assert flag.lapse_ends_on == after_grace()
    day_before = after_grace() - datetime.timedelta(days=1)
    assert "ended after the grace period 0" in run_periodic(today=day_before)
    mentoring.refresh_from_db()
    assert mentoring.status == "active"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "ended after the grace period 1" in run_periodic(today=after_grace())
    mentoring.refresh_from_db()
    assert mentoring.status == "ended_early"
    assert mentoring.end_reason.startswith("The candidate's membership lapsed")
    (told_dora,) = to(dora)
    assert "Your place is free again for another candidate" in told_dora.body


def test_a_mentor_who_lapses_after_their_candidate_is_told_whose_lapse_ended_it(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    run_periodic()
    HelpFlag.objects.filter(why="lapsed").update(
        created_at=days_ago(20), candidate_lapsed_at=days_ago(20)
    )
    lapse(dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert any("So has Alice Archer's." in m.body for m in to(dora))
    assert "So has Dora Davies's." in to(alice)[0].body
    flag = lapse_flag(mentoring)
    assert flag.mentor_lapsed_at > flag.candidate_lapsed_at
    alice_ends_on = after_grace() - datetime.timedelta(days=20)
    assert flag.lapse_ends_on == alice_ends_on
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "ended after the grace period 1" in run_periodic(today=alice_ends_on)
    mentoring.refresh_from_db()
    assert mentoring.end_reason.startswith("The candidate's membership lapsed")
    (told_dora,) = to(dora)
    assert "Alice's membership lapsed and was not renewed within 30 days" in (
        told_dora.body
    )
    assert "your registration or membership lapsed and was not" not in told_dora.body
    assert "Your own registration or membership has lapsed too" in told_dora.body
    assert not HelpFlag.objects.filter(why__in=SEARCH).exists()


def test_both_still_lapsed_after_the_grace_period_nobody_is_promised_a_mentor(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(dora)
    lapse(alice)
    run_periodic()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert "ended after the grace period 1" in run_periodic(today=after_grace())
    mentoring.refresh_from_db()
    assert mentoring.status == "ended_early"
    assert not HelpFlag.objects.filter(why__in=SEARCH).exists()
    assert lapse_flag(mentoring).resolution.startswith("The membership was not")
    (told_alice,) = to(alice)
    assert told_alice.subject.endswith("Your mentoring has ended")
    assert "once you renew your membership, you can ask a mentor again" in (
        told_alice.body
    )
    assert "Find a new mentor" not in told_alice.body
    (told_dora,) = to(dora)
    assert "Alice's membership has lapsed too" in told_dora.body
    assert "being helped to find a new mentor" not in told_dora.body


def test_a_mentor_stepping_down_during_the_candidates_lapse_raises_no_search(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    run_periodic()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mentor_services.mentor_retire(profile=dora.mentor_profile)
    mentoring.refresh_from_db()
    assert mentoring.status == "ended_early"
    assert not HelpFlag.objects.filter(why__in=SEARCH).exists()
    assert lapse_flag(mentoring).resolution == "The mentoring ended."
    (told_alice,) = to(alice)
    assert told_alice.subject.endswith("Your mentoring has ended")
    assert "Your mentor has stepped down from mentoring." in told_alice.body
    assert "once you renew your membership, you can ask a mentor again" in (
        told_alice.body
    )
    assert "Find a new mentor" not in told_alice.body


def test_a_mentor_renewed_while_the_candidate_is_still_lapsed_both_read_until_when(
    client, mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(dora)
    run_periodic()
    mentor_lapsed_days_ago(dora, mentoring, 20)
    lapse(alice)
    run_periodic()
    renew(dora)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    until = f"{after_grace():%-d %B %Y}"
    (told_dora,) = [m for m in to(dora) if "carries on" in m.subject]
    assert told_dora.subject.endswith(
        "Your renewal is recorded, but Alice Archer's membership has still lapsed: "
        f"your mentoring carries on until {until}"
    )
    assert (
        "Your renewal has been recorded, thank you, but Alice Archer's membership "
        "has still lapsed."
    ) in told_dora.body
    (relisted,) = [m for m in to(dora) if "listed" in m.subject]
    assert relisted.subject.endswith("You are listed as a mentor again")
    assert "you are listed in the mentor directory again" in relisted.body
    assert "completed every step" not in relisted.body
    assert "your place is then free for another candidate" in told_dora.body
    (told_alice,) = to(alice)
    assert told_alice.subject.endswith(
        "Dora Davies has renewed, but your membership has still lapsed: your "
        f"mentoring carries on until {until}"
    )
    assert told_alice.body.count("lapsed") == 1
    assert "Dora Davies's renewal has been recorded, but your membership has " in (
        told_alice.body
    )
    assert "you can ask a mentor again once your membership is renewed" in (
        told_alice.body
    )
    login(client, dora)
    page = html.unescape(client.get(f"/mentoring/relationships/{mentoring.pk}/").text)
    assert (
        f"The candidate's membership lapsed. The mentoring carries on until {until}"
    ) in page
    assert "The mentor's registration" not in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_periodic()
    assert mail.outbox == []


def test_a_candidate_renewed_while_the_mentor_is_still_lapsed_both_read_until_when(
    mentoring, alice, dora, django_capture_on_commit_callbacks
):
    lapse(alice)
    run_periodic()
    lapse(dora)
    run_periodic()
    renew(alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.register_changed(member_ids=[alice.pk])["lapse_held"] == 0
    until = f"{after_grace():%-d %B %Y}"
    (told_alice,) = to(alice)
    assert told_alice.subject.endswith(
        "Your renewal is recorded, but Dora Davies's registration or membership has "
        f"still lapsed: your mentoring carries on until {until}"
    )
    assert "you are then helped to find a new mentor" in told_alice.body
    (told_dora,) = to(dora)
    assert told_dora.subject.endswith(
        "Alice Archer has renewed, but your registration or membership has still "
        f"lapsed: your mentoring carries on until {until}"
    )
    assert "Alice is then helped to find a new mentor" in told_dora.body
    assert lapse_flag(mentoring).message == (
        "The mentor's registration or membership lapsed."
    )
