"""Deterministic demo data: the same seed always gives the same register.

Everything scales with the number of members, so ``members=200_000`` gives a
register big enough for load tests; rows go in with bulk inserts.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings as site_settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from mentorscheme.demo import names
from mentorscheme.members.models import (
    Level,
    Member,
    MembershipStatus,
    OfficerAppointment,
    OfficerRole,
    Organisation,
    OrganisationType,
    Region,
    RegistrationAward,
    User,
)
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import (
    Agreement,
    DeclineReason,
    EndedBy,
    HelpFlag,
    Meeting,
    MentoringRelationship,
    MentoringRequest,
    RelationshipStatus,
    RequestStatus,
)
from mentorscheme.mentors import directory
from mentorscheme.mentors.models import (
    MeetingMode,
    MentorProfile,
    MentorStatus,
    MentorStatusChange,
)
from mentorscheme.mentors.selectors import EVIDENCE_STATES
from mentorscheme.oversight import figures
from mentorscheme.oversight import services as oversight
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.models import (
    Enrolment,
    EnrolmentStatus,
    Qualification,
    RegulationsVersion,
    SchemeSettings,
)
from mentorscheme.scheme.records import CandidateRecord, MentorRecord
from mentorscheme.training.models import (
    AcknowledgementHow,
    Booking,
    BookingStatus,
    BriefingAcknowledgement,
    EventKind,
    RegulationsBriefing,
    TrainingEvent,
)

DEMO_PASSWORD = "mentor-scheme-demo"  # noqa: S105 - printed for the person running the demo
DEMO_DOMAIN = "demo.mentorscheme.example"
BATCH = 5000
CREATED_AT = datetime.datetime(2024, 1, 1, 9, 0, tzinfo=datetime.UTC)

# Proportions of the membership, as in the real scheme (DOMAIN.md): about 15 % hold
# a level of registration, 3-5 % are enrolled on a qualification, 1-2 % mentor
# (are listed). Members with a mentor record at any stage: about three in five of
# them are listed.
MENTOR_SHARE = 0.025
ENROLLED_SHARE = 0.04
# Certification (ACLIP) was introduced in 2005: no award of it before then.
CERTIFICATION_FROM = datetime.date(2005, 6, 1)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=datetime.UTC)


#: Days no region holds an event on, as (month, day): Christmas Eve to New Year's
#: Day, when libraries close or run short-staffed and volunteers are away.
HOLIDAYS = {(12, day) for day in range(24, 32)} | {(1, 1)}


def _working_day(day: datetime.date) -> datetime.date:
    """The day itself, or the next one that is neither a weekend nor a holiday:
    events run on working days."""
    while day.weekday() >= 5 or (day.month, day.day) in HOLIDAYS:
        day += datetime.timedelta(days=1)
    return day


def _merge_the_midlands() -> None:
    """The East and West Midlands networks merged in 2025: the demo shows the
    regions as they are now, the old two kept on record as merged."""
    east = Region.objects.filter(code="east-midlands", is_active=True).first()
    west = Region.objects.filter(code="west-midlands", is_active=True).first()
    if east is None or west is None:
        return
    midlands, _ = Region.objects.get_or_create(
        code="midlands", defaults={"name": "Midlands"}
    )
    Region.objects.filter(pk__in=[east.pk, west.pk]).update(
        is_active=False, merged_into=midlands
    )
    directory.note_change()  # regions the directory offers, written around the models


# Share of mentors in each lifecycle state (listed mentors are the majority).
MENTOR_STATES = [
    (MentorStatus.INTERESTED, 0.07),
    (MentorStatus.APPLIED, 0.07),
    (MentorStatus.MORE_INFO, 0.02),
    (MentorStatus.DECLINED, 0.02),
    (MentorStatus.APPROVED, 0.07),
    (MentorStatus.TRAINED, 0.06),
    (MentorStatus.WORKSHOP_ATTENDED, 0.04),
    (MentorStatus.LISTED, 0.58),
    (MentorStatus.LAPSED, 0.04),
    (MentorStatus.RETIRED, 0.03),
]
# The path each state took, for the recorded history.
STATE_PATHS = {
    MentorStatus.INTERESTED: [MentorStatus.INTERESTED],
    MentorStatus.APPLIED: [MentorStatus.INTERESTED, MentorStatus.APPLIED],
    MentorStatus.MORE_INFO: [
        MentorStatus.INTERESTED,
        MentorStatus.APPLIED,
        MentorStatus.MORE_INFO,
    ],
    MentorStatus.DECLINED: [
        MentorStatus.INTERESTED,
        MentorStatus.APPLIED,
        MentorStatus.DECLINED,
    ],
    MentorStatus.APPROVED: [
        MentorStatus.INTERESTED,
        MentorStatus.APPLIED,
        MentorStatus.APPROVED,
    ],
}
_LISTED_PATH = [MentorStatus.INTERESTED, MentorStatus.APPLIED, MentorStatus.APPROVED]
STATE_PATHS[MentorStatus.TRAINED] = _LISTED_PATH + [MentorStatus.TRAINED]
STATE_PATHS[MentorStatus.WORKSHOP_ATTENDED] = _LISTED_PATH + [
    MentorStatus.WORKSHOP_ATTENDED
]
STATE_PATHS[MentorStatus.LISTED] = _LISTED_PATH + [
    MentorStatus.TRAINED,
    MentorStatus.LISTED,
]
STATE_PATHS[MentorStatus.LAPSED] = STATE_PATHS[MentorStatus.LISTED] + [
    MentorStatus.LAPSED
]
STATE_PATHS[MentorStatus.RETIRED] = STATE_PATHS[MentorStatus.LISTED] + [
    MentorStatus.RETIRED
]

#: States on the way to being listed (where an officer may still decide evidence of
#: training): whoever is in one took their last step lately.
ON_THE_WAY = EVIDENCE_STATES

QUALIFICATION_SHARES = [
    ("certification", 0.25),
    ("chartership", 0.52),
    ("chartership-km", 0.08),
    ("fellowship", 0.15),
]
MODES = [m.value for m in MeetingMode]

# TOTP secrets of the demo staff and officer accounts (base32), printed by make run.
DEMO_TOTP_SECRETS = {
    f"staff@{DEMO_DOMAIN}": "MENTORSCHEMESTAFFDEMOSECRETKEYAB",
    f"officer@{DEMO_DOMAIN}": "MENTORSCHEMEOFFICERDEMOSECRETKEY",
}


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    totp_secret: str = ""


class SeedError(Exception):
    pass


Progress = Callable[[str, int, int], None]


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def _date_between(rng: random.Random, start: datetime.date, end: datetime.date):
    return start + datetime.timedelta(days=rng.randrange((end - start).days + 1))


def _weighted(rng: random.Random, shares):
    values, weights = zip(*shares, strict=True)
    return rng.choices(values, weights=weights)[0]


def _bulk(model, rows: list, progress: Progress, stage: str) -> list:
    created = []
    for start in range(0, len(rows), BATCH):
        created += model.objects.bulk_create(rows[start : start + BATCH])
        progress(stage, min(start + BATCH, len(rows)), len(rows))
    return created


def _insert(model, objs: list, progress: Progress, stage: str) -> None:
    """Insert model instances that carry their own ids, without the ORM's per-row cost.

    Plain executemany is several times faster than bulk_create for the large tables;
    the id sequence is moved past the rows afterwards.
    """
    fields = model._meta.concrete_fields
    adapt = {
        models.DateTimeField: connection.ops.adapt_datetimefield_value,
        models.DateField: connection.ops.adapt_datefield_value,
    }
    converters = [adapt.get(type(f), lambda value: value) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    # Names come from the model's own metadata, never from input.
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    attnames = [f.attname for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH):
            batch = objs[start : start + BATCH]
            cursor.executemany(
                sql,
                [
                    [
                        convert(value) if value is not None else None
                        for convert, value in zip(
                            converters, (getattr(o, a) for a in attnames), strict=True
                        )
                    ]
                    for o in batch
                ],
            )
            progress(stage, min(start + BATCH, len(objs)), len(objs))
        for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(statement)


class DemoSeeder:
    def __init__(
        self,
        *,
        seed: int,
        members: int,
        progress: Progress = _quiet,
        today: datetime.date | None = None,
    ):
        self.rng = random.Random(seed)
        # Its own draws, so adding it left the rest of the story as it was.
        self.changes_rng = random.Random(f"{seed}-changed-mentor")
        self.n_members = members
        self.progress = progress
        # Everything recent is placed around the day the demo is loaded (the same
        # seed on the same day gives the same data): events in the coming weeks and
        # just past, applications waiting days rather than years, requests to today.
        self.today = today or timezone.localdate()
        _merge_the_midlands()
        self.regions = list(Region.objects.filter(is_active=True).order_by("code"))
        self.org_types = list(OrganisationType.objects.order_by("code"))
        self.levels = {level.code: level for level in Level.objects.all()}
        self.qualifications = {q.code: q for q in Qualification.objects.all()}
        self.regulations = RegulationsVersion.in_force_on(self.today)
        if not (self.regions and self.org_types and self.levels and self.regulations):
            raise SeedError("Reference data is missing: run `manage.py migrate` first.")

    def run(self) -> list[DemoAccount]:
        self.organisations = self._organisations()
        self.members = self._members()
        self.members_by_pk = {m.pk: m for m in self.members}
        self.level_rank = self._awards()
        self.events = self._events()
        self.mentors = self._mentors()
        self.briefed = self._briefings()
        self.enrolments = self._enrolments()
        self._relationships()
        self._bookings()
        return self._demo_accounts()

    # -- the register ---------------------------------------------------------
    def _organisations(self) -> list[Organisation]:
        rng, rows = self.rng, []
        for i in range(max(12, self.n_members // 10)):
            region = self.regions[i % len(self.regions)]
            org_type = rng.choice(self.org_types)
            town = rng.choice(names.TOWNS.get(region.code, ["Central"]))
            pattern = rng.choice(
                names.ORGANISATION_PATTERNS.get(org_type.code, ["{town}"])
            )
            rows.append(
                Organisation(
                    name=pattern.format(town=town) + ("" if i < 400 else f" ({i})"),
                    organisation_type=org_type,
                    region=region,
                )
            )
        return _bulk(Organisation, rows, self.progress, "organisations")

    def _members(self) -> list[Member]:
        """Members with explicit ids, so line managers are known as they are made.

        About a third report to an earlier member of their organisation.
        """
        rng, rows = self.rng, []
        first_id = (Member.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        colleagues: dict[int, list[int]] = {}
        for i in range(self.n_members):
            first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
            org = rng.choice(self.organisations)
            titles = names.JOB_TITLES.get(org.organisation_type.code, ["Librarian"])
            email_name = f"{first}.{last}".lower().replace("'", "")
            earlier = colleagues.setdefault(org.pk, [])
            manager = rng.choice(earlier) if earlier and rng.random() < 0.35 else None
            rows.append(
                Member(
                    id=first_id + i,
                    membership_number=f"M{100001 + i}",
                    first_name=first,
                    last_name=last,
                    email=f"{email_name}.{100001 + i}@members.example",
                    region_id=org.region_id
                    if rng.random() < 0.9
                    else rng.choice(self.regions).pk,
                    organisation=org,
                    job_title=rng.choice(titles),
                    line_manager_id=manager,
                    membership_status=MembershipStatus.LAPSED
                    if rng.random() < 0.05
                    else MembershipStatus.CURRENT,
                    created_at=CREATED_AT,
                )
            )
            earlier.append(first_id + i)
        _insert(Member, rows, self.progress, "members")
        return rows

    def _awards(self) -> dict[int, int]:
        """Registration awards; returns each member's current level rank."""
        rng, rows, rank = self.rng, [], {}
        self.first_award: dict[int, datetime.date] = {}
        self.ever_rank: dict[int, int] = {}
        cert, chart, fellow = (
            self.levels[c] for c in ("certification", "chartership", "fellowship")
        )
        for member in self.members:
            # About 15 % of members hold a level of registration (DOMAIN.md).
            roll = rng.random()
            held = (
                []
                if roll < 0.85
                else [cert]
                if roll < 0.885
                else [chart]
                if roll < 0.955
                else [cert, chart]
                if roll < 0.97
                else [chart, fellow]
            )
            # No award before its level existed: Certification dates from 2005.
            first = (
                CERTIFICATION_FROM if held[:1] == [cert] else datetime.date(1995, 1, 1)
            )
            awarded = _date_between(rng, first, datetime.date(2018, 1, 1))
            current = 0
            if held:
                self.first_award[member.pk] = awarded
                self.ever_rank[member.pk] = held[-1].rank
            for level in held:
                # A level leaves the register a year or more after it was awarded.
                leaves_from = max(
                    awarded + datetime.timedelta(days=365), datetime.date(2019, 1, 1)
                )
                removed = (
                    _date_between(rng, leaves_from, self.today)
                    if rng.random() < 0.04 and leaves_from < self.today
                    else None
                )
                # Revalidated (if at all) while the award was on the register.
                since = max(awarded, datetime.date(2020, 1, 1))
                until = removed or self.today
                revalidated = (
                    _date_between(rng, since, until)
                    if rng.random() < 0.6 and since <= until
                    else None
                )
                rows.append(
                    RegistrationAward(
                        member=member,
                        level=level,
                        awarded_on=awarded,
                        last_revalidated_on=revalidated,
                        removed_on=removed,
                    )
                )
                if removed is None and member.is_current:
                    current = max(current, level.rank)
                awarded += datetime.timedelta(days=rng.randrange(400, 2500))
            rank[member.pk] = current
        first_id = (RegistrationAward.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        for i, row in enumerate(rows):
            row.id = first_id + i
        _insert(RegistrationAward, rows, self.progress, "awards")
        return rank

    # -- mentors --------------------------------------------------------------
    def _mentors(self) -> list[MentorProfile]:
        rng = self.rng
        holders = [m for m in self.members if self.level_rank[m.pk] > 0]
        # A small demo still needs enough mentors to show every part of the site.
        target = min(len(holders), max(round(self.n_members * MENTOR_SHARE), 24))
        chosen = rng.sample(holders, target)
        chosen.sort(key=lambda m: m.pk)
        qualifications = [q for q in self.qualifications.values() if q.uses_mentors]
        check_months = SchemeSettings.load().availability_check_months
        profiles, history, lapsed = [], [], []
        for member in chosen:
            status = _weighted(rng, MENTOR_STATES)
            path = STATE_PATHS[status]
            modes = sorted(rng.sample(MODES[:5], rng.randint(1, 4)))
            if rng.random() < 0.05:
                modes.append(MeetingMode.OTHER.value)
            dates = self._timeline(path, member)
            accepting = rng.random() > 0.12
            listed_at = (
                _at(dates[MentorStatus.LISTED])
                if status == MentorStatus.LISTED
                else None
            )
            profile = MentorProfile(
                member=member,
                status=status,
                statement=rng.choice(names.STATEMENTS),
                capacity=rng.choice([1, 2, 2, 3, 3]),
                accepting=accepting,
                meeting_modes=modes,
                trained_on=dates.get(MentorStatus.TRAINED),
                workshop_attended_on=dates.get("workshop"),
                submitted_at=_at(dates[MentorStatus.APPLIED])
                if MentorStatus.APPLIED in dates
                else None,
                listed_at=listed_at,
                # Listed mentors answered the last check of their availability,
                # as the scheme asks every few months.
                availability_confirmed_at=max(
                    listed_at,
                    _at(
                        self.today
                        - datetime.timedelta(
                            days=rng.randrange(5, max(6, 30 * check_months - 30))
                        )
                    ),
                )
                if listed_at and accepting
                else None,
                created_at=_at(dates[MentorStatus.INTERESTED]),
                **self._steps_reminders(dates),
            )
            profile.demo_dates = dates
            profiles.append(profile)
            if status == MentorStatus.LAPSED:
                # A lapsed mentor is one whose membership lapsed.
                member.membership_status = MembershipStatus.LAPSED
                self.level_rank[member.pk] = 0
                lapsed.append(member)
        Member.objects.bulk_update(lapsed, ["membership_status"], batch_size=BATCH)
        profiles = _bulk(MentorProfile, profiles, self.progress, "mentors")
        region_links, qualification_links = [], []
        Regions = MentorProfile.regions.through
        Quals = MentorProfile.qualifications.through
        for profile in profiles:
            regions = {profile.member.region_id}
            if rng.random() < 0.3:
                regions.add(rng.choice(self.regions).pk)
            region_links += [
                Regions(mentorprofile_id=profile.pk, region_id=r)
                for r in sorted(regions)
            ]
            rank = self.level_rank[profile.member_id]
            qualification_links += [
                Quals(mentorprofile_id=profile.pk, qualification_id=q.pk)
                for q in qualifications
                if q.min_mentor_rank <= rank
            ]
            previous = ""
            for step in STATE_PATHS[MentorStatus(profile.status)]:
                history.append(
                    MentorStatusChange(
                        mentor=profile,
                        from_status=previous,
                        to_status=step,
                        at=_at(profile.demo_dates[step]),
                    )
                )
                previous = step
        _bulk(Regions, region_links, self.progress, "mentor regions")
        _bulk(Quals, qualification_links, self.progress, "mentor qualifications")
        _bulk(MentorStatusChange, history, self.progress, "mentor history")
        return profiles

    def _timeline(self, path, member: Member) -> dict:
        """Dates in order for one mentor: interest (after their first award),
        application, approval, training and the workshop (either order), listing;
        later states a while after. Someone still on the way to being listed took
        their last step lately, at the region's recent event where it was one."""
        rng = self.rng
        latest = self.today - datetime.timedelta(days=400)
        earliest = max(
            self.first_award[member.pk] + datetime.timedelta(days=30),
            datetime.date(2008, 1, 1),
        )
        day = _date_between(rng, min(earliest, latest), latest)
        dates = {MentorStatus.INTERESTED: day}
        gaps = {
            MentorStatus.APPLIED: (5, 60),
            MentorStatus.MORE_INFO: (7, 30),
            MentorStatus.DECLINED: (7, 30),
            MentorStatus.APPROVED: (7, 30),
        }
        for step in path[1:]:
            if step in gaps:
                day += datetime.timedelta(days=rng.randrange(*gaps[step]))
                dates[step] = day
        if MentorStatus.APPROVED in dates:
            # Training and workshops are held on working days.
            trained = _working_day(
                day + datetime.timedelta(days=rng.randrange(14, 120))
            )
            workshop = _working_day(
                day + datetime.timedelta(days=rng.randrange(14, 150))
            )
            if MentorStatus.TRAINED in path:
                dates[MentorStatus.TRAINED] = trained
            if MentorStatus.WORKSHOP_ATTENDED in path or MentorStatus.LISTED in path:
                dates["workshop"] = workshop
                dates[MentorStatus.WORKSHOP_ATTENDED] = workshop
            if MentorStatus.LISTED in path:
                dates[MentorStatus.LISTED] = max(trained, workshop)
                end = dates[MentorStatus.LISTED]
                for later in (MentorStatus.LAPSED, MentorStatus.RETIRED):
                    if later in path:
                        dates[later] = _date_between(
                            rng, end + datetime.timedelta(days=90), self.today
                        )
        if path[-1] not in ON_THE_WAY:
            return dates
        anchor, to = self._latest_step(path[-1], member)
        shift = to - dates[anchor]
        return {step: when + shift for step, when in dates.items()}

    def _latest_step(self, status: str, member: Member):
        """The step someone on the way to being listed took last, and when: the
        region's last training or workshop for those steps, else a recent day."""
        kind = {
            MentorStatus.TRAINED: EventKind.MENTOR_TRAINING,
            MentorStatus.WORKSHOP_ATTENDED: EventKind.WORKSHOP,
        }.get(status)
        event = self.last_event.get((member.region_id, kind))
        if event is not None:
            step = MentorStatus.TRAINED if kind == EventKind.MENTOR_TRAINING else status
            return step, event.starts_at.date()
        ago = 80 if status == MentorStatus.APPROVED else 40
        return status, self.today - datetime.timedelta(days=self.rng.randrange(3, ago))

    def _steps_reminders(self, dates: dict) -> dict:
        """An approved mentor not yet listed has had the reminders to book their
        training and workshop that the scheme sends after approval (at most two)."""
        approved = dates.get(MentorStatus.APPROVED)
        if approved is None or MentorStatus.LISTED in dates:
            return {}
        every = site_settings.MENTOR_STEPS_REMINDER_DAYS
        sent = min(
            site_settings.MENTOR_STEPS_REMINDERS, (self.today - approved).days // every
        )
        if sent <= 0:
            return {}
        return {
            "steps_reminded_at": _at(approved + datetime.timedelta(days=every * sent)),
            "steps_reminders": sent,
        }

    def _briefings(self) -> set[int]:
        """The 2013 regulations' recorded webinar, and face-to-face briefings in
        spring 2014 in the regions as they were then. Mentors listed by then went
        to their region's briefing; the others watched the recording after being
        listed."""
        RegulationsBriefing.objects.create(
            regulations=self.regulations,
            title="Mentor briefing on the 2013 regulations",
            summary="What changed on 2 December 2013 and what it means for mentors: "
            "any level in any order, three assessment criteria at every level, and "
            "the mentor's completion confirmation.",
            recording_url="https://video.mentorscheme.example/briefings/2013-regulations",
            recorded_on=datetime.date(2014, 2, 28),
            published_at=datetime.datetime(2014, 3, 3, 9, 0, tzinfo=datetime.UTC),
        )
        merged = Region.objects.filter(merged_into__isnull=False)
        then = Region.objects.exclude(pk__in=merged.values("merged_into")).order_by(
            "name"
        )
        held, before = {}, {}
        for i, region in enumerate(then):
            day = _working_day(datetime.date(2014, 3, 10) + datetime.timedelta(weeks=i))
            held[region.pk] = TrainingEvent.objects.create(
                kind=EventKind.BRIEFING,
                title=f"Briefing on the 2013 regulations, {region.name}",
                region=region,
                starts_at=_at(day, 14),
                ends_at=_at(day, 16),
                location=f"{names.TOWNS.get(region.code, ['Central'])[0]} Central "
                "Library",
                capacity=30,
                regulations=self.regulations,
            )
            before.setdefault(region.merged_into_id or region.pk, []).append(region.pk)
        rows, attended = [], []
        for p in self.mentors:
            if p.status != MentorStatus.LISTED or self.rng.random() >= 0.7:
                continue
            listed = p.demo_dates[MentorStatus.LISTED]
            region = self.rng.choice(before.get(p.member.region_id, [None]))
            event = held.get(region)
            if event is not None and listed < event.starts_at.date():
                attended.append(
                    Booking(event=event, member=p.member, status=BookingStatus.ATTENDED)
                )
                how, at = AcknowledgementHow.ATTENDED, event.starts_at
            else:
                how = AcknowledgementHow.WATCHED
                at = _at(
                    min(
                        max(listed, datetime.date(2014, 3, 3))
                        + datetime.timedelta(days=self.rng.randrange(1, 60)),
                        self.today,
                    )
                )
            rows.append(
                BriefingAcknowledgement(
                    member=p.member, regulations=self.regulations, how=how, at=at
                )
            )
        _bulk(Booking, attended, self.progress, "briefing attendance")
        _bulk(BriefingAcknowledgement, rows, self.progress, "briefings")
        return {row.member_id for row in rows}

    def _events(self) -> list[TrainingEvent]:
        """Mentor training and workshops in every region on weekdays: some in the
        coming weeks, open for booking, and some in the past month."""
        rows = []
        for i, region in enumerate(self.regions):
            for kind, days, online in (
                (EventKind.MENTOR_TRAINING, 10 + 3 * i, False),
                (EventKind.WORKSHOP, 5 + 4 * i, i % 2 == 0),
                (EventKind.MENTOR_TRAINING, -(12 + 2 * i), False),
                (EventKind.WORKSHOP, -(6 + 3 * i), False),
            ):
                day = _working_day(self.today + datetime.timedelta(days=days))
                if days < 0 and day >= self.today:
                    day = _working_day(day - datetime.timedelta(days=14))
                rows.append(self._event(kind, region.pk, day, online=online))
        events = _bulk(TrainingEvent, rows, self.progress, "events")
        now = _at(self.today, 0)
        self.last_event = {
            (e.region_id, e.kind): e for e in events if e.starts_at < now
        }
        return events

    def _event(
        self, kind: str, region_id: int, day: datetime.date, *, online=False
    ) -> TrainingEvent:
        region = next(r for r in self.regions if r.pk == region_id)
        town = names.TOWNS.get(region.code, ["Central"])[0]
        training = kind == EventKind.MENTOR_TRAINING
        title = "Mentor training" if training else "Professional Registration workshop"
        return TrainingEvent(
            kind=kind,
            title=f"{title}, {region.name}",
            region=region,
            starts_at=_at(day, 9),
            ends_at=_at(day, 15 if training else 12),
            location="" if online else f"{town} Central Library, meeting room 2",
            online_url=f"https://meet.mentorscheme.example/{region.code}-{kind}"
            if online
            else "",
            capacity=self.rng.choice([12, 16, 20]),
            description=(
                "A one-day course: the morning on mentoring skills, the afternoon on "
                "the registration rules and the criteria."
                if training
                else "The workshop candidates attend: the process, the portfolio and "
                "the assessment criteria."
            ),
        )

    def _past_year_events(self) -> list[Booking]:
        """The training and workshops mentors attended over the past year, each
        in their region on the day their record says, with their attendance."""
        year_ago = self.today - datetime.timedelta(days=365)
        held: dict[tuple, list[Member]] = {}
        for profile in self.mentors:
            member = profile.member
            for kind, day in (
                (EventKind.MENTOR_TRAINING, profile.trained_on),
                (EventKind.WORKSHOP, profile.workshop_attended_on),
            ):
                recent = self.last_event.get((member.region_id, kind))
                if day is None or not year_ago <= day < self.today:
                    continue
                if recent is None or recent.starts_at.date() != day:
                    held.setdefault((kind, member.region_id, day), []).append(member)
        keys = sorted(held)
        events = _bulk(
            TrainingEvent,
            [self._event(kind, region, day) for kind, region, day in keys],
            self.progress,
            "past events",
        )
        return [
            Booking(event=event, member=member, status=BookingStatus.ATTENDED)
            for event, key in zip(events, keys, strict=True)
            for member in held[key]
        ]

    def _bookings(self) -> None:
        """Who booked and came. Mentors on their way went to the region's recent
        training or workshop (the step they took last) and have booked the next
        step still to do; candidates of the region went to its recent workshop,
        a few of them did not come."""
        rng, bookings, taken = self.rng, [], {}
        now = _at(self.today, 0)
        upcoming = [e for e in self.events if e.starts_at >= now]

        def book(event, member, status, *, came=False):
            """``came``: their record says they attended, so the event had room."""
            if came or taken.get(event.pk, 0) < event.capacity:
                taken[event.pk] = taken.get(event.pk, 0) + 1
                bookings.append(Booking(event=event, member=member, status=status))
                if taken[event.pk] > event.capacity:
                    event.capacity = taken[event.pk]
                    event.save(update_fields=["capacity"])

        for profile in self.mentors:
            member = profile.member
            if profile.status not in ON_THE_WAY or profile.status in (
                MentorStatus.INTERESTED,
                MentorStatus.APPLIED,
                MentorStatus.MORE_INFO,
            ):
                continue
            for kind, day in (
                (EventKind.MENTOR_TRAINING, profile.trained_on),
                (EventKind.WORKSHOP, profile.workshop_attended_on),
            ):
                if day is not None:
                    event = self.last_event.get((member.region_id, kind))
                    if event is not None and event.starts_at.date() == day:
                        book(event, member, BookingStatus.ATTENDED, came=True)
                    continue
                event = next(
                    (
                        e
                        for e in upcoming
                        if e.kind == kind and e.region_id == member.region_id
                    ),
                    None,
                )
                if event is not None:
                    book(event, member, BookingStatus.BOOKED)
        for enrolment in self.enrolments:
            member = self.members_by_pk[enrolment.member_id]
            event = self.last_event.get((member.region_id, EventKind.WORKSHOP))
            if (
                event is not None
                and enrolment.enrolled_on < event.starts_at.date()
                and rng.random() < 0.5
            ):
                book(
                    event,
                    member,
                    BookingStatus.NO_SHOW
                    if rng.random() < 0.12
                    else BookingStatus.ATTENDED,
                )
        bookings += self._past_year_events()
        _bulk(Booking, bookings, self.progress, "bookings")
        # An event nobody booked did not run: it is not on record.
        TrainingEvent.objects.filter(starts_at__lt=now, bookings__isnull=True).delete()

    # -- candidates -------------------------------------------------------------
    def _enrolments(self) -> list[Enrolment]:
        """Candidates work towards a level above any they hold; some have sent
        their portfolio in, after mentoring that was completed."""
        rng = self.rng
        mentor_members = {p.member_id for p in self.mentors}
        top = max(q.level.rank for q in self.qualifications.values() if q.level)
        pool = [
            m
            for m in self.members
            if m.is_current
            and m.pk not in mentor_members
            and self.ever_rank.get(m.pk, 0) < top
        ]
        target = min(len(pool), max(round(self.n_members * ENROLLED_SHARE), 24))
        rows = []
        for member in sorted(rng.sample(pool, target), key=lambda m: m.pk):
            shares = [
                (code, share)
                for code, share in QUALIFICATION_SHARES
                if self.qualifications[code].level.rank
                > self.ever_rank.get(member.pk, 0)
            ]
            code = _weighted(rng, shares)
            submitted = rng.random() < 0.08
            start = self.today - datetime.timedelta(days=730)
            end = self.today - datetime.timedelta(days=240 if submitted else 3)
            rows.append(
                Enrolment(
                    member=member,
                    qualification=self.qualifications[code],
                    regulations=self.regulations,
                    enrolled_on=_date_between(rng, start, end),
                    status=EnrolmentStatus.SUBMITTED
                    if submitted
                    else EnrolmentStatus.ENROLLED,
                    meeting_modes=sorted(rng.sample(MODES[:5], rng.randint(1, 3))),
                )
            )
        return _bulk(Enrolment, rows, self.progress, "enrolments")

    def _relationships(self) -> None:
        """Pair candidates with a mentor they are allowed to have, listed before
        they asked, each behind the request the mentor accepted (and, for some,
        one that was declined first). A candidate who sent their portfolio in had
        their mentoring completed first. Those left waiting past the scheme's
        waiting period are flagged for their support officer, as the periodic work
        does."""
        rng = self.rng
        members = self.members_by_pk
        listed = [p for p in self.mentors if p.status == MentorStatus.LISTED]
        load = {p.pk: 0 for p in listed}
        rows = []
        submitted = EnrolmentStatus.SUBMITTED
        ordered = sorted(self.enrolments, key=lambda e: e.status != submitted)
        for enrolment in ordered:
            done = enrolment.status == submitted
            if (rng.random() > 0.8 and not done) or not listed:
                continue
            started = enrolment.enrolled_on + datetime.timedelta(
                days=rng.randrange(14, 75)
            )
            if started > self.today:
                continue
            candidate = self._candidate_record(enrolment, members)
            for mentor in rng.sample(listed, min(12, len(listed))):
                if mentor.listed_at.date() >= started - datetime.timedelta(days=14):
                    continue
                # Many mentors keep a place free for a while after taking one on.
                last_place = load[mentor.pk] + 1 >= mentor.capacity
                if last_place and not done and rng.random() < 0.5:
                    continue
                record = self._mentor_record(mentor, members, load[mentor.pk])
                if eligibility.is_allowed(candidate, record):
                    row = MentoringRelationship(
                        enrolment=enrolment, mentor=mentor, started_on=started
                    )
                    if done:
                        row.status = RelationshipStatus.COMPLETED
                        row.ended_on = min(
                            started + datetime.timedelta(days=rng.randrange(150, 330)),
                            self.today - datetime.timedelta(days=14),
                        )
                    else:
                        load[mentor.pk] += 1
                    rows += self._changed_mentor(row, candidate, listed, members)
                    rows.append(row)
                    break
        _bulk(MentoringRelationship, rows, self.progress, "relationships")
        self.paired = {row.enrolment_id for row in rows}
        unmentored = [
            e.pk
            for e in self.enrolments
            if e.status == submitted and e.pk not in self.paired
        ]
        Enrolment.objects.filter(pk__in=unmentored).update(
            status=EnrolmentStatus.ENROLLED
        )
        for enrolment in self.enrolments:
            if enrolment.pk in unmentored:
                enrolment.status = EnrolmentStatus.ENROLLED
        self._requests(rows, listed)
        self._mentoring_kept(rows)
        self.paired_with: dict[int, list[int]] = {}
        for row in rows:
            if row.status == RelationshipStatus.ACTIVE:
                self.paired_with.setdefault(row.mentor_id, []).append(row.enrolment_id)
        self._flag_waiting()

    def _changed_mentor(self, row, candidate, listed, members) -> list:
        """For some candidates who took a while to settle, an earlier mentoring
        with another mentor that one of them ended after a few weeks: a change of
        mentor, its history kept."""
        rng = self.changes_rng
        enrolled = row.enrolment.enrolled_on
        if (row.started_on - enrolled).days < 60 or rng.random() >= 0.15:
            return []
        started = enrolled + datetime.timedelta(days=rng.randrange(10, 20))
        for mentor in rng.sample(listed, min(12, len(listed))):
            if mentor.pk == row.mentor_id or mentor.listed_at.date() >= started:
                continue
            if eligibility.is_allowed(
                candidate, self._mentor_record(mentor, members, 0)
            ):
                by = rng.choice([EndedBy.CANDIDATE, EndedBy.MENTOR])
                return [
                    MentoringRelationship(
                        enrolment=row.enrolment,
                        mentor=mentor,
                        started_on=started,
                        status=RelationshipStatus.ENDED_EARLY,
                        ended_on=row.started_on
                        - datetime.timedelta(days=rng.randrange(14, 21)),
                        ended_by=by,
                        end_reason=names.END_REASONS[by],
                    )
                ]
        return []

    def _requests(self, rows, listed) -> None:
        rng, requests = self.rng, []
        # A candidate asks again once an earlier mentoring has ended.
        free_from = {
            row.enrolment_id: row.ended_on + datetime.timedelta(days=1)
            for row in rows
            if row.status == RelationshipStatus.ENDED_EARLY
        }
        for row in rows:
            since = row.enrolment.enrolled_on
            if row.status != RelationshipStatus.ENDED_EARLY:
                since = free_from.get(row.enrolment_id, since)
            asked = max(
                since, row.started_on - datetime.timedelta(days=rng.randrange(2, 12))
            )
            if rng.random() < 0.3:
                other = rng.choice(listed)
                before = max(
                    since, asked - datetime.timedelta(days=rng.randrange(5, 20))
                )
                if (
                    other.pk != row.mentor_id
                    and other.listed_at.date() < before < asked
                ):
                    requests.append(
                        MentoringRequest(
                            enrolment=row.enrolment,
                            mentor=other,
                            status=RequestStatus.DECLINED,
                            decline_reason=DeclineReason.FULL,
                            message=rng.choice(names.REQUEST_MESSAGES),
                            created_at=_at(before, 11),
                            waiting_since=_at(before, 11),
                            responded_at=_at(asked, 9),
                            closed_at=_at(asked, 9),
                        )
                    )
            requests.append(
                MentoringRequest(
                    enrolment=row.enrolment,
                    mentor=row.mentor,
                    status=RequestStatus.ACCEPTED,
                    message=rng.choice(names.REQUEST_MESSAGES),
                    created_at=_at(asked, 11),
                    waiting_since=_at(asked, 11),
                    responded_at=_at(row.started_on, 9),
                    closed_at=_at(row.started_on, 9),
                )
            )
        requests = _bulk(MentoringRequest, requests, self.progress, "requests")
        accepted = {
            (r.enrolment_id, r.mentor_id): r
            for r in requests
            if r.status == RequestStatus.ACCEPTED
        }
        for row in rows:
            row.request = accepted[(row.enrolment_id, row.mentor_id)]
        MentoringRelationship.objects.bulk_update(rows, ["request"], batch_size=BATCH)

    def _mentoring_kept(self, rows) -> None:
        """What a pair keeps: an agreement both confirmed in the first weeks,
        meetings every month or so until it ended (or lately), and for completed
        mentoring both confirmations (and the Fellowship letter of support)."""
        rng, agreements, meetings, active = self.rng, [], [], {}
        for row in rows:
            end = row.ended_on or self.today
            agreed = row.started_on + datetime.timedelta(days=rng.randrange(3, 21))
            modes = row.enrolment.meeting_modes or [MeetingMode.ZOOM.value]
            if agreed <= end:
                agreements.append(
                    Agreement(
                        relationship=row,
                        version=1,
                        goals=rng.choice(names.AGREEMENT_GOALS),
                        frequency=rng.choice(names.AGREEMENT_FREQUENCIES),
                        meeting_modes=modes,
                        created_at=_at(agreed, 12),
                        candidate_confirmed_at=_at(agreed, 18),
                        mentor_confirmed_at=_at(agreed + datetime.timedelta(days=1)),
                    )
                )
            day = _working_day(
                row.started_on + datetime.timedelta(days=rng.randrange(0, 10))
            )
            while day <= end:
                meetings.append(
                    Meeting(
                        relationship=row,
                        held_on=day,
                        mode=rng.choice(modes),
                        duration_minutes=rng.choice([30, 45, 60, 60, 90]),
                        notes=rng.choice(names.MEETING_NOTES),
                        created_at=_at(day, 17),
                    )
                )
                if row.status == RelationshipStatus.ACTIVE:
                    active[row.mentor_id] = max(active.get(row.mentor_id, day), day)
                day = _working_day(day + datetime.timedelta(days=rng.randrange(21, 50)))
            if row.status == RelationshipStatus.COMPLETED:
                row.candidate_completion_at = _at(end, 10)
                row.mentor_completion_at = _at(end, 15)
                row.completion_confirmed_at = row.mentor_completion_at
                if row.enrolment.qualification.mentor_writes_letter:
                    row.letter_of_support = names.LETTER_OF_SUPPORT
                    row.letter_written_at = _at(end - datetime.timedelta(days=3))
        _bulk(Agreement, agreements, self.progress, "agreements")
        _bulk(Meeting, meetings, self.progress, "meetings")
        MentoringRelationship.objects.bulk_update(
            [r for r in rows if r.status == RelationshipStatus.COMPLETED],
            [
                "candidate_completion_at",
                "mentor_completion_at",
                "completion_confirmed_at",
                "letter_of_support",
                "letter_written_at",
            ],
            batch_size=BATCH,
        )
        profiles = {p.pk: p for p in self.mentors}
        for mentor_id, day in active.items():
            profiles[mentor_id].last_active_at = _at(day, 17)
        MentorProfile.objects.bulk_update(
            [profiles[pk] for pk in active], ["last_active_at"], batch_size=BATCH
        )

    def _flag_waiting(self) -> None:
        """Candidates still without a mentor after the waiting period were flagged
        for their support officer on the day it ran out."""
        mentoring.flag_waiting_candidates(today=self.today)
        days = datetime.timedelta(days=SchemeSettings.load().unmatched_flag_after_days)
        flags = list(HelpFlag.objects.select_related("enrolment"))
        for flag in flags:
            flag.created_at = _at(flag.enrolment.enrolled_on + days, 7)
        HelpFlag.objects.bulk_update(flags, ["created_at"], batch_size=BATCH)

    def _candidate_record(self, enrolment, members):
        member = members[enrolment.member_id]
        return CandidateRecord(
            id=enrolment.pk,
            member_id=member.pk,
            qualification_uses_mentors=enrolment.qualification.uses_mentors,
            min_mentor_rank=enrolment.qualification.min_mentor_rank,
            region_id=member.region_id,
            organisation_id=member.organisation_id,
            organisation_type_id=None,
            line_manager_member_id=member.line_manager_id,
            meeting_modes=frozenset(),
            has_active_relationship=False,
            regulations_id=enrolment.regulations_id,
        )

    def _mentor_record(self, profile, members, active):
        member = members[profile.member_id]
        return MentorRecord(
            id=profile.pk,
            member_id=member.pk,
            level_rank=self.level_rank[member.pk],
            registration_current=member.is_current and self.level_rank[member.pk] > 0,
            trained=profile.trained_on is not None,
            workshop_attended=profile.workshop_attended_on is not None,
            listed=profile.status == MentorStatus.LISTED,
            accepting=profile.accepting,
            capacity=profile.capacity,
            active_mentees=active,
            region_id=member.region_id,
            organisation_id=member.organisation_id,
            organisation_type_id=None,
            meeting_modes=frozenset(profile.meeting_modes),
            up_to_date_for=frozenset({self.regulations.pk})
            if profile.member_id in self.briefed
            else frozenset(),
        )

    # -- demo accounts ------------------------------------------------------------
    def _demo_accounts(self) -> list[DemoAccount]:
        accounts = []
        by_status = {}
        for profile in self.mentors:
            by_status.setdefault(profile.status, []).append(profile)
        members = {m.pk: m for m in self.members}

        # The demo mentor has room for the request below and at least one more.
        candidates = [
            p
            for p in by_status[MentorStatus.LISTED]
            if self.level_rank[p.member_id] >= 2 and p.accepting
        ]
        mentor = max(
            candidates,
            key=lambda p: (p.capacity - len(self.paired_with.get(p.pk, ())), -p.pk),
        )
        accounts.append(self._account("mentor", members[mentor.member_id]))
        self._request_for(mentor, members)

        london = next(r for r in self.regions if r.code == "london")
        south_east = next(r for r in self.regions if r.code == "south-east")
        # The demo candidate lives where the demo officer helps candidates.
        enrolled = next(
            (
                e
                for e in self.enrolments
                if e.status == EnrolmentStatus.ENROLLED
                and e.qualification.code == "chartership"
                and e.pk not in self.paired
                and members[e.member_id].region_id in (london.pk, south_east.pk)
            ),
            None,
        ) or next(
            e
            for e in self.enrolments
            if e.status == EnrolmentStatus.ENROLLED
            and e.qualification.code == "chartership"
            and e.pk not in self.paired
        )
        candidate_member = members[enrolled.member_id]
        if candidate_member.region_id not in (london.pk, south_east.pk):
            candidate_member.region = london
            candidate_member.save(update_fields=["region"])
        accounts.append(self._account("candidate", members[enrolled.member_id]))

        busy = {p.member_id for p in self.mentors} | {
            e.member_id for e in self.enrolments
        }
        free = self._officer_pools(busy)
        officer_member = self._officer_from(free, london)
        for region in (london, south_east):
            OfficerAppointment.objects.create(
                member=officer_member,
                region=region,
                role=OfficerRole.SUPPORT,
                starts_on=self._term_start(0),
                ends_on=self._term_start(0) + datetime.timedelta(days=729),
            )
        accounts.append(self._account("support officer", officer_member, "officer"))
        self._application_in((london, south_east))
        # An allocation waiting for the officer's review, as after a Monday's run.
        oversight.allocation_run_create(
            by=officer_member.user, region_ids=frozenset({london.pk, south_east.pk})
        )
        self._officers(free, skip={london.pk, south_east.pk})
        applicant = self._applicant(members)
        if applicant is not None:
            accounts.append(applicant)

        staff = User.objects.create_user(
            f"staff@{DEMO_DOMAIN}", DEMO_PASSWORD, is_staff=True, is_superuser=True
        )
        accounts.append(self._finish_account("staff", staff))
        return accounts

    def _application_in(self, regions) -> None:
        """The demo officer has a mentor application to review: an applicant who
        lives in one of their regions (moved there, in a demo too small to have
        one), whose profile offers to meet there."""
        applied = [p for p in self.mentors if p.status == MentorStatus.APPLIED]
        if not applied or any(
            p.member.region_id in {r.pk for r in regions} for p in applied
        ):
            return
        profile = applied[0]
        profile.member.region = regions[0]
        profile.member.save(update_fields=["region"])
        profile.regions.add(regions[0])
        directory.note_change(profile.pk)

    def _officer_pools(self, busy: set[int]) -> dict[int, list[Member]]:
        """Members who could serve on their region's committee, by region:
        current, neither mentoring nor a candidate, those who hold Chartership or
        Fellowship first."""
        pools: dict[int, list[Member]] = {}
        for m in self.members:
            if m.is_current and m.pk not in busy:
                pools.setdefault(m.region_id, []).append(m)
        for pool in pools.values():
            pool.sort(key=lambda m: (-min(self.level_rank[m.pk], 2), m.pk))
        return pools

    @staticmethod
    def _officer_from(pools: dict[int, list[Member]], region: Region) -> Member | None:
        """A member of the region itself (an officer sits on its committee); in a
        demo too small to have one, a member of the region with most to spare."""
        pool = pools.get(region.pk) or max(pools.values(), key=len, default=[])
        return pool.pop(0) if pool else None

    def _officers(self, free, *, skip: set[int]) -> None:
        """Every other region has its support officers on two-year terms: in some
        one person holds both roles, in others a Mentor Support Officer and a
        Candidate Support Officer share the work."""
        rows = []
        for i, region in enumerate(r for r in self.regions if r.pk not in skip):
            starts = self._term_start(i % 2)
            roles = (
                [OfficerRole.SUPPORT]
                if i % 3 == 0
                else [OfficerRole.MENTOR_SUPPORT, OfficerRole.CANDIDATE_SUPPORT]
            )
            for role in roles:
                member = self._officer_from(free, region)
                if member is None:
                    break
                rows.append(
                    OfficerAppointment(
                        member=member,
                        region=region,
                        role=role,
                        starts_on=starts,
                        ends_on=starts + datetime.timedelta(days=729),
                    )
                )
        OfficerAppointment.objects.bulk_create(rows)

    def _term_start(self, years_in: int) -> datetime.date:
        """Two-year terms that are running on the day the demo is loaded."""
        return self.today - datetime.timedelta(days=120 + 365 * years_in)

    def _applicant(self, members) -> DemoAccount | None:
        """A member on the way to being listed: approved, trained, with a workshop
        still to book."""
        on_the_way = (MentorStatus.TRAINED, MentorStatus.APPROVED)
        ready = sorted(
            (p for p in self.mentors if p.status in on_the_way),
            key=lambda p: (on_the_way.index(p.status), p.pk),
        )
        if not ready:
            return None
        profile = ready[0]
        Booking.objects.filter(
            member_id=profile.member_id, status=BookingStatus.BOOKED
        ).delete()
        return self._account("applicant", members[profile.member_id])

    def _request_for(self, mentor: MentorProfile, members) -> None:
        """Give the demo mentor a request waiting for an answer."""
        active = sum(1 for e in self.paired_with.get(mentor.pk, ()))
        record = self._mentor_record(mentor, members, active)
        for enrolment in self.enrolments:
            if (
                enrolment.status != EnrolmentStatus.ENROLLED
                or enrolment.pk in self.paired
            ):
                continue
            candidate = self._candidate_record(enrolment, members)
            if eligibility.is_allowed(candidate, record):
                MentoringRequest.objects.create(
                    enrolment=enrolment,
                    mentor=mentor,
                    message="Hello — I am working towards my qualification and would "
                    "value a mentor from outside my own sort of organisation. Could we "
                    "have an informal chat first?",
                )
                return

    def _account(
        self, role: str, member: Member, key: str | None = None
    ) -> DemoAccount:
        """Give a register entry a sign-in account with a demo address."""
        member.email = f"{key or role}@{DEMO_DOMAIN}"
        user = User.objects.create_user(
            member.email,
            DEMO_PASSWORD,
            first_name=member.first_name,
            last_name=member.last_name,
        )
        member.user = user
        member.save(update_fields=["email", "user"])
        return self._finish_account(role, user)

    def _finish_account(self, role: str, user: User) -> DemoAccount:
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=True
        )
        secret = DEMO_TOTP_SECRETS.get(user.email, "")
        if secret:
            TOTP.activate(user, secret)
        return DemoAccount(
            role=role, email=user.email, password=DEMO_PASSWORD, totp_secret=secret
        )


def database_is_empty() -> bool:
    return not Member.objects.exists() and not User.objects.exists()


@transaction.atomic
def seed_demo(
    *,
    seed: int = 2026,
    members: int = 3000,
    progress: Progress = _quiet,
    today: datetime.date | None = None,
):
    """``today``: the day the events are placed around (by default, the real one)."""
    if not database_is_empty():
        raise SeedError(
            "The database already holds members or accounts. Demo data goes into an "
            "empty database: to load the demo afresh, delete var/ (the demo's SQLite "
            "database) or point DATABASE_URL at an empty one."
        )
    accounts = DemoSeeder(
        seed=seed, members=members, progress=progress, today=today
    ).run()
    figures.rebuild()  # the data went in around the services that keep them
    with connection.cursor() as cursor:
        # Fresh statistics after a bulk load, or the planner guesses at random.
        cursor.execute("ANALYZE")
    return accounts
