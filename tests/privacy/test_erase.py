import base64
import datetime
import json
import pickle

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import serializers
from django.db import connection, models
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorscheme.audit.models import AuditEntry
from mentorscheme.contact.models import Feedback
from mentorscheme.members.models import Member, User
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import (
    Agreement,
    HelpFlag,
    Meeting,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.mentors import services as mentors
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.privacy.models import CalendarFeed, ErasureRecord
from mentorscheme.training.models import Booking
from tests import factories as f
from tests.oversight.conftest import listed_mentor
from tests.oversight.test_dashboard import dashboard
from tests.personas import login

REASON = "Erasure request by email on 3 May, reference DP-123."


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (Member, MentoringRelationship, MentoringRequest, Booking)
    }


def _erase(client, member, **data):
    return client.post(
        f"/privacy/erase/{member.pk}/", {"reason": REASON, "confirmed": "yes"} | data
    )


def _everything_stored() -> str:
    """Every row of every model except the append-only audit log, and everything in
    the cache, as text."""
    chunks = []
    table = settings.CACHES["default"]["LOCATION"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key, value FROM {table}")  # noqa: S608
        for key, value in cursor.fetchall():
            chunks.append(f"{key} {pickle.loads(base64.b64decode(value))!r}")  # noqa: S301
    for model in apps.get_models():
        if model is AuditEntry or not issubclass(model, models.Model):
            continue
        chunks.append(serializers.serialize("json", model.objects.all()))
    for session in Session.objects.all():
        chunks.append(json.dumps(session.get_decoded()))
    return "\n".join(chunks).lower()


def test_staff_see_what_erasure_will_do_before_confirming(client, mia, sam_with_totp):
    login(client, sam_with_totp)
    page = client.get(f"/privacy/erase/{mia.pk}/").content.decode()
    assert "Mia Marchetti" in page
    assert "1 active mentoring relationship will end" in page
    assert "a mentor is told their place is free" in page
    assert "1 future training place will be given back" in page
    refused = _erase(client, mia, reason="")
    assert refused.status_code == 400
    asked = _erase(client, mia, confirmed="").text
    assert "Erase Mia Marchetti&#x27;s personal data?" in asked
    assert "<li>Mia Marchetti mentoring Alice Archer</li>" in asked
    assert "Each other person is emailed, without their name" in asked
    assert "1 open mentoring request is withdrawn" in asked
    assert "Nobody is emailed" not in asked
    assert "anyone waiting for one is emailed" in asked
    assert Member.objects.get(pk=mia.pk).first_name == "Mia"
    assert not ErasureRecord.objects.exists()


def test_erasing_a_mentor_who_is_also_a_candidate_removes_them_everywhere(
    client, mia, alice, bob, sam_with_totp
):
    Client().force_login(mia.user)  # a live session to end
    user_id = mia.user_id
    before = _counts()
    login(client, sam_with_totp)

    response = _erase(client, mia)

    assert response.status_code == 302
    assert _counts() == before  # anonymous statistics stay
    text = _everything_stored()
    for trace in ("mia@example.org", "marchetti", "mia ", "t777777", "metadata lib"):
        assert trace not in text, trace
    member = Member.objects.get(pk=mia.pk)
    assert member.membership_status == "lapsed" and member.user is None
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(user_id=user_id).exists()
    assert not Authenticator.objects.filter(user_id=user_id).exists()
    assert not CalendarFeed.objects.filter(member=member).exists()
    signed_in = [s.get_decoded().get("_auth_user_id") for s in Session.objects.all()]
    assert str(user_id) not in signed_in


def test_erasing_a_mentor_leaves_their_name_nowhere_in_the_dashboards_figures(
    client, olivia, sam_with_totp
):
    lapsing = listed_mentor(first_name="Lorna", last_name="Lapsingly").member
    lapsing.awards.update(removed_on=timezone.localdate() + datetime.timedelta(days=30))  # fmt: skip
    assert "Lorna Lapsingly" in dashboard(client, olivia)
    login(client, sam_with_totp)
    _erase(client, lapsing)
    assert "lapsingly" not in _everything_stored()
    assert "Lapsingly" not in dashboard(client, olivia)


def test_erasure_keeps_other_peoples_records(client, mia, alice, bob, sam_with_totp):
    login(client, sam_with_totp)
    _erase(client, mia)
    assert OutboxMessage.objects.get().to == "bob@example.org"
    assert DBTaskResult.objects.get().args_kwargs["kwargs"]["to"] == ["bob@example.org"]
    assert Member.objects.get(pk=alice.pk).email == "alice@example.org"
    assert Booking.objects.get(member=bob).status == "booked"  # the freed place


def test_erasure_closes_what_is_open_and_blanks_what_was_written(
    client, mia, sam_with_totp
):
    login(client, sam_with_totp)
    _erase(client, mia)
    relationship = MentoringRelationship.objects.get(mentor__member=mia)
    assert relationship.status == "ended_early" and relationship.ended_by == "scheme"
    request = MentoringRequest.objects.get(enrolment__member=mia)
    assert (request.status, request.message) == ("withdrawn", "[erased]")
    assert Meeting.objects.get().notes == "[erased]"
    assert Agreement.objects.get().goals == "[erased]"
    assert HelpFlag.objects.get(enrolment__member=mia).message == "[erased]"
    # Alice's mentor left: her region's officers are asked to help her find another.
    left = HelpFlag.objects.get(enrolment=relationship.enrolment)
    assert (left.why, left.message) == (
        "mentor_left",
        "Your mentor has left the scheme.",
    )
    assert left.resolved_at is None
    assert set(Feedback.objects.values_list("email", "message")) == {("", "[erased]")}
    past, future = Booking.objects.filter(member=mia).order_by("event__starts_at")
    assert (past.status, future.status) == ("attended", "cancelled")
    profile = Member.objects.get(pk=mia.pk).mentor_profile
    assert profile.status == "retired" and profile.statement == ""


def test_the_erasure_is_recorded_with_its_reason(client, mia, sam_with_totp):
    login(client, sam_with_totp)
    _erase(client, mia)
    record = ErasureRecord.objects.get()
    assert record.reason == REASON and record.erased_by == sam_with_totp
    assert record.summary["members.member"] == 1
    assert AuditEntry.objects.filter(action="data_erased").count() == 1
    page = client.get("/privacy/erasures/").content.decode()
    assert REASON in page
    again = client.get(f"/privacy/erase/{mia.pk}/").content.decode()
    assert "was erased on" in again
    assert _erase(client, mia).status_code == 200
    assert ErasureRecord.objects.count() == 1


def test_a_reason_that_names_the_member_is_refused_as_it_is_kept(
    client, mia, sam_with_totp
):
    # The record of the erasure outlives it, on the list of erasures.
    login(client, sam_with_totp)
    for reason in (
        "Erasure request from Mia Marchetti by email, DP-124.",
        "Asked by mia@example.org on 3 May.",
        "Request about member T777777, by letter.",
    ):
        response = _erase(client, mia, reason=reason)
        assert response.status_code == 400, reason
        assert "must not name" in response.text
    # Said at once, before the page that asks to confirm.
    response = client.post(f"/privacy/erase/{mia.pk}/", {"reason": reason})
    assert "must not name" in response.text
    assert not ErasureRecord.objects.exists()
    assert Member.objects.get(pk=mia.pk).first_name == "Mia"
    assert _erase(client, mia).status_code == 302


def test_a_first_name_that_is_also_a_word_does_not_refuse_a_reason(
    client, sam_with_totp
):
    may = f.MemberFactory(first_name="May", last_name="Ashby")
    login(client, sam_with_totp)
    assert "3 May" in REASON
    assert _erase(client, may).status_code == 302


def test_only_staff_erase(client, mia, olivia, alice):
    for person in (olivia, alice, mia):
        login(client, person)
        assert client.get(f"/privacy/erase/{mia.pk}/").status_code == 403
        assert _erase(client, mia).status_code == 403
        assert client.get("/privacy/erasures/").status_code == 403
    assert Member.objects.get(pk=mia.pk).first_name == "Mia"


def test_a_member_without_an_account_is_erased_too(client, sam_with_totp):
    member = f.MemberFactory(first_name="Nell", email="nell@example.org")
    login(client, sam_with_totp)
    assert _erase(client, member).status_code == 302
    assert (
        Member.objects.get(pk=member.pk).email == f"erased-{member.pk}@erased.invalid"
    )


def test_no_one_erases_their_own_record(client, olivia):
    olivia.user.is_staff = True  # a member of staff who is also on the register
    olivia.user.save()
    login(client, olivia)
    response = _erase(client, olivia)
    assert response.status_code == 400
    assert "Another member of the team" in response.content.decode()
    assert Member.objects.get(pk=olivia.pk).first_name == "Olivia"


def test_erasing_a_mentor_leaves_their_name_in_no_one_elses_help_flag(
    client, alice, bob, sam_with_totp
):
    enrolment = alice.enrolments.get()
    request = mentoring.request_create(
        enrolment=enrolment, mentor=bob.mentor_profile, message="Hello"
    )
    mentoring.request_accept(
        request=request, mentor=bob.mentor_profile, confirms_not_line_manager=True
    )
    mentors.mentor_retire(profile=bob.mentor_profile, by=bob.user)
    # A flag whose words name the mentor, as flags were written before.
    other = f.enrol(f.MemberFactory())
    HelpFlag.objects.create(
        enrolment=other, why="mentor_left", message="Bob Baker: Stepped down."
    )
    login(client, sam_with_totp)
    _erase(client, bob)
    assert not HelpFlag.objects.filter(message__contains="Bob Baker").exists()
    assert HelpFlag.objects.get(enrolment=enrolment).message == (
        "Your mentor has stepped down from mentoring."
    )
