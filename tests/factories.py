import datetime

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from mentorscheme.members.models import (
    Level,
    Member,
    OfficerAppointment,
    OfficerRole,
    Organisation,
    OrganisationType,
    Region,
    RegistrationAward,
    User,
)
from mentorscheme.mentors.models import MentorProfile, MentorStatus
from mentorscheme.scheme.models import Enrolment, Qualification, RegulationsVersion

PASSWORD = "correct horse battery staple"
TOTP_SECRET = "MENTORSCHEMETESTSECRETKEYAAAAAAA"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def level(code: str) -> Level:
    return Level.objects.get(code=code)


def qualification(code: str) -> Qualification:
    return Qualification.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, verified=True, primary=True
            )
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    organisation_type = factory.LazyFunction(
        lambda: OrganisationType.objects.get(code="public")
    )
    region = factory.LazyFunction(lambda: region("london"))


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    membership_number = factory.Sequence(lambda n: f"T{n:06d}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Member{n}")
    email = factory.Sequence(lambda n: f"member{n}@example.org")
    region = factory.LazyFunction(lambda: region("london"))
    organisation = factory.SubFactory(OrganisationFactory)
    job_title = "Librarian"


def award(member: Member, level_code: str, **kwargs) -> RegistrationAward:
    kwargs.setdefault("awarded_on", datetime.date(2015, 6, 1))
    return RegistrationAward.objects.create(
        member=member, level=level(level_code), **kwargs
    )


def with_account(member: Member, *, staff: bool = False, totp: bool = False) -> User:
    user = UserFactory(email=member.email, is_staff=staff)
    member.user = user
    member.save(update_fields=["user"])
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def appoint(member: Member, region_code: str, **kwargs) -> OfficerAppointment:
    kwargs.setdefault("starts_on", datetime.date(2025, 1, 1))
    kwargs.setdefault("ends_on", datetime.date(2099, 1, 1))
    # A support officer holds both roles (mentors' and candidates' side) unless a
    # test names one.
    kwargs.setdefault("role", OfficerRole.SUPPORT)
    return OfficerAppointment.objects.create(
        member=member, region=region(region_code), **kwargs
    )


def enrol(member: Member, code: str = "chartership", **kwargs) -> Enrolment:
    """An enrolment under the one version of the regulations the tests hold, unless
    a test gives ``regulations``."""
    if "regulations" not in kwargs:
        kwargs["regulations"] = RegulationsVersion.objects.get()
    return Enrolment.objects.create(
        member=member, qualification=qualification(code), **kwargs
    )


def mentor_profile(member: Member, **kwargs) -> MentorProfile:
    kwargs.setdefault("status", MentorStatus.LISTED)
    kwargs.setdefault("capacity", 2)
    kwargs.setdefault("meeting_modes", ["email", "zoom"])
    kwargs.setdefault("trained_on", datetime.date(2024, 3, 1))
    kwargs.setdefault("workshop_attended_on", datetime.date(2024, 4, 1))
    return MentorProfile.objects.create(member=member, **kwargs)
