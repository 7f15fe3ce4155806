import pytest

from mentorscheme.mentors.models import MentorStatus
from tests import factories as f


@pytest.fixture
def carol(carol):
    """Approved as a mentor in London; training and workshop still to do."""
    f.mentor_profile(
        carol, status=MentorStatus.APPROVED, trained_on=None, workshop_attended_on=None
    )
    return carol
