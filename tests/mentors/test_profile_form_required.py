"""A mentor's profile asks for what a candidate needs before the mentor can be offered:
the form says so (no "(optional)" beside it) and explains itself when left empty."""

import re

from mentorscheme.mentors.models import MentorStatus
from tests import factories as f
from tests.mentors.test_becoming_a_mentor import application
from tests.personas import login

NEEDED = [
    "Your experience",
    "Qualifications you would support",
    "Ways you can meet",
]
#: Asked for only from a mentor who meets in person (tests/mentors/
#: test_becoming_a_mentor.py).
IF_IN_PERSON = "Regions where you can meet in person"


def marked_optional(page: str, label: str) -> bool:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    return f"{label} (optional)" in text


def test_a_listed_mentor_reads_that_qualifications_are_needed(client, bob):
    page = login(client, bob).get("/mentors/profile/").text
    assert "Qualifications you would support" in page
    for label in NEEDED:
        assert not marked_optional(page, label), label
    assert marked_optional(page, IF_IN_PERSON) and "Only if you meet in person." in page


def test_saving_a_profile_without_a_qualification_says_to_choose_one(client, bob):
    login(client, bob)
    chosen = list(bob.mentor_profile.qualifications.values_list("pk", flat=True))
    response = client.post("/mentors/profile/", application(qualifications=[]))
    assert response.status_code == 400
    assert "Choose at least one qualification you would support." in response.text
    assert response.text.count('aria-invalid="true"') >= 1
    bob.mentor_profile.refresh_from_db()
    assert (
        list(bob.mentor_profile.qualifications.values_list("pk", flat=True)) == chosen
    )


def test_the_application_reads_that_qualifications_are_needed_and_a_draft_may_wait(
    client, carol
):
    f.mentor_profile(carol, status=MentorStatus.INTERESTED)
    login(client, carol)
    page = client.get("/mentors/apply/").text
    for label in NEEDED:
        assert not marked_optional(page, label), label
    draft = application(qualifications=[], statement="", meeting_modes=[], regions=[])
    del draft["submit"]
    draft["draft"] = "1"
    assert client.post("/mentors/apply/", draft).status_code == 302
    sent = client.post("/mentors/apply/", application(qualifications=[]))
    assert sent.status_code == 400
    assert "Choose at least one qualification you would support." in sent.text
