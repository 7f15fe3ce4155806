"""Help flags that tell the truth: a new plea reaches the officers, a match or an
ending closes what it answered, "Mark as helped" is recorded and sticks, and nobody
clears a flag about themselves."""

import datetime

from django.core import mail
from django.utils import timezone

from mentorscheme.audit.models import AuditEntry
from mentorscheme.mentoring import services
from mentorscheme.mentoring.models import (
    HelpFlag,
    MentoringRequest,
    RelationshipStatus,
)
from mentorscheme.scheme.models import SchemeSettings
from tests import factories as f
from tests.mentoring.test_line_managers import _flag_line_manager, accept
from tests.mentoring.test_requests import ask
from tests.personas import login


def help_asked(alice, message):
    return services.help_request(enrolment=alice.enrolments.get(), message=message)


def test_asking_again_adds_the_new_words_and_tells_the_officers_again(
    alice, olivia, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = help_asked(alice, "Nobody near me mentors Chartership.")
    with django_capture_on_commit_callbacks(execute=True):
        again = help_asked(alice, "I can only meet online on Tuesdays.")
    assert again.pk == first.pk
    again.refresh_from_db()
    assert "Nobody near me" in again.message and "Tuesdays" in again.message
    to_officer = [m for m in mail.outbox if "olivia@example.org" in m.to]
    assert len(to_officer) == 2
    assert "Tuesdays" in to_officer[1].body
    assert "They first asked on" in to_officer[1].body


def test_a_match_closes_the_candidates_search_flags(client, alice, dora, olivia, clock):
    help_asked(alice, "Please help me find someone.")
    clock.move(days=SchemeSettings.load().unmatched_flag_after_days + 1)
    assert services.flag_waiting_candidates() == 1
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    assert not HelpFlag.objects.filter(resolved_at__isnull=True).exists()
    assert set(HelpFlag.objects.values_list("resolution", flat=True)) == {
        "Matched with a mentor."
    }
    login(client, olivia)
    assert "No candidate is waiting for help." in client.get("/oversight/").text


def test_withdrawing_closes_the_enrolments_flags(client, alice):
    help_asked(alice, "Please help me find someone.")
    services.enrolment_withdraw(
        enrolment=alice.enrolments.get(), member=alice, reason="Changing careers"
    )
    flag = HelpFlag.objects.get()
    assert flag.resolved_at is not None
    assert flag.resolution.startswith("The enrolment closed")


def test_submitting_the_portfolio_closes_the_flags_about_finding_a_mentor(
    client, alice, olivia, sam, clock
):
    help_asked(alice, "Please help me find someone.")
    clock.move(days=SchemeSettings.load().unmatched_flag_after_days + 1)
    assert services.flag_waiting_candidates() == 1
    services.enrolment_set_status(
        enrolment=alice.enrolments.get(), status="submitted", by=sam
    )
    assert not HelpFlag.objects.filter(resolved_at__isnull=True).exists()
    login(client, olivia)
    assert "No candidate is waiting for help." in client.get("/oversight/").text


def test_marked_as_helped_is_recorded_and_not_raised_again_the_next_hour(
    client, alice, olivia, clock
):
    days = SchemeSettings.load().unmatched_flag_after_days
    clock.move(days=days + 1)
    assert services.flag_waiting_candidates() == 1
    flag = HelpFlag.objects.get()
    login(client, olivia)
    client.post(f"/oversight/help/{flag.pk}/resolve/")
    flag.refresh_from_db()
    assert flag.resolved_by == olivia.user
    assert flag.resolution == "Marked as helped by a support officer."
    entry = AuditEntry.objects.get(action="help_flag_resolved")
    assert entry.actor == olivia.user and entry.target_id == str(flag.pk)
    clock.move(hours=1)
    assert services.flag_waiting_candidates() == 0
    clock.move(days=days + 1)  # another whole waiting period without a mentor
    assert services.flag_waiting_candidates() == 1


def test_a_line_manager_flag_is_not_cleared_by_a_click_and_closes_when_corrected(
    client, alice, dora, olivia, django_capture_on_commit_callbacks
):
    relationship = _flag_line_manager(
        client, alice, dora, django_capture_on_commit_callbacks
    )
    flag = HelpFlag.objects.get(why="line_manager")
    login(client, olivia)
    dashboard = client.get("/oversight/").text
    assert "Closes when the mentoring ends or the record is corrected." in dashboard
    page = client.post(f"/oversight/help/{flag.pk}/resolve/", follow=True).text
    assert "A line manager cannot mentor someone they manage" in page
    flag.refresh_from_db()
    assert flag.resolved_at is None
    # The register is put right: nothing is left to decide.
    alice.line_manager = None
    alice.save()
    assert services.register_changed()["corrected"] == 1
    flag.refresh_from_db()
    assert flag.resolution == "The line manager record was corrected."
    relationship.refresh_from_db()
    assert relationship.is_active
    # Recorded again later: flagged again, as the rules require.
    alice.line_manager = dora
    alice.save()
    assert services.register_changed()["flagged"] == 1


def test_a_line_manager_flag_names_the_pair_from_their_records_not_its_words(
    client, alice, dora, olivia, django_capture_on_commit_callbacks
):
    relationship = _flag_line_manager(
        client, alice, dora, django_capture_on_commit_callbacks
    )
    flag = HelpFlag.objects.get(why="line_manager")
    assert flag.message == (
        "The mentor is recorded as the candidate's line manager on the membership "
        "register."
    )
    login(client, olivia)
    page = client.get(f"/mentoring/relationships/{relationship.pk}/").text
    assert flag.message.replace("'", "&#x27;") in page
    assert "Alice Archer and Dora Davies" in page


def test_an_officer_cannot_clear_a_flag_about_someone_they_line_manage(
    client, alice, olivia, clock
):
    alice.line_manager = olivia
    alice.save()
    f.appoint(f.MemberFactory(), "london")  # another officer who can help
    clock.move(days=SchemeSettings.load().unmatched_flag_after_days + 1)
    services.flag_waiting_candidates()
    flag = HelpFlag.objects.get()
    login(client, olivia)
    client.post(f"/oversight/help/{flag.pk}/resolve/")
    flag.refresh_from_db()
    assert flag.resolved_at is None
    assert not AuditEntry.objects.filter(action="help_flag_resolved").exists()


def test_ending_the_mentoring_closes_its_line_manager_flag(
    client, alice, dora, django_capture_on_commit_callbacks
):
    relationship = _flag_line_manager(
        client, alice, dora, django_capture_on_commit_callbacks
    )
    services.relationship_end(
        relationship=relationship, member=dora, reason="I manage Alice."
    )
    flag = HelpFlag.objects.get(why="line_manager")
    assert flag.resolved_at is not None
    assert flag.resolved_at <= timezone.now() + datetime.timedelta(seconds=1)


def test_a_candidate_whose_mentoring_ended_waits_from_the_end_not_from_enrolment(
    client, alice, dora, clock
):
    days = SchemeSettings.load().unmatched_flag_after_days
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    clock.move(days=days + 30)  # long after enrolling, the mentoring ends
    relationship = alice.enrolments.get().relationships.get()
    relationship.status = RelationshipStatus.ENDED_EARLY
    relationship.ended_on = timezone.localdate()
    relationship.save()
    assert services.flag_waiting_candidates() == 0
    clock.move(days=days + 1)
    assert services.flag_waiting_candidates() == 1


def test_a_candidate_with_a_mentor_cannot_raise_a_plea_to_find_one(client, alice, dora):
    ask(client, alice, dora)
    accept(client, dora, MentoringRequest.objects.get())
    login(client, alice)
    response = client.post(
        "/mentoring/help/",
        {"enrolment": alice.enrolments.get().pk, "message": "Help me find someone"},
        follow=True,
    )
    assert "You have a mentor for this enrolment" in response.text
    assert not HelpFlag.objects.exists()


def test_a_candidate_whose_portfolio_is_submitted_cannot_raise_a_plea_to_find_one(
    client, alice, sam
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    login(client, alice)
    home = client.get("/mentoring/").text
    assert "We have your submission and email you the outcome." in home
    assert "Need help finding a mentor" not in home
    response = client.post(
        "/mentoring/help/",
        {"enrolment": enrolment.pk, "message": "Help me find someone"},
        follow=True,
    )
    assert "Your portfolio is submitted" in response.text
    assert not HelpFlag.objects.exists()


def test_a_candidate_asked_for_further_information_can_ask_for_help_to_find_one(
    client, alice, sam, olivia, django_capture_on_commit_callbacks
):
    enrolment = alice.enrolments.get()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    services.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    login(client, alice)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/mentoring/help/",
            {"enrolment": enrolment.pk, "message": "Help me find someone"},
            follow=True,
        )
    assert "has been asked to help you" in response.text
    assert HelpFlag.objects.get().why == "asked"
    assert [m.to for m in mail.outbox] == [[olivia.user.email]]


def test_further_information_asked_flags_a_candidate_without_a_mentor_in_its_time(
    client, alice, olivia, sam, clock
):
    days = SchemeSettings.load().unmatched_flag_after_days
    enrolment = alice.enrolments.get()
    enrolment.enrolled_on -= datetime.timedelta(days=days + 1)
    enrolment.save()
    services.enrolment_set_status(enrolment=enrolment, status="submitted", by=sam)
    assert services.flag_waiting_candidates() == 0
    services.enrolment_set_status(enrolment=enrolment, status="further_info", by=sam)
    assert services.flag_waiting_candidates() == 0
    clock.move(days=days + 1)
    assert services.flag_waiting_candidates() == 1
    login(client, olivia)
    assert "Alice Archer" in client.get("/oversight/").text
