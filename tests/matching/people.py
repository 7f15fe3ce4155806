"""Personas for the engine tests.

Mo is a chartered mentor, trained, listed, with one free place; Cara works toward
Chartership in another organisation and sector, in Mo's region, and meets by Zoom;
she is under the regulations Mo is briefed on (version ``REGULATIONS``).
``mentor()`` and ``candidate()`` make more like them.
"""

from dataclasses import replace

from mentorscheme.scheme.records import CHARTERSHIP, CandidateRecord, MentorRecord

#: The version of the regulations Cara is under and Mo is briefed on.
REGULATIONS = 1

MO = MentorRecord(
    id=10,
    member_id=100,
    level_rank=CHARTERSHIP,
    registration_current=True,
    trained=True,
    workshop_attended=True,
    listed=True,
    accepting=True,
    capacity=2,
    active_mentees=1,
    region_id=1,
    organisation_id=7,
    organisation_type_id=3,
    meeting_modes=frozenset({"email", "zoom"}),
    up_to_date_for=frozenset({REGULATIONS}),
)
CARA = CandidateRecord(
    id=20,
    member_id=200,
    qualification_uses_mentors=True,
    min_mentor_rank=CHARTERSHIP,
    region_id=1,
    organisation_id=8,
    organisation_type_id=4,
    line_manager_member_id=300,
    meeting_modes=frozenset({"zoom"}),
    regulations_id=REGULATIONS,
)


def mentor(id, **changes):
    changes.setdefault("member_id", 100 + id)
    changes.setdefault("capacity", 1)
    changes.setdefault("active_mentees", 0)
    return replace(MO, id=id, **changes)


def candidate(id, **changes):
    changes.setdefault("member_id", 200 + id)
    return replace(CARA, id=id, **changes)
