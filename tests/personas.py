"""The people the tests are about, each defined once.

tests/conftest.py hands them to tests as fixtures of the same name; code that builds a
larger scene (tests/security/world.py, a benchmark) calls these functions directly.

- alice: a candidate working toward Chartership in London
- bob: a listed Chartered mentor in Yorkshire
- carol: a Chartered member in London who would like to mentor
- dora: a listed Fellow in Wales, in an academic library, meeting by Zoom or Teams
- olivia: Mentor Support Officer for London (two-factor set up)
- oscar: Mentor Support Officer for Scotland only (two-factor set up)
- sam: staff (``sam_with_totp``: with two-factor set up)
- larry: a Chartered member whose membership has lapsed

Anyone else: ``mentor(**fields)`` makes a listed mentor, ``login(client, person)``
signs a test client in as a member or a user.
"""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from mentorscheme.members.models import Member, OrganisationType, User
from mentorscheme.mentors.models import MentorStatus
from tests import factories as f


def alice() -> Member:
    member = f.MemberFactory(
        first_name="Alice", last_name="Archer", email="alice@example.org"
    )
    f.with_account(member)
    f.enrol(member, "chartership")
    return member


def bob() -> Member:
    member = f.MemberFactory(
        first_name="Bob",
        last_name="Baker",
        email="bob@example.org",
        region=f.region("yorkshire-humber"),
    )
    f.award(member, "chartership")
    f.with_account(member)
    f.mentor_profile(member)
    return member


def carol() -> Member:
    member = f.MemberFactory(
        first_name="Carol", last_name="Cole", email="carol@example.org"
    )
    f.award(member, "chartership")
    f.with_account(member)
    return member


def approved_to_mentor(member: Member) -> Member:
    """``member`` approved as a mentor, with mentor training and the workshop still
    to do (as Carol is, in the training and evidence tests)."""
    f.mentor_profile(
        member, status=MentorStatus.APPROVED, trained_on=None, workshop_attended_on=None
    )
    return member


def dora() -> Member:
    member = f.MemberFactory(
        first_name="Dora",
        last_name="Davies",
        email="dora@example.org",
        region=f.region("wales"),
        organisation=f.OrganisationFactory(
            organisation_type=OrganisationType.objects.get(code="academic"),
            region=f.region("wales"),
        ),
        job_title="Academic Liaison Librarian",
    )
    f.award(member, "fellowship")
    f.with_account(member)
    f.mentor_profile(
        member,
        capacity=1,
        meeting_modes=["zoom", "teams"],
        statement="I enjoy helping candidates write evaluatively.",
    )
    return member


def olivia() -> Member:
    member = f.MemberFactory(
        first_name="Olivia", last_name="Owen", email="olivia@example.org"
    )
    f.award(member, "chartership")
    f.with_account(member, totp=True)
    f.appoint(member, "london")
    return member


def oscar() -> Member:
    member = f.MemberFactory(
        first_name="Oscar",
        last_name="Ortiz",
        email="oscar@example.org",
        region=f.region("scotland"),
    )
    f.award(member, "fellowship")
    f.with_account(member, totp=True)
    f.appoint(member, "scotland")
    return member


def sam() -> User:
    return f.UserFactory(email="sam@example.org", is_staff=True)


def with_totp(user: User) -> User:
    """Two-factor set up with the tests' known secret (tests.factories.TOTP_SECRET)."""
    TOTP.activate(user, f.TOTP_SECRET)
    return user


def larry() -> Member:
    member = f.MemberFactory(
        first_name="Larry",
        last_name="Lapsed",
        email="larry@example.org",
        membership_status="lapsed",
    )
    f.award(member, "chartership")
    f.with_account(member)
    f.enrol(member, "fellowship")
    return member


def mentor(**kwargs) -> Member:
    """A listed mentor with an account: ``level`` (default chartership) is their
    registration, ``profile`` fields for their mentor profile, the rest the member's."""
    level = kwargs.pop("level", "chartership")
    profile_kwargs = kwargs.pop("profile", {})
    member = f.MemberFactory(**kwargs)
    f.award(member, level)
    f.with_account(member)
    f.mentor_profile(member, **profile_kwargs)
    return member


def login(client, member_or_user, *, second_factor: bool = True):
    """Sign in as allauth would: with a password, then (for an account that has
    two-factor) its code. ``second_factor=False`` gives a session that used only a
    password, as Django's own ``login()`` (the admin's old form) would."""
    user = getattr(member_or_user, "user", None) or member_or_user
    client.force_login(user)
    record_sign_in(client, user, second_factor=second_factor)
    return client


def record_sign_in(client, user, *, second_factor: bool) -> None:
    """Write allauth's record of how the session signed in (see ``login``)."""
    now = time.time()
    records = [{"method": "password", "at": now, "email": user.email}]
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
    for authenticator in totp if second_factor else ():
        records.append(
            {"method": "mfa", "at": now, "id": authenticator.pk, "type": "totp"}
        )
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
