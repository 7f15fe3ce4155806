"""After a whole journey through the real views and the task worker, erasing the
candidate leaves nothing that names them in any text or JSON column of any table."""

import datetime
import json
import re

import pytest
from django.contrib import admin
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from mentorscheme.contact.models import Feedback
from mentorscheme.members.models import Member, RegisterImport
from mentorscheme.mentoring.models import MentoringRelationship, MentoringRequest
from tests import factories as f
from tests.personas import login

REASON = "Erasure request by letter, reference DP-991."
TEXT_TYPES = {
    "CharField",
    "TextField",
    "JSONField",
    "EmailField",
    "SlugField",
    "BinaryField",  # uploaded files kept in the database, read as text
}


@pytest.fixture
def worker_and_outbox(settings):
    """Emails go through the database task queue and the worker, into the outbox."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "mentorscheme.notifications.backends.OutboxBackend"


@pytest.fixture
def zoe(db):
    member = f.MemberFactory(
        first_name="Zephyrine",
        last_name="Quillfeather",
        email="zephyrine.q@example.org",
        membership_number="M9876543",
    )
    f.with_account(member)
    f.enrol(member, "chartership")
    return member


def run_worker():
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


def text_columns():
    """(table, column) of every text and JSON column of every table."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("sqlite_"):
                continue  # SQLite's own (planner statistics after a demo's ANALYZE)
            for column in connection.introspection.get_table_description(cursor, table):
                kind = connection.introspection.get_field_type(column.type_code, column)
                if kind in TEXT_TYPES:
                    yield table, column.name


def readable(table: str, value) -> str:
    """A stored value as text: files kept in the database decoded, and sessions
    (signed, base64-encoded JSON) read as Django reads them."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    if table == Session._meta.db_table and value:
        decoded = SessionStore().decode(value)
        return f"{value} {json.dumps(decoded) if decoded else ''}"
    return str(value or "")


def scan(needles: list[str]) -> list[str]:
    """Where any of ``needles`` is stored, as ``table.column: value``."""
    hits = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            cursor.execute(f"SELECT {qn(column)} FROM {qn(table)}")  # noqa: S608
            for (value,) in cursor.fetchall():
                text = readable(table, value)
                for needle in needles:
                    if re.search(re.escape(needle), text, re.IGNORECASE):
                        hits.append(f"{table}.{column}: {text[:120]!r}")
    return hits


# Committed as in production: the task worker uses (and closes) its own connection.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_erasure_leaves_no_trace_in_any_column(
    client,
    zoe,
    bob,
    olivia,
    sam_with_totp,
    worker_and_outbox,
    django_capture_on_commit_callbacks,
):
    profile = bob.mentor_profile
    # The candidate asks, through the directory's page.
    with django_capture_on_commit_callbacks(execute=True):
        login(client, zoe).post(
            f"/mentoring/directory/{profile.pk}/",
            {"message": "Hello, I am Zephyrine Quillfeather of Camden libraries."},
        )
    # She walks away without signing out: her sign-in times out.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(minutes=1))
    client.cookies.clear()
    request = MentoringRequest.objects.get(enrolment__member=zoe)
    # The mentor accepts on the request page.
    with django_capture_on_commit_callbacks(execute=True):
        login(client, bob).post(
            f"/mentoring/requests/{request.pk}/accept/",
            {"not_line_manager": "yes"},
        )
    relationship = MentoringRelationship.objects.get(enrolment__member=zoe)
    # An officer of the region opens the private notes, saying why.
    olivia.region = zoe.region
    olivia.save()
    with django_capture_on_commit_callbacks(execute=True):
        login(client, olivia).post(
            f"/mentoring/relationships/{relationship.pk}/open-notes/",
            {
                "reason": "Checking on Zephyrine's progress after a complaint.",
                "confirmed": "yes",
            },
        )
    # A member of staff changes the record in the admin (its own log entry).
    edit = RequestFactory().post("/admin/")
    edit.user = sam_with_totp
    member_admin = admin.site._registry[Member]
    member_admin.log_change(edit, zoe, "Changed job title.")
    # Staff import a file of awards from the membership database; the candidate's
    # row is refused, and the import's report lists it.
    awards = (
        "membership_number,level,awarded_on,last_revalidated_on,removed_on\r\n"
        "M9876543,nonsense,2019-05-01,,\r\n"
    )
    with django_capture_on_commit_callbacks(execute=True):
        login(client, sam_with_totp).post(
            "/members/import/",
            {"file": SimpleUploadedFile("awards.csv", awards.encode(), "text/csv")},
        )
    # Someone else writes to the team about her, and staff note what they did.
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/contact/",
            {
                "topic": "general",
                "name": "A colleague",
                "email": "colleague@example.org",
                "message": "Is Zephyrine Quillfeather still looking for a mentor?",
            },
        )
    feedback = Feedback.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/contact/triage/{feedback.pk}/",
            {
                "status": "answered",
                "staff_note": "Zephyrine Quillfeather has a mentor.",
            },
        )
    run_worker()
    assert "M9876543" in str(RegisterImport.objects.get().outcome)

    needles = ["Zephyrine", "Quillfeather", "zephyrine.q@example.org", "M9876543"]
    assert scan(needles), "the journey left the candidate's details to find"

    login(client, sam_with_totp)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/privacy/erase/{zoe.pk}/", {"reason": REASON, "confirmed": "yes"}
        )
    assert response.status_code == 302
    run_worker()

    assert scan(needles) == []
    # The colleague's message can still be answered.
    assert Feedback.objects.get().email == "colleague@example.org"
    # The import's report still says which line of its file was refused.
    assert [
        row["line"] for row in RegisterImport.objects.get().outcome["rejections"]
    ] == [2]
