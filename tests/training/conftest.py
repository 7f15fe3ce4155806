import pytest

from tests.personas import approved_to_mentor


@pytest.fixture
def carol(carol):
    """Approved as a mentor in London; training and workshop still to do."""
    return approved_to_mentor(carol)
