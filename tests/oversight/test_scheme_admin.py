"""Scheme administration by staff: reference data and settings, changed as data."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from mentorscheme.audit.models import AuditEntry
from mentorscheme.members.access import roles_for
from mentorscheme.members.models import (
    OfficerAppointment,
    Organisation,
    OrganisationType,
    Region,
)
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import MentoringRequest
from mentorscheme.scheme.models import Qualification, RegulationsVersion, SchemeSettings
from mentorscheme.training.models import TrainingEvent
from tests import factories as f
from tests.oversight.conftest import candidate, listed_mentor
from tests.personas import login


@pytest.fixture
def staff_client(client, staff):
    return login(client, staff)


def settings_form(**changes):
    current = SchemeSettings.load()
    data = {
        name: getattr(current, name)
        for name in (
            "open_request_limit",
            "reminder_after_days",
            "expire_after_days",
            "unmatched_flag_after_days",
            "reopen_within_days",
            "contact_days_after_end",
            "briefing_grace_days",
            "availability_check_months",
            "refresher_training_months",
            "weight_different_org_type",
            "weight_same_organisation",
            "weight_shared_mode",
            "weight_same_region",
            "weight_up_to_date",
            "weight_load_balance",
            "weight_choice_bonus",
            "allocation_mode",
        )
    }
    return data | changes


def test_a_region_is_added_and_renamed(staff_client):
    response = staff_client.post(
        "/oversight/scheme/regions/", {"code": "channel-islands", "name": "Channel"}
    )
    assert response.status_code == 302
    region = Region.objects.get(code="channel-islands")
    staff_client.post(
        f"/oversight/scheme/regions/{region.pk}/", {"name": "Channel Islands"}
    )
    region.refresh_from_db()
    assert region.name == "Channel Islands"
    entry = AuditEntry.objects.filter(action="reference_data_changed").first()
    assert entry.details["changes"] == {"name": ["Channel", "Channel Islands"]}


def test_a_duplicate_region_code_is_refused_with_a_clear_error(staff_client):
    response = staff_client.post(
        "/oversight/scheme/regions/", {"code": "london", "name": "London again"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "Region with this Code already exists." in response.text


def test_merging_regions_moves_everything_and_keeps_history(
    staff_client, olivia, alice, bob
):
    west, east = f.region("west-midlands"), f.region("east-midlands")
    member = f.MemberFactory(region=west, last_name="Westerner")
    organisation = f.OrganisationFactory(region=west)
    officer = f.MemberFactory(region=west)
    f.with_account(officer, totp=True)
    appointment = f.appoint(officer, "west-midlands")
    event = TrainingEvent.objects.create(
        kind="workshop",
        title="Workshop in Birmingham",
        region=west,
        starts_at=datetime.datetime(2027, 1, 5, 10, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 1, 5, 12, tzinfo=datetime.UTC),
        location="Library of Birmingham",
        capacity=20,
    )
    mentor = listed_mentor(region="west-midlands")
    mentor.regions.set([west])
    enrolment = f.enrol(member)

    merge = {"source": west.pk, "target": east.pk}
    page = staff_client.post("/oversight/scheme/regions/merge/", merge).text
    assert "Merge West Midlands into East Midlands?" in page
    assert (
        "<li>3 members</li>" in page and "<li>1 support officer in office</li>" in page
    )
    assert "<li>1 mentor who meets in person there</li>" in page
    assert "Nobody is emailed." in page
    assert Region.objects.get(pk=west.pk).is_active
    response = staff_client.post(
        "/oversight/scheme/regions/merge/", merge | {"confirmed": "yes"}
    )
    assert response.status_code == 302
    west.refresh_from_db()
    assert west.is_active is False
    assert west.merged_into == east
    for obj in (member, organisation, appointment, event):
        obj.refresh_from_db()
        assert obj.region == east, obj
    assert list(mentor.regions.all()) == [east]
    enrolment.refresh_from_db()
    assert enrolment.member == member
    officer_roles = roles_for(officer.user, today=timezone.localdate())
    assert officer_roles.officer_region_ids == {east.pk}
    entry = AuditEntry.objects.get(action="region_merged")
    assert entry.details["moved"]["members"] == 3
    assert entry.target_description == "West Midlands"
    page = staff_client.get("/oversight/scheme/regions/").text
    assert "Merged into East Midlands" in page
    # A merged region is no longer offered anywhere a region is chosen.
    merge_again = staff_client.post(
        "/oversight/scheme/regions/merge/", {"source": west.pk, "target": east.pk}
    )
    assert merge_again.status_code == 400


def test_a_region_cannot_be_merged_into_itself(staff_client):
    london = f.region("london")
    response = staff_client.post(
        "/oversight/scheme/regions/merge/", {"source": london.pk, "target": london.pk}
    )
    assert response.status_code == 400
    assert "Choose a different region to merge into." in response.text
    assert Region.objects.get(pk=london.pk).is_active


def test_organisation_types_are_added_and_renamed(staff_client):
    staff_client.post(
        "/oversight/scheme/organisation-types/", {"code": "prison", "name": "Prisons"}
    )
    kind = OrganisationType.objects.get(code="prison")
    staff_client.post(
        f"/oversight/scheme/organisation-types/{kind.pk}/",
        {"name": "Prison libraries"},
    )
    kind.refresh_from_db()
    assert kind.name == "Prison libraries"
    assert Organisation.objects.filter(organisation_type=kind).count() == 0


def fellows_only(qualification) -> dict:
    """The qualification's edit form, asking for Fellows as mentors."""
    return {
        "code": qualification.code,
        "name": qualification.name,
        "level": qualification.level_id,
        "uses_mentors": "on",
        "min_mentor_level": f.level("fellowship").pk,
        "enrolment_fee_pence": 7500,
        "submission_fee_pence": 7500,
        "is_active": "on",
    }


def test_a_qualifications_minimum_mentor_level_applies_at_once(
    staff_client, alice, bob, client
):
    chartership = f.qualification("chartership")
    data = fellows_only(chartership)
    response = staff_client.post(
        f"/oversight/scheme/qualifications/{chartership.pk}/", data
    )
    assert response.status_code == 302
    assert Qualification.objects.get(pk=chartership.pk).min_mentor_rank == 3
    login(client, alice)
    response = client.post(
        f"/mentoring/directory/{bob.mentor_profile.pk}/", {"message": "Hello"}
    )
    assert not MentoringRequest.objects.exists()


def test_a_higher_lowest_level_closes_requests_it_no_longer_allows(
    staff_client, alice, bob, client, django_capture_on_commit_callbacks
):
    """Alice (Chartership) asked Bob (Chartered); staff then want Fellows only: her
    request is closed and both are told, and Bob cannot accept it."""
    request = mentoring.request_create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hi"
    )
    chartership = f.qualification("chartership")
    data = fellows_only(chartership)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/oversight/scheme/qualifications/{chartership.pk}/", data)
    request.refresh_from_db()
    assert request.status == "closed"
    assert "no longer high enough" in request.closed_reason
    told = {m.to[0]: m.body for m in mail.outbox}
    assert "no longer high enough" in told[alice.email]
    assert "has been withdrawn: under the scheme's rules now" in told[bob.email]
    with pytest.raises(mentoring.MentoringError, match="no longer open"):
        mentoring.request_accept(
            request=request, mentor=bob.mentor_profile, confirms_not_line_manager=True
        )


def test_a_mentor_accepting_a_request_the_rules_no_longer_allow_is_told_why(alice, bob):
    request = mentoring.request_create(
        enrolment=alice.enrolments.get(), mentor=bob.mentor_profile, message="Hi"
    )
    Qualification.objects.filter(code="chartership").update(
        min_mentor_level=f.level("fellowship")
    )  # as a save around the services would
    with pytest.raises(
        mentoring.MentoringError,
        match="You cannot accept this request. Under the scheme's rules now, the "
        "mentor's level of registration is no longer high enough",
    ):
        mentoring.request_accept(
            request=request, mentor=bob.mentor_profile, confirms_not_line_manager=True
        )
    request.refresh_from_db()
    assert request.status == "closed"


def test_a_qualification_with_mentors_needs_a_level(staff_client):
    response = staff_client.post(
        "/oversight/scheme/qualifications/new/",
        {
            "code": "special",
            "name": "Special",
            "uses_mentors": "on",
            "enrolment_fee_pence": 0,
            "submission_fee_pence": 0,
        },
    )
    assert response.status_code == 400
    assert "needs a level" in response.text


def test_a_regulations_version_is_added_and_binds_later_enrolments(
    staff_client, alice, bob
):
    version = {"name": "Regulations of 2030", "effective_from": "2030-01-01"}
    page = staff_client.post("/oversight/scheme/regulations/", version).text
    assert "Publish Regulations of 2030?" in page
    assert "Emails go to 1 mentor, listed or on the way to listing," in page
    assert "Emails go to 1 candidate who has not yet submitted their portfolio," in page
    assert RegulationsVersion.objects.count() == 1
    response = staff_client.post(
        "/oversight/scheme/regulations/", version | {"confirmed": "yes"}
    )
    assert response.status_code == 302
    assert RegulationsVersion.in_force_on(datetime.date(2030, 6, 1)).name == (
        "Regulations of 2030"
    )
    response = staff_client.post(
        "/oversight/scheme/regulations/",
        {"name": "Same day", "effective_from": "2030-01-01", "summary": ""},
    )
    assert response.status_code == 400


def test_an_officer_is_appointed_and_their_term_ended(staff_client, bob, client):
    response = staff_client.post(
        "/oversight/scheme/appointments/",
        {
            "membership_number": bob.membership_number,
            "region": f.region("yorkshire-humber").pk,
            "role": "support",
            "starts_on": "2026-01-01",
            "ends_on": "2027-12-31",
        },
    )
    assert response.status_code == 302
    appointment = OfficerAppointment.objects.get(member=bob)
    assert roles_for(bob.user, today=timezone.localdate()).is_officer
    response = staff_client.post(
        f"/oversight/scheme/appointments/{appointment.pk}/end/",
        {"ends_on": "2025-06-01"},
    )
    assert response.status_code == 400
    assert "cannot end before it starts" in response.text
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    end = f"/oversight/scheme/appointments/{appointment.pk}/end/"
    page = staff_client.post(end, {"ends_on": yesterday.isoformat()}).text
    assert "End Bob Baker&#x27;s term as Support Officer?" in page
    assert "Yorkshire and Humber then has no Mentor Support Officer" in page
    assert "Yorkshire and Humber then has no Candidate Support Officer" in page
    assert "Bob Baker is not emailed" in page
    appointment.refresh_from_db()
    assert appointment.ends_on == datetime.date(2027, 12, 31)
    staff_client.post(end, {"ends_on": yesterday.isoformat(), "confirmed": "yes"})
    appointment.refresh_from_db()
    assert appointment.ends_on == yesterday
    assert not roles_for(bob.user, today=timezone.localdate()).is_officer
    assert AuditEntry.objects.filter(action="appointment_changed").count() == 2


def test_an_unknown_membership_number_is_refused(staff_client):
    response = staff_client.post(
        "/oversight/scheme/appointments/",
        {
            "membership_number": "NOPE",
            "region": f.region("london").pk,
            "role": "mso",
            "starts_on": "2026-01-01",
        },
    )
    assert response.status_code == 400
    assert "No member has that membership number." in response.text


def test_a_settings_change_takes_effect_on_the_next_request(
    staff_client, client, alice, bob
):
    other = listed_mentor(region="wales")
    response = staff_client.post(
        "/oversight/scheme/settings/", settings_form(open_request_limit=1)
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="settings_changed")
    assert entry.details["changes"] == {"open_request_limit": [3, 1]}

    login(client, alice)
    client.post(f"/mentoring/directory/{bob.mentor_profile.pk}/", {"message": "Hi"})
    response = client.post(f"/mentoring/directory/{other.pk}/", {"message": "Hi"})
    assert "the most allowed at once" in response.text
    assert MentoringRequest.objects.count() == 1


def test_staff_set_how_long_contact_details_show_and_a_completion_reopens(
    staff_client,
):
    response = staff_client.post(
        "/oversight/scheme/settings/",
        settings_form(contact_days_after_end=30, reopen_within_days=14),
    )
    assert response.status_code == 302
    saved = SchemeSettings.load()
    assert (saved.contact_days_after_end, saved.reopen_within_days) == (30, 14)


def test_settings_are_validated_with_clear_errors(staff_client):
    response = staff_client.post(
        "/oversight/scheme/settings/",
        settings_form(
            reminder_after_days=20,
            expire_after_days=10,
            weight_same_region=-1,
            allocation_mode="sometimes",
        ),
    )
    assert response.status_code == 400
    assert "must expire after the reminder" in response.text
    assert "Give a weight between 0 and 1000." in response.text
    assert "Select a valid choice" in response.text
    assert SchemeSettings.load().expire_after_days == 14
    assert not AuditEntry.objects.exists()


def test_the_scheme_page_links_every_guidance_page_for_editing(staff_client):
    page = staff_client.get("/oversight/scheme/").text
    assert 'href="/guidance/becoming-a-mentor/edit/"' in page


def test_a_waiting_candidate_is_unaffected_by_a_region_rename(staff_client):
    enrolment = candidate(region="wales")
    wales = f.region("wales")
    staff_client.post(f"/oversight/scheme/regions/{wales.pk}/", {"name": "Cymru"})
    enrolment.member.refresh_from_db()
    assert enrolment.member.region.name == "Cymru"


def test_weights_finer_than_the_allocation_can_compare_are_refused(staff_client):
    response = staff_client.post(
        "/oversight/scheme/settings/",
        settings_form(weight_shared_mode=0.00006, weight_same_region=0.00014),
    )
    assert response.status_code == 400
    assert "Give at most 4 decimal places" in response.text
    assert SchemeSettings.load().weight_shared_mode == 1.0

    response = staff_client.post(
        "/oversight/scheme/settings/", settings_form(weight_same_region=0.0001)
    )
    assert response.status_code == 302
    assert SchemeSettings.load().weights().same_region == 0.0001


def test_staff_set_the_grace_period_and_the_upkeep_intervals(staff_client):
    response = staff_client.post(
        "/oversight/scheme/settings/",
        settings_form(
            briefing_grace_days=30,
            availability_check_months=6,
            refresher_training_months=36,
        ),
    )
    assert response.status_code == 302
    settings = SchemeSettings.load()
    assert (
        settings.briefing_grace_days,
        settings.availability_check_months,
        settings.refresher_training_months,
    ) == (30, 6, 36)
    response = staff_client.post(
        "/oversight/scheme/settings/",
        settings_form(briefing_grace_days=400, availability_check_months=0),
    )
    assert response.status_code == 400


@pytest.fixture
def superuser_client(staff_client, staff):
    staff.is_superuser = True  # as the demo's staff account is
    staff.save()
    return staff_client


def test_the_admin_shows_the_schemes_rules_but_sends_changes_to_the_sites_pages(
    superuser_client, alice
):
    settings = SchemeSettings.load()
    page = superuser_client.get(
        f"/admin/scheme/schemesettings/{settings.pk}/change/"
    ).text
    assert 'href="/oversight/scheme/settings/"' in page
    assert "records the change in the audit log" in page
    response = superuser_client.post(
        f"/admin/scheme/schemesettings/{settings.pk}/change/",
        settings_form(open_request_limit=0, weight_same_region=-50),
    )
    assert response.status_code == 403
    assert SchemeSettings.load().open_request_limit == 3

    listing = superuser_client.get("/admin/scheme/regulationsversion/").text
    assert 'href="/oversight/scheme/regulations/"' in listing
    adding = {"name": "Backdated", "effective_from": "2026-01-01", "summary": ""}
    response = superuser_client.post("/admin/scheme/regulationsversion/add/", adding)
    assert response.status_code == 403
    assert not RegulationsVersion.objects.filter(name="Backdated").exists()

    enrolment = alice.enrolments.get()
    page = superuser_client.get(f"/admin/scheme/enrolment/{enrolment.pk}/change/").text
    assert f'href="/mentoring/enrolments/{enrolment.pk}/status/"' in page
    response = superuser_client.post(
        f"/admin/scheme/enrolment/{enrolment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert alice.enrolments.exists()


def test_officers_are_appointed_on_the_sites_page_not_in_the_admin(
    superuser_client, bob
):
    listing = superuser_client.get("/admin/members/officerappointment/").text
    assert 'href="/oversight/scheme/appointments/"' in listing
    response = superuser_client.post(
        "/admin/members/officerappointment/add/",
        {
            "member": bob.pk,
            "region": f.region("london").pk,
            "role": "support",
            "starts_on": "2020-01-01",
        },
    )
    assert response.status_code == 403
    assert not OfficerAppointment.objects.exists()


def test_settings_the_scheme_cannot_run_on_are_refused_however_they_are_saved():
    settings = SchemeSettings.load()
    settings.open_request_limit = 0
    settings.reminder_after_days, settings.expire_after_days = 20, 3
    settings.weight_same_region = -50
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert refused.value.message_dict == {
        "open_request_limit": ["Allow at least one open request."],
        "expire_after_days": [
            "Requests must expire after the reminder is sent: give more days than "
            "for the reminder."
        ],
        "weight_same_region": ["Give a weight between 0 and 1000."],
    }


def test_a_lapsed_member_is_not_shown_in_office_on_the_support_officers_page(
    staff_client, larry, olivia
):
    f.appoint(larry, "london")
    page = staff_client.get("/oversight/scheme/appointments/").text
    in_office, other = page.split("<h2>Add an appointment</h2>")
    assert "Olivia" in in_office
    assert "Larry" not in in_office
    assert "Larry" in other
    assert "Not in office: their membership is lapsed" in other
    assert not roles_for(larry.user).is_officer


def test_the_settings_say_an_allocations_matches_are_sent_not_published(staff_client):
    page = staff_client.get("/oversight/scheme/settings/").text
    assert "What sending an allocation&#x27;s matches does with each pair." in page
    assert "publish" not in page.split("<main", 1)[1].lower()
