"""The audit log: append-only, written by the actions that matter, searchable."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.utils import timezone

from mentorscheme.audit import services as audit
from mentorscheme.audit.models import AuditEntry
from mentorscheme.guidance.models import GuidancePage
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors.models import MentorStatus
from tests import factories as f
from tests.oversight.conftest import listed_mentor
from tests.personas import login


@pytest.fixture
def entry(staff):
    return audit.record(
        actor=staff, action="settings_changed", target="Scheme settings"
    )


def test_an_entry_cannot_be_changed(entry):
    entry.target_description = "Something else"
    with pytest.raises(AuditEntry.AppendOnly):
        entry.save()
    assert AuditEntry.objects.get().target_description == "Scheme settings"


def test_an_entry_cannot_be_deleted_one_by_one_or_in_bulk(entry):
    with pytest.raises(AuditEntry.AppendOnly):
        entry.delete()
    with pytest.raises(AuditEntry.AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


def test_the_admin_site_can_neither_change_nor_delete_entries(staff, entry):
    model_admin = site._registry[AuditEntry]
    request = RequestFactory().get("/admin/")
    request.user = staff
    staff.is_superuser = True
    assert not model_admin.has_delete_permission(request, entry)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_add_permission(request)


def test_the_actor_stays_named_after_their_account_is_deleted(staff, entry):
    staff.delete()
    entry = AuditEntry.objects.get()
    assert entry.actor is None
    assert entry.actor_label == "sam@example.org"


def test_a_mentor_application_decision_is_recorded(client, olivia):
    profile = listed_mentor(profile={"status": MentorStatus.APPLIED})
    login(client, olivia)
    client.post(
        f"/mentors/review/{profile.pk}/",
        {"decision": "declined", "reason": "Not yet", "confirmed": "yes"},
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "mentor_application_decided"
    assert entry.actor == olivia.user
    assert entry.target_type == "mentors.mentorprofile"
    assert entry.target_id == str(profile.pk)
    assert entry.details == {"decision": "declined", "reason": "Not yet"}


def test_an_officer_opening_private_notes_is_recorded(client, olivia, alice, bob):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    login(client, olivia)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/open-notes/",
        {
            "reason": "The candidate asked me to look at their plan.",
            "confirmed": "yes",
        },
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "private_notes_opened"
    assert entry.actor == olivia.user
    assert entry.details["reason"] == "The candidate asked me to look at their plan."


def test_an_officer_ending_a_mentoring_is_recorded_with_the_reason(
    client, olivia, alice, bob, staff
):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile
    )
    login(client, olivia)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/end-by-officer/",
        {
            "reason": "Bob is Alice's line manager on the register.",
            "confirmed": "yes",
        },
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "mentoring_ended_by_officer"
    assert entry.actor == olivia.user
    assert entry.target_id == str(relationship.pk)
    assert entry.details == {"reason": "Bob is Alice's line manager on the register."}
    relationship.refresh_from_db()
    assert relationship.status == "ended_early"
    login(client, staff)
    page = client.get("/oversight/audit/?action=mentoring_ended_by_officer").text
    assert "1 entry." in page and "Mentoring ended by a support officer" in page
    assert "olivia@example.org" in page and "line manager on the register" in page


def test_an_officer_reopening_a_completion_is_recorded(client, olivia, alice, bob):
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(),
        mentor=bob.mentor_profile,
        status="completed",
        ended_on=timezone.localdate(),
    )
    login(client, olivia)
    client.post(
        f"/mentoring/relationships/{relationship.pk}/reopen/",
        {"reason": "Completed by mistake; they still meet.", "confirmed": "yes"},
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "mentoring_reopened"
    assert entry.actor == olivia.user
    assert entry.details["reason"] == "Completed by mistake; they still meet."


def test_an_officer_cannot_end_a_mentoring_they_are_part_of(client, olivia, alice):
    f.mentor_profile(olivia)
    relationship = MentoringRelationship.objects.create(
        enrolment=alice.enrolments.get(), mentor=olivia.mentor_profile
    )
    login(client, olivia)
    page = client.post(
        f"/mentoring/relationships/{relationship.pk}/end-by-officer/",
        {"reason": "I would rather stop mentoring Alice."},
        follow=True,
    )
    assert "This is your own case" in page.text
    relationship.refresh_from_db()
    assert relationship.is_active
    assert not AuditEntry.objects.exists()


def test_a_guidance_edit_is_recorded(client, staff):
    page = GuidancePage.objects.get(slug="becoming-a-mentor")
    login(client, staff)
    client.post(
        f"/guidance/{page.slug}/edit/",
        {
            "title": page.title,
            "summary": page.summary,
            "body": page.body + "\n\nOne more line.",
            "order": page.order,
            "is_published": "on",
        },
    )
    entry = AuditEntry.objects.get()
    assert entry.action == "guidance_edited"
    assert entry.target_description == page.title


def test_erasures_and_exports_can_be_recorded_by_other_apps(staff, alice):
    audit.record_data_export(actor=staff, what="Subject access export", details={})
    audit.record_erasure(actor=staff, member=alice)
    erased = AuditEntry.objects.get(action="data_erased")
    assert erased.target_description == f"Member record {alice.pk}"
    assert alice.membership_number not in str(erased.target_description)
    assert "Alice" not in str(erased.details)


def test_staff_search_and_filter_the_log(client, staff, olivia):
    audit.record(actor=staff, action="settings_changed", target="Scheme settings")
    audit.record(
        actor=olivia.user,
        action="private_notes_opened",
        target="A relationship",
        details={"reason": "safeguarding concern"},
    )
    login(client, staff)
    page = client.get("/oversight/audit/").text
    assert "2 entries." in page
    page = client.get("/oversight/audit/?q=olivia").text
    assert "1 entry." in page and "A relationship" in page
    page = client.get("/oversight/audit/?q=safeguarding").text
    assert "1 entry." in page
    page = client.get("/oversight/audit/?action=settings_changed").text
    assert "1 entry." in page and "Scheme settings" in page


def test_the_log_is_paginated(client, staff):
    for i in range(60):
        audit.record(actor=staff, action="settings_changed", target=f"Change {i}")
    login(client, staff)
    first = client.get("/oversight/audit/").text
    assert "Page 1 of 2." in first
    assert "Change 59" in first and "Change 0<" not in first
    second = client.get("/oversight/audit/?page=2").text
    assert "Change 0" in second
