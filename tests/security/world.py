"""One object of every kind a URL can name, and a person in every role, for walking
the site (the permission matrix, the CSRF sweep and the form fuzzing).

Everything involving people happens in London, so "the officer of the region" is
Olivia (London) and "an officer of another region" is Oscar (Scotland):

- candidate: Alice, with a pending request to Bob
- mentor: Bob, listed; mentoring Cath, a second London candidate
- officer / other_officer: Olivia (London), Oscar (Scotland), both with TOTP
- staff: Sam, with TOTP
- applicant: Carol, a Chartered Londoner whose mentor application is waiting, booked
  on a London mentor training session
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from mentorscheme.api import services as api
from mentorscheme.api.models import IntegrationToken
from mentorscheme.contact.models import Feedback
from mentorscheme.guidance.models import GuidancePage
from mentorscheme.members.importing import ImportResult
from mentorscheme.members.models import (
    ImportStatus,
    Member,
    OfficerAppointment,
    OrganisationType,
    Region,
    RegisterImport,
    User,
)
from mentorscheme.mentoring import services as mentoring
from mentorscheme.mentoring.models import (
    Agreement,
    HelpFlag,
    MentoringRelationship,
    MentoringRequest,
)
from mentorscheme.mentors.models import MentorProfile, MentorStatus, TrainingEvidence
from mentorscheme.notifications.models import OutboxMessage
from mentorscheme.oversight import services as oversight
from mentorscheme.oversight.models import AllocationRun
from mentorscheme.oversight.reports import REPORTS
from mentorscheme.privacy import services as privacy
from mentorscheme.privacy.models import CalendarFeed
from mentorscheme.scheme.models import Qualification
from mentorscheme.training import services as training
from mentorscheme.training.models import Booking, EventKind, TrainingEvent
from tests import factories as f
from tests import personas

ROLES = ("anonymous", "candidate", "mentor", "officer", "other_officer", "staff")


@dataclass
class World:
    candidate: Member
    mentor: Member
    officer: Member
    other_officer: Member
    staff: User
    applicant: Member
    mentee: Member
    # Objects the URL patterns name:
    member: Member
    mentor_profile: MentorProfile
    review_profile: MentorProfile
    evidence: TrainingEvidence
    request: MentoringRequest
    relationship: MentoringRelationship
    agreement: Agreement
    event: TrainingEvent
    booking: Booking
    feedback: Feedback
    outbox_message: OutboxMessage
    guidance_page: GuidancePage
    # Oversight, the API and privacy:
    help_flag: HelpFlag
    allocation_run: AllocationRun
    register_import: RegisterImport
    report: str
    region: Region
    organisation_type: OrganisationType
    qualification: Qualification
    appointment: OfficerAppointment
    api_token: IntegrationToken
    calendar_feed: CalendarFeed

    def user(self, role: str) -> User | None:
        """The account signed in for a role (None for anonymous)."""
        if role == "anonymous":
            return None
        person = getattr(self, role)
        return person if isinstance(person, User) else person.user


def build_world(alice, bob, olivia, oscar, sam_with_totp) -> World:
    """Objects of every kind, built through the services where a service exists."""
    carol = personas.carol()
    review_profile = f.mentor_profile(
        carol,
        status=MentorStatus.APPLIED,
        trained_on=None,
        workshop_attended_on=None,
        statement="Twenty years in public libraries.",
        submitted_at=timezone.now(),
    )
    evidence = TrainingEvidence.objects.create(
        profile=review_profile,
        description="Coaching course",
        trained_on=datetime.date(2024, 3, 14),
        document_name="certificate.pdf",
        document_type="application/pdf",
        document_size=9,
        document=b"%PDF-1.4\n",
    )

    cath = f.MemberFactory(
        first_name="Cath", last_name="Cooper", email="cath@example.org"
    )
    f.with_account(cath)
    cath_enrolment = f.enrol(cath, "certification")
    accepted = mentoring.request_create(
        enrolment=cath_enrolment, mentor=bob.mentor_profile, message="Hello Bob"
    )
    relationship = mentoring.request_accept(
        request=accepted, mentor=bob.mentor_profile, confirms_not_line_manager=True
    )
    agreement = mentoring.agreement_save(
        relationship=relationship,
        member=cath,
        goals="Submit a Certification portfolio.",
        frequency="Monthly",
        meeting_modes=["zoom"],
        confidentiality="Between us.",
    )
    request = mentoring.request_create(
        enrolment=alice.enrolments.get(),
        mentor=bob.mentor_profile,
        message="Could you mentor me toward Chartership?",
    )

    starts = timezone.now() + datetime.timedelta(days=14)
    event = training.event_create(
        created_by=olivia.user,
        kind=EventKind.MENTOR_TRAINING,
        title="Mentor training, London",
        region=f.region("london"),
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=3),
        location="The Library, London",
        capacity=10,
    )
    booking = training.booking_create(event_id=event.pk, member=carol)

    feedback = Feedback.objects.create(topic="general", message="Lovely site.")
    help_flag = mentoring.help_request(
        enrolment=alice.enrolments.get(), message="I work nights."
    )
    london = f.region("london")
    allocation_run = oversight.allocation_run_create(
        by=olivia.user, region_ids=frozenset({london.pk})
    )
    api_token, _ = api.token_create(
        name="Membership database", scopes=["read"], created_by=sam_with_totp
    )
    outbox_message = OutboxMessage.objects.create(
        to="alice@example.org", subject="Hello", body="A message."
    )
    return World(
        candidate=alice,
        mentor=bob,
        officer=olivia,
        other_officer=oscar,
        staff=sam_with_totp,
        applicant=carol,
        mentee=cath,
        member=alice,
        mentor_profile=bob.mentor_profile,
        review_profile=review_profile,
        evidence=evidence,
        request=request,
        relationship=relationship,
        agreement=agreement,
        event=event,
        booking=booking,
        feedback=feedback,
        outbox_message=outbox_message,
        guidance_page=GuidancePage.objects.get(slug="becoming-a-mentor"),
        help_flag=help_flag,
        allocation_run=allocation_run,
        register_import=RegisterImport.objects.create(
            created_by=sam_with_totp,
            file_name="members.csv",
            status=ImportStatus.FINISHED,
            outcome=ImportResult(kind="members", rows=1, unchanged=1).as_json(),
        ),
        report=next(iter(REPORTS)),
        region=london,
        organisation_type=OrganisationType.objects.order_by("pk").first(),
        qualification=f.qualification("chartership"),
        appointment=olivia.appointments.get(),
        api_token=api_token,
        calendar_feed=privacy.feed_renew(member=alice),
    )
