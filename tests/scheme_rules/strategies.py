"""Hypothesis strategies for single records: small id ranges so that clashes
(the same member, the same organisation, the line manager) happen often."""

from hypothesis import strategies as st

from mentorscheme.scheme.records import (
    MEETING_MODES,
    CandidateRecord,
    MentorRecord,
    Weights,
)

modes = st.frozensets(st.sampled_from(list(MEETING_MODES)), max_size=4)
maybe_id = st.none() | st.integers(1, 4)
member = st.integers(1, 6)
mentor_id = st.integers(1, 8)

mentors = st.builds(
    MentorRecord,
    id=mentor_id,
    member_id=member,
    level_rank=st.integers(0, 3),
    registration_current=st.booleans(),
    trained=st.booleans(),
    workshop_attended=st.booleans(),
    listed=st.booleans(),
    accepting=st.booleans(),
    capacity=st.integers(0, 3),
    active_mentees=st.integers(0, 3),
    region_id=maybe_id,
    organisation_id=maybe_id,
    organisation_type_id=maybe_id,
    meeting_modes=modes,
    up_to_date_for=st.frozensets(st.integers(1, 3), max_size=2),
    qualification_ids=st.frozensets(st.integers(1, 3), max_size=2),
    in_person_region_ids=st.frozensets(st.integers(1, 4), max_size=2),
)

candidates = st.builds(
    CandidateRecord,
    id=st.integers(1, 100),
    member_id=member,
    qualification_uses_mentors=st.booleans(),
    min_mentor_rank=st.integers(0, 3),
    region_id=maybe_id,
    organisation_id=maybe_id,
    organisation_type_id=maybe_id,
    line_manager_member_id=st.none() | member,
    meeting_modes=modes,
    has_active_relationship=st.booleans(),
    mentoring_complete=st.booleans(),
    portfolio_submitted=st.booleans(),
    choices=st.lists(mentor_id, max_size=3, unique=True).map(tuple),
    excluded_mentor_ids=st.frozensets(mentor_id, max_size=2),
    qualification_id=st.none() | st.integers(1, 3),
    declared_line_manager_member_id=st.none() | member,
    regulations_id=st.none() | st.integers(1, 3),
    regulations_name=st.sampled_from(["", "Regulations of 2 December 2013"]),
)

weight = st.floats(0, 10).map(lambda x: round(x, 2))
weights = st.builds(
    Weights,
    different_org_type=weight,
    same_organisation=weight,
    shared_mode=weight,
    same_region=weight,
    up_to_date=weight,
    load_balance=weight,
    choice_bonus=weight,
    prefer_different_org_type=st.booleans(),
    flag_same_organisation=st.booleans(),
    prefer_shared_modes=st.booleans(),
    prefer_same_region=st.booleans(),
    prefer_up_to_date=st.booleans(),
    balance_load=st.booleans(),
    honour_choices=st.booleans(),
)
