"""The dashboard's rows of figures, kept by the services, equal a count from scratch.

Each step below goes through the services, as the site, the API and the periodic run
do; after each, the rows the services kept must be exactly what ``figures.rebuild``
works out from the records. Runs on SQLite and on PostgreSQL.
"""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from mentorscheme.api import services as api_services
from mentorscheme.members import importing
from mentorscheme.members.models import MembershipStatus
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentors import services as mentors
from mentorscheme.mentors.models import MentorStatus
from mentorscheme.oversight import figures
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight.models import EnrolmentFigures, MentorFigures
from mentorscheme.privacy import erasure
from mentorscheme.scheme.models import Enrolment, EnrolmentStatus
from tests import factories as f
from tests.personas import mentor
from tests.races import together


def kept() -> tuple[list, list]:
    return (
        list(MentorFigures.objects.order_by("pk").values()),
        list(EnrolmentFigures.objects.order_by("pk").values()),
    )


def assert_as_counted_from_scratch() -> None:
    before = kept()
    figures.rebuild()
    assert kept() == before


@pytest.fixture
def counted(db):
    """Start from rows worked out from scratch for the personas' data (made
    directly); from then on only the services change anything."""

    def check():
        assert_as_counted_from_scratch()

    figures.rebuild()
    return check


def member_with(level="chartership", region="london", **kwargs):
    member = f.MemberFactory(region=f.region(region), **kwargs)
    f.award(member, level)
    f.with_account(member)
    return member


def becomes_listed(member, *, by) -> None:
    profile = mentors.mentor_register_interest(member=member)
    profile = mentors.mentor_application_save(
        profile=profile,
        submit=True,
        qualifications=[f.qualification("chartership")],
        regions=[member.region],
        statement="Happy to help",
    )
    mentors.mentor_application_review(profile=profile, decision="approved", by=by)
    for kind in ("mentor_training", "workshop"):
        mentors.mentor_attendance_changed(
            member=member, kind=kind, on=timezone.localdate(), attended=True
        )


def test_a_mentors_way_through_the_scheme_keeps_the_figures(counted, olivia, sam):
    newcomer = member_with(last_name="Newcomer")
    becomes_listed(newcomer, by=olivia.user)
    counted()
    profile = newcomer.mentor_profile
    profile.refresh_from_db()
    assert profile.status == MentorStatus.LISTED
    assert MentorFigures.objects.get(mentor=profile).listed
    mentors.mentor_set_accepting(profile=profile, accepting=False)
    counted()
    mentors.mentor_set_accepting(profile=profile, accepting=True)
    mentors.mentor_profile_update(
        profile=profile,
        qualifications=[f.qualification("chartership")],
        regions=[newcomer.region],
        capacity=4,
    )
    mentors.mentor_availability_confirm(profile=profile, capacity=3)
    counted()
    mentors.mentor_retire(profile=profile, by=None)
    counted()
    assert not MentorFigures.objects.get(mentor=profile).listed


def test_evidence_of_training_elsewhere_keeps_the_figures(counted, olivia):
    applicant = member_with(last_name="Elsewhere")
    profile = mentors.mentor_register_interest(member=applicant)
    mentors.mentor_evidence_submit(
        profile=profile,
        description="A course run by another body",
        trained_on=timezone.localdate(),
        document=None,
    )
    counted()
    mentors.mentor_external_training_review(
        profile=profile, accept=True, by=olivia.user
    )
    counted()


def test_candidates_matched_ending_completing_and_leaving_keep_the_figures(
    counted, alice, olivia
):
    profile = mentor(region=f.region("london"), profile={"capacity": 3}).mentor_profile
    figures.rebuild()  # made directly, as the register would
    enrolment = alice.enrolments.get()
    request = mentoring.request_create(
        enrolment=enrolment, mentor=profile, message="Hi"
    )
    relationship = mentoring.request_accept(
        request=request, mentor=profile, confirms_not_line_manager=True
    )
    counted()
    assert MentorFigures.objects.get(mentor=profile).active == 1
    assert EnrolmentFigures.objects.get(enrolment=enrolment).waiting_since is None
    mentoring.relationship_end(relationship=relationship, member=alice, reason="Moved")
    counted()
    assert EnrolmentFigures.objects.get(enrolment=enrolment).waiting_since is not None

    second = mentoring.relationship_start(
        enrolment=enrolment, mentor=profile, how=mentoring.ALLOCATED
    )
    mentoring.relationship_confirm_completion(
        relationship=second, member=alice, reason="We met by phone"
    )
    mentoring.relationship_confirm_completion(
        relationship=second, member=profile.member, reason="We met by phone"
    )
    counted()
    mentoring.relationship_reopen(
        relationship=second, officer=olivia.user, reason="Completed by mistake"
    )
    counted()
    assert MentorFigures.objects.get(mentor=profile).active == 1

    later = member_with(level="certification", last_name="Later")
    enrolled = mentoring.enrolment_create(
        member=later, qualification=f.qualification("chartership")
    )
    counted()
    mentoring.enrolment_set_status(enrolment=enrolled, status=EnrolmentStatus.SUBMITTED)
    mentoring.enrolment_withdraw(enrolment=enrolment, member=alice, reason="Too busy")
    counted()
    assert MentorFigures.objects.get(mentor=profile).active == 0


def test_a_mentor_who_lapses_and_the_register_changing_keep_the_figures(
    counted, olivia, sam
):
    lapsing = mentor(region=f.region("london"), last_name="Lapsing")
    candidate = f.enrol(member_with(level="certification", last_name="Waiting"))
    figures.rebuild()  # made directly, as the register would
    mentoring.relationship_start(
        enrolment=candidate, mentor=lapsing.mentor_profile, how=mentoring.ALLOCATED
    )
    lapsing.awards.update(removed_on=timezone.localdate() - datetime.timedelta(days=1))
    mentors.mentor_lapse_check()
    counted()

    # The membership database moves a candidate and lapses another's membership.
    moved = candidate.member
    api_services.member_upsert(
        membership_number=moved.membership_number,
        data=api_services.MemberData(
            first_name=moved.first_name,
            last_name=moved.last_name,
            email=moved.email,
            region="scotland",
            membership_status=MembershipStatus.LAPSED,
        ),
    )
    counted()
    assert EnrolmentFigures.objects.get(enrolment=candidate).waiting_since is None

    oversight.region_merge(source=f.region("london"), target=f.region("wales"), by=sam)
    counted()
    oversight.qualification_save(
        by=sam, qualification=f.qualification("chartership"), uses_mentors=False
    )
    counted()


def test_an_import_moving_and_lapsing_members_keeps_the_figures(counted, alice, bob):
    rows = [
        {
            "membership_number": member.membership_number,
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "region": region,
            "membership_status": status,
        }
        for member, region, status in [
            (alice, "wales", MembershipStatus.CURRENT),
            (bob, "scotland", MembershipStatus.LAPSED),
        ]
    ]
    header = [column.name for column in importing.MEMBER_COLUMNS]
    lines = [header] + [[row.get(name, "") for name in header] for row in rows]
    importing.register_import(data="\n".join(map(",".join, lines)).encode())
    counted()
    assert EnrolmentFigures.objects.get().region == f.region("wales")
    assert MentorFigures.objects.get().membership_lapsed


def test_erasing_a_member_keeps_the_figures(counted, alice, bob, sam):
    erasure.member_erase(member=bob, by=sam, reason="Asked us to, by email")
    erasure.member_erase(member=alice, by=sam, reason="Asked us to, by email")
    counted()


@pytest.mark.parametrize("erased", ["candidate", "mentor"])
def test_erasing_one_of_a_pair_keeps_the_other_sides_figures(
    counted, alice, dora, sam, erased
):
    relationship = mentoring.relationship_start(
        enrolment=alice.enrolments.get(),
        mentor=dora.mentor_profile,
        how=mentoring.ALLOCATED,
    )
    alice.line_manager = dora  # flagged, so the pair's flag must close too
    alice.save()
    mentoring.register_changed()
    person = alice if erased == "candidate" else dora
    erasure.member_erase(member=person, by=sam, reason="Asked us to, by email")
    counted()
    assert not relationship.flags.filter(resolved_at__isnull=True).exists()


def test_saves_around_the_services_as_the_admin_makes_them_keep_the_figures(
    alice, dora, counted, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice.region = f.region("scotland")
        alice.save()
    counted()
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = alice.enrolments.get()
        enrolment.status = EnrolmentStatus.WITHDRAWN
        enrolment.save()
    counted()
    with django_capture_on_commit_callbacks(execute=True):
        profile = dora.mentor_profile
        profile.status = MentorStatus.LAPSED
        profile.save()
    counted()
    with django_capture_on_commit_callbacks(execute=True):
        qualification = f.qualification("chartership")
        qualification.uses_mentors = False
        qualification.save()
    counted()


def test_a_save_of_columns_the_figures_do_not_read_schedules_no_recount(
    dora, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        dora.mentor_profile.save(update_fields=["last_active_at"])
        dora.save(update_fields=["contact_email"])
    assert callbacks == []
    with django_capture_on_commit_callbacks() as callbacks:
        dora.mentor_profile.save(update_fields=["capacity"])
    assert len(callbacks) == 1


def test_the_command_works_every_row_out_again(counted, alice, bob, capsys):
    EnrolmentFigures.objects.all().delete()
    MentorFigures.objects.update(listed=False)
    call_command("figures_rebuild")
    assert (
        "Rebuilt the figures of 1 mentors and 1 enrolments." in capsys.readouterr().out
    )
    assert EnrolmentFigures.objects.get().waiting_since is not None
    assert MentorFigures.objects.get().listed


def test_migrating_a_database_with_records_but_no_rows_works_them_out(
    counted, alice, bob
):
    """A database migrated from before the rows existed gets them once migrate is
    done; one that has them is left as it is."""
    MentorFigures.objects.all().delete()
    EnrolmentFigures.objects.all().delete()
    call_command("migrate", verbosity=0)
    assert MentorFigures.objects.get().listed
    assert EnrolmentFigures.objects.get().waiting_since is not None
    MentorFigures.objects.update(listed=False)
    call_command("migrate", verbosity=0)
    assert not MentorFigures.objects.get().listed


def test_upgrading_stops_counting_candidates_whose_portfolio_is_submitted_as_waiting(
    alice,
):
    figures.rebuild()
    # The rows as they were kept when an open enrolment without a mentor waited.
    enrolment = alice.enrolments.get()
    Enrolment.objects.filter(pk=enrolment.pk).update(status=EnrolmentStatus.SUBMITTED)
    assert EnrolmentFigures.objects.get().waiting_since is not None
    upgrade = importlib.import_module(
        "mentorscheme.oversight.migrations.0006_submitted_candidates_not_waiting"
    )
    upgrade.submitted_candidates_not_waiting(apps, None)
    assert EnrolmentFigures.objects.get().waiting_since is None
    assert_as_counted_from_scratch()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_candidates_ending_with_one_mentor_at_once_keep_the_figures():
    """Each ending works the mentor's row out afresh: the second waits for the
    first to commit and counts what it wrote, so none is lost; and a mentor
    stepping down meanwhile neither deadlocks nor leaves a stale row."""
    profile = mentor(region=f.region("london"), profile={"capacity": 6}).mentor_profile
    pairs = []
    for _ in range(5):
        candidate = member_with(level="certification")
        pairs.append(
            (
                candidate,
                mentoring.relationship_start(
                    enrolment=f.enrol(candidate),
                    mentor=profile,
                    how=mentoring.ALLOCATED,
                ),
            )
        )
    figures.rebuild()
    calls = [
        lambda c=c, r=r: mentoring.relationship_end(
            relationship=r, member=c, reason="Moving on"
        )
        for c, r in pairs[:4]
    ]
    calls.append(lambda: mentors.mentor_retire(profile=profile, by=None))
    results = together(*calls)
    # An ending that comes after the stepping down (which ends every mentoring of
    # theirs) is told so; nothing else fails, no deadlock nor lock timeout.
    failures = [r for r in results if isinstance(r, Exception)]
    assert all(
        isinstance(r, mentoring.MentoringError) and "already ended" in str(r)
        for r in failures
    ), failures
    assert MentorFigures.objects.get(mentor=profile).active == 0
    assert_as_counted_from_scratch()
