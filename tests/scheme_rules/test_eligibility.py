from dataclasses import replace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorscheme.scheme import eligibility
from mentorscheme.scheme.eligibility import (
    MENTOR,
    OFFICER,
    RULES,
    WORDS,
    Failure,
    allowed_mask,
    allowed_pairs,
    check,
    failure_masks,
    for_reader,
    is_allowed,
    mentor_failures,
    mentor_gate,
)
from mentorscheme.scheme.records import (
    FELLOWSHIP,
    CandidateArrays,
    MentorArrays,
)

# Mo is a chartered, trained, listed mentor with a free place; Cara is working
# toward Chartership in another organisation and may ask Mo.
from tests.matching.people import CARA, MO  # noqa: E402

from .strategies import candidates, mentors


def codes(candidate=CARA, mentor=MO):
    return [f.code for f in check(candidate, mentor)]


def test_a_registered_trained_listed_mentor_with_a_free_place_is_allowed():
    assert check(CARA, MO) == []
    assert is_allowed(CARA, MO)


def test_a_mentor_whose_registration_lapsed_is_not_allowed():
    assert codes(mentor=replace(MO, registration_current=False)) == ["not_registered"]


def test_a_mentor_holding_no_level_is_reported_as_not_registered_only():
    assert codes(mentor=replace(MO, level_rank=0)) == ["not_registered"]


def test_a_qualification_without_mentors_offers_none():
    candidate = replace(CARA, qualification_uses_mentors=False, min_mentor_rank=0)
    assert codes(candidate) == ["qualification_without_mentors"]


def test_a_mentor_below_the_qualification_minimum_level_is_not_allowed():
    assert codes(replace(CARA, min_mentor_rank=FELLOWSHIP)) == ["level_too_low"]


def test_a_mentor_at_or_above_the_minimum_level_is_allowed():
    assert codes(mentor=replace(MO, level_rank=FELLOWSHIP)) == []


def test_an_untrained_mentor_is_not_allowed():
    assert codes(mentor=replace(MO, trained=False)) == ["not_trained"]


def test_a_mentor_who_missed_the_workshop_is_not_allowed():
    assert codes(mentor=replace(MO, workshop_attended=False)) == ["no_workshop"]


def test_an_unlisted_mentor_is_not_allowed():
    assert codes(mentor=replace(MO, listed=False)) == ["not_listed"]


def test_a_paused_mentor_is_not_allowed():
    assert codes(mentor=replace(MO, accepting=False)) == ["paused"]


def test_a_full_mentor_is_not_allowed():
    assert codes(mentor=replace(MO, active_mentees=2)) == ["full"]
    assert codes(mentor=replace(MO, capacity=0, active_mentees=0)) == ["full"]


def test_a_candidate_cannot_mentor_themselves():
    assert codes(mentor=replace(MO, member_id=CARA.member_id)) == ["self"]


def test_the_line_manager_is_not_allowed():
    assert codes(mentor=replace(MO, member_id=300)) == ["line_manager"]


def test_an_enrolment_with_an_active_relationship_gets_no_second_mentor():
    assert codes(replace(CARA, has_active_relationship=True)) == ["already_mentored"]


def test_an_enrolment_whose_mentoring_is_complete_gets_no_second_mentor():
    assert codes(replace(CARA, mentoring_complete=True)) == ["mentoring_complete"]


def test_a_candidate_whose_portfolio_is_with_the_assessors_has_no_mentor_to_find():
    assert codes(replace(CARA, portfolio_submitted=True)) == ["portfolio_submitted"]


def test_every_failure_is_reported_in_rule_order_with_plain_words():
    mentor = replace(MO, trained=False, accepting=False, member_id=300)
    candidate = replace(CARA, has_active_relationship=True, min_mentor_rank=3)
    failures = check(candidate, mentor)
    assert [f.code for f in failures] == [
        "level_too_low",
        "not_trained",
        "paused",
        "line_manager",
        "already_mentored",
    ]
    assert failures[0] == Failure("level_too_low", RULES["level_too_low"])
    assert all(f.reason.endswith(".") for f in failures)


def test_every_failure_has_words_for_the_mentor_and_for_an_officer():
    for reader, words in WORDS.items():
        assert list(words) == list(RULES), reader
    full = replace(MO, active_mentees=MO.capacity)
    assert for_reader(check(CARA, full), MENTOR) == [
        Failure("full", "You have no free place at the moment.")
    ]
    assert for_reader(check(CARA, full), OFFICER) == [
        Failure("full", "The mentor has no free place at the moment.")
    ]


def test_the_static_gate_depends_on_the_mentor_alone():
    assert mentor_failures(MO) == []
    assert [f.code for f in mentor_failures(replace(MO, listed=False))] == [
        "not_listed"
    ]
    arrays = MentorArrays.from_records([MO, replace(MO, id=11, active_mentees=2)])
    assert mentor_gate(arrays).tolist() == [True, False]
    assert mentor_gate(arrays, count_capacity=False).tolist() == [True, True]


@settings(max_examples=150, deadline=None)
@given(candidates, st.lists(mentors, min_size=1, max_size=6))
def test_check_and_the_vector_form_always_agree(candidate, some_mentors):
    arrays = MentorArrays.from_records(some_mentors)
    masks = failure_masks(candidate, arrays)
    assert list(masks) == list(RULES)
    allowed = allowed_mask(candidate, arrays)
    pairs = allowed_pairs(
        CandidateArrays.from_records([candidate]),
        np.zeros(len(some_mentors), dtype=int),
        arrays,
        np.arange(len(some_mentors)),
    )
    for i, mentor in enumerate(some_mentors):
        expected = [f.code for f in check(candidate, mentor)]
        assert [code for code, mask in masks.items() if mask[i]] == expected
        assert bool(allowed[i]) is is_allowed(candidate, mentor)
        assert bool(pairs[i]) is is_allowed(candidate, mentor)
        gate = not eligibility.mentor_failures(mentor)
        assert bool(mentor_gate(arrays)[i]) is gate


def test_a_mentor_who_chose_other_qualifications_is_not_allowed():
    # A Chartered mentor who ticked only Certification (id 1); Cara seeks Chartership.
    mentor = replace(MO, qualification_ids=frozenset({1}))
    cara = replace(CARA, qualification_id=2)
    assert codes(cara, mentor) == ["qualification_not_supported"]
    assert codes(cara, replace(mentor, qualification_ids=frozenset({1, 2}))) == []
    # Having chosen none, a mentor supports every qualification their level allows.
    assert codes(cara, replace(mentor, qualification_ids=frozenset())) == []


def test_a_declared_line_manager_is_barred_as_the_registers_is():
    cara = replace(CARA, line_manager_member_id=None)
    assert codes(replace(cara, declared_line_manager_member_id=MO.member_id)) == [
        "line_manager"
    ]
