import pytest

from mentorscheme.members.models import OrganisationType
from tests import factories as f


@pytest.fixture
def dora(db):
    """A listed Fellow in Wales, in a different sort of organisation, meeting by Zoom."""
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


def mentor(**kwargs):
    level = kwargs.pop("level", "chartership")
    profile_kwargs = kwargs.pop("profile", {})
    member = f.MemberFactory(**kwargs)
    f.award(member, level)
    f.with_account(member)
    f.mentor_profile(member, **profile_kwargs)
    return member
