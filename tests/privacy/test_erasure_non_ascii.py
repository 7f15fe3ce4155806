"""A name with letters beyond ASCII is found wherever JSON keeps it escaped ("Zoë" as
"Zo\\u00eb" on SQLite), as well as where it is written plainly."""

import pytest
from django_tasks_db.models import DBTaskResult

from mentorscheme.audit import services as audit
from mentorscheme.audit.models import AuditAction, AuditEntry
from mentorscheme.notifications import emails
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.privacy import erasure
from mentorscheme.privacy.subject import spellings
from tests import factories as f

REASON = "Erasure request by letter, reference DP-2."


@pytest.fixture
def zoe(db):
    member = f.MemberFactory(
        first_name="Zoë", last_name="Brontë", email="zoe.b@example.org"
    )
    f.with_account(member)
    return member


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_name_is_looked_for_as_json_escapes_it():
    assert "Zo\\u00eb Bront\\u00eb" in spellings("Zoë Brontë")
    assert "ZO\\u00cb BRONT\\u00cb" in spellings("Zoë Brontë")
    assert spellings("Ann Smith") == ["Ann Smith"]


def test_a_queued_email_naming_them_goes(
    zoe, sam, database_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emails.queue(
            to="mentor@example.org",
            subject="A new request",
            text="Zoë Brontë has asked you to mentor her.",
        )
        emails.queue(
            to="mentor@example.org",
            subject="A shouted request",
            text="ZOË BRONTË has asked you to mentor her.",
        )
        emails.queue(to="other@example.org", subject="Hello", text="Hello Ann.")
    assert DBTaskResult.objects.count() == 3
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    left = [task.args_kwargs["kwargs"]["to"] for task in DBTaskResult.objects.all()]
    assert left == [["other@example.org"]]


def test_an_audit_entry_naming_them_in_its_details_keeps_only_its_facts(zoe, sam):
    entry = audit.record(
        actor=None,
        action=AuditAction.DATA_EXPORTED,
        target="Report: mentors",
        details={"about": "Zoë Brontë"},
    )
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    entry.refresh_from_db()
    assert entry.details == {}
    assert "Zoë" not in entry.target_description


def test_a_sent_email_naming_them_goes_with_its_attachments(zoe, sam):
    OutboxMessage.objects.create(
        to="mentor@example.org",
        subject="Calendar",
        body="Your meeting",
        attachments=[{"filename": "meeting.ics", "content": "With Zoë Brontë"}],
    )
    OutboxMessage.objects.create(to="ann@example.org", subject="Hi", body="Hi Ann")
    erasure.member_erase(member=zoe, by=sam, reason=REASON)
    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [
        "ann@example.org"
    ]


def test_the_ascii_spelling_is_still_found(
    sam, database_tasks, django_capture_on_commit_callbacks
):
    ann = f.MemberFactory(
        first_name="Ann", last_name="O'Neill", email="ann@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        emails.queue(to="x@example.org", subject="Hi", text='"Ann O\'Neill" asked.')
    erasure.member_erase(member=ann, by=sam, reason=REASON)
    assert not DBTaskResult.objects.exists()
    assert not AuditEntry.objects.filter(details__icontains="O'Neill").exists()
