import datetime
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from mentorscheme.demo import seed
from mentorscheme.members.models import Member, OfficerAppointment, Organisation, User
from mentorscheme.mentoring.models import MentoringRelationship
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.scheme.models import Enrolment
from mentorscheme.training.models import TrainingEvent


def fingerprint() -> str:
    rows = [
        (
            m.membership_number,
            m.first_name,
            m.last_name,
            m.email,
            m.region.code,
            m.organisation.name,
            m.job_title,
            m.membership_status,
            m.line_manager.membership_number if m.line_manager else "",
            tuple(sorted((a.level.code, str(a.awarded_on)) for a in m.awards.all())),
        )
        for m in Member.objects.select_related("region", "organisation", "line_manager")
        .prefetch_related("awards__level")
        .order_by("membership_number")
    ]
    rows += [
        (p.member.membership_number, p.status, p.capacity, tuple(p.meeting_modes))
        for p in MentorProfile.objects.select_related("member").order_by(
            "member__membership_number"
        )
    ]
    rows += [
        (
            r.enrolment.member.membership_number,
            r.mentor.member.membership_number,
            r.status,
        )
        for r in MentoringRelationship.objects.select_related(
            "enrolment__member", "mentor__member"
        ).order_by("enrolment__member__membership_number")
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def wipe():
    MentoringRelationship.objects.all().delete()
    Enrolment.objects.all().delete()
    MentorProfile.objects.all().delete()
    Member.objects.update(line_manager=None)
    Member.objects.all().delete()
    User.objects.all().delete()
    OfficerAppointment.objects.all().delete()
    Organisation.objects.all().delete()


def test_the_same_seed_gives_the_same_data_and_another_seed_does_not(db):
    seed.seed_demo(seed=7, members=400)
    first = fingerprint()
    wipe()
    seed.seed_demo(seed=7, members=400)
    assert fingerprint() == first
    wipe()
    seed.seed_demo(seed=8, members=400)
    assert fingerprint() != first


def test_the_demo_is_realistic(db):
    seed.seed_demo(seed=2026, members=3000)
    assert Member.objects.count() == 3000
    statuses = set(MentorProfile.objects.values_list("status", flat=True))
    assert {
        MentorStatus.LISTED,
        MentorStatus.APPLIED,
        MentorStatus.APPROVED,
    } <= statuses
    assert 50 <= MentorProfile.objects.count() <= 100
    assert 90 <= Enrolment.objects.count() <= 150
    assert Member.objects.filter(line_manager__isnull=False).count() > 500
    # Every active pairing respects capacity.
    for profile in MentorProfile.objects.all():
        assert profile.relationships.filter(status="active").count() <= profile.capacity


def test_every_demo_account_signs_in(client, db):
    accounts = seed.seed_demo(seed=1, members=300)
    assert [a.role for a in accounts] == [
        "mentor",
        "candidate",
        "support officer",
        "applicant",
        "staff",
    ]
    for account in accounts:
        response = client.post(
            "/accounts/login/", {"login": account.email, "password": account.password}
        )
        expected = "/accounts/2fa/authenticate/" if account.totp_secret else "/"
        assert response["Location"] == expected, account
        client.logout()


def test_seeding_a_database_that_holds_data_is_refused(db):
    seed.seed_demo(seed=1, members=200)
    with pytest.raises(seed.SeedError):
        seed.seed_demo(seed=1, members=200)
    call_command("seed_demo", "--if-empty", "--members", "200")
    assert Member.objects.count() == 200


def test_demo_events_fall_on_working_days_not_over_christmas(db):
    # Loaded on 10 December, the coming events run into Christmas and New Year.
    seed.seed_demo(seed=3, members=300, today=datetime.date(2026, 12, 10))
    days = [e.starts_at.date() for e in TrainingEvent.objects.all()]
    assert max(days) > datetime.date(2027, 1, 1)
    assert [d for d in days if d.weekday() >= 5] == []
    assert [
        d for d in days if (d.month, d.day) in {(12, 24), (12, 25), (12, 26), (1, 1)}
    ] == []


def test_demo_events_are_placed_the_same_way_each_time(db):
    seed.seed_demo(seed=3, members=300, today=datetime.date(2026, 12, 10))
    first = list(TrainingEvent.objects.values_list("title", "starts_at"))
    wipe()
    TrainingEvent.objects.all().delete()
    seed.seed_demo(seed=3, members=300, today=datetime.date(2026, 12, 10))
    assert list(TrainingEvent.objects.values_list("title", "starts_at")) == first


def test_the_smallest_demo_the_command_allows_loads(db):
    accounts = seed.seed_demo(seed=2026, members=100)
    assert {a.role for a in accounts} >= {"candidate", "mentor", "staff"}


def test_seed_demo_works_as_the_readme_prints_it_on_a_fresh_checkout(tmp_path):
    """`.venv/bin/python manage.py seed_demo` before anything else: the database and
    its directory do not exist yet. Run again, it says how to load the demo afresh."""
    database = tmp_path / "var" / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "manage.py", "seed_demo", "--members", "100"]
    root = Path(__file__).resolve().parents[2]
    first = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)  # noqa: S603 - our own command
    assert first.returncode == 0, first.stderr
    assert "candidate@demo.mentorscheme.example" in first.stdout
    again = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)  # noqa: S603 - our own command
    assert again.returncode != 0
    assert "delete var/" in again.stderr


def test_every_mentor_whose_record_says_they_attended_is_on_the_register_of_it(
    db, monkeypatch
):
    """However many mentors trained at a region's last course, each is recorded as
    attending it (a large demo's course is as big as its attendance)."""
    monkeypatch.setattr(
        seed,
        "MENTOR_STATES",
        [(MentorStatus.TRAINED, 0.7), (MentorStatus.LISTED, 0.3)],
    )
    seed.seed_demo(seed=5, members=8000)
    for profile in MentorProfile.objects.filter(status=MentorStatus.TRAINED):
        assert profile.member.bookings.filter(
            status="attended", event__starts_at__date=profile.trained_on
        ).exists(), profile
