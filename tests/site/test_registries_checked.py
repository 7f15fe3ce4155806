"""The apps below say what the apps above do for them through registries; a missing
app would leave a registry empty and its work silently undone, so the system check
(run by every manage.py command and deploy) says so instead."""

import pytest
from django.core import checks

from mentorscheme.members import access
from mentorscheme.members import changes as member_changes
from mentorscheme.mentors import changes as mentor_changes
from mentorscheme.mentors import selectors as mentor_selectors
from mentorscheme.training import changes as training_changes


def errors():
    return {message.id: message.msg for message in checks.run_checks()}


def test_a_complete_install_passes_the_check():
    assert not [
        i for i in errors() if i.split(".")[0] in ("members", "mentors", "training")
    ]


@pytest.mark.parametrize(
    ("registry", "error"),
    [
        (mentor_changes._UNAVAILABLE, "mentors.E001"),
        (mentor_changes._LEFT, "mentors.E002"),
        (mentor_changes._COUNTED, "mentors.E004"),
        (training_changes._ATTENDANCE_CHANGED, "training.E001"),
        (training_changes._BRIEFING_PUBLISHED, "training.E002"),
        (member_changes._WRITTEN, "members.E001"),
        (member_changes._COMMITTED, "members.E002"),
    ],
)
def test_an_empty_registry_fails_the_check(registry, error):
    kept = list(registry)
    registry.clear()
    try:
        assert error in errors()
        assert "Nothing is registered" in errors()[error]
    finally:
        registry.extend(kept)


def test_a_role_nobody_reads_fails_the_check(monkeypatch):
    monkeypatch.delitem(access.ROLE_SOURCES, "is_mentor")
    assert "The is_mentor role is read from nowhere" in errors()["members.E003"]


def test_mentoring_missing_from_the_mentor_selectors_fails_the_check(monkeypatch):
    monkeypatch.delitem(mentor_selectors._FROM_MENTORING, "home_sections")
    assert "home_sections" in errors()["mentors.E003"]
