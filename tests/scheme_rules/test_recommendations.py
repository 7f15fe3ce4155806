from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorscheme.scheme.recommendations import (
    POINTS_PER_UNIT,
    Reason,
    about_the_candidate,
    pair_points,
    place_points,
    score,
    score_vector,
    scoring,
)
from mentorscheme.scheme.records import (
    WEIGHT_NAMES,
    CandidateArrays,
    MentorArrays,
    Weights,
)

from .strategies import candidates, mentors, weights
from .test_eligibility import CARA, MO

# Plain: no recommendation applies (same type, no shared mode, another region,
# not up to date, free places ignored).
PLAIN = Weights(balance_load=False)
MENTOR = replace(
    MO,
    organisation_type_id=CARA.organisation_type_id,
    meeting_modes=frozenset({"phone"}),
    region_id=2,
    up_to_date_for=frozenset(),
)
#: Versions of the regulations: those of 2 December 2013 (CARA's) and a newer one.
V2013, NEWER = CARA.regulations_id, CARA.regulations_id + 1


def reasons(candidate=CARA, mentor=MENTOR, weights=PLAIN):
    return {r.code: r for r in score(candidate, mentor, weights)[1]}


def test_a_mentor_matching_nothing_scores_zero_with_no_reasons():
    assert score(CARA, MENTOR, PLAIN) == (0.0, [])


def test_a_mentor_in_a_different_sort_of_organisation_is_recommended():
    mentor = replace(MENTOR, organisation_type_id=9)
    value, _ = score(CARA, mentor, PLAIN)
    assert value == 3.0
    assert reasons(mentor=mentor)["different_org_type"] == Reason(
        "different_org_type", "works in a different sort of organisation", False, 3.0
    )


def test_an_unknown_organisation_type_earns_nothing():
    mentor = replace(MENTOR, organisation_type_id=None)
    assert score(CARA, mentor, PLAIN) == (0.0, [])


def test_a_mentor_in_the_same_organisation_is_flagged_as_a_warning():
    mentor = replace(MENTOR, organisation_id=CARA.organisation_id)
    value, found = score(CARA, mentor, PLAIN)
    assert value == -2.0
    assert found == [
        Reason(
            "same_organisation",
            "works in the same organisation as you",
            warning=True,
            points=-2.0,
        )
    ]


def test_shared_ways_of_meeting_are_named_and_count_up_to_two():
    candidate = replace(
        CARA, meeting_modes=frozenset({"zoom", "teams", "email", "in_person"})
    )
    mentor = replace(
        MENTOR,
        meeting_modes=candidate.meeting_modes,
        in_person_region_ids=frozenset({CARA.region_id}),
    )
    value, _ = score(candidate, mentor, PLAIN)
    assert value == 2.0
    assert reasons(candidate, mentor)["shared_modes"].text == (
        "meets in ways you chose: email, Microsoft Teams, Zoom and in person"
    )


def test_in_person_is_shared_only_where_the_mentor_meets_in_your_region():
    # Cara meets in person in her region; the mentor only in another one.
    candidate = replace(
        CARA, meeting_modes=frozenset({"in_person"}), region_name="East of England"
    )
    elsewhere = replace(
        MENTOR,
        region_id=CARA.region_id + 1,
        meeting_modes=frozenset({"in_person"}),
        in_person_region_ids=frozenset(),
    )
    assert score(candidate, elsewhere, PLAIN)[0] == 0.0
    assert "shared_modes" not in reasons(candidate, elsewhere)
    listed = replace(elsewhere, in_person_region_ids=frozenset({CARA.region_id}))
    assert score(candidate, listed, PLAIN)[0] == 1.0
    assert reasons(candidate, listed)["shared_modes"].text == (
        "meets in ways you chose: in person in East of England"
    )


def test_reasons_name_both_sorts_of_organisation():
    candidate = replace(CARA, organisation_type_name="Academic libraries")
    mentor = replace(
        MENTOR, organisation_type_id=3, organisation_type_name="Public libraries"
    )
    assert reasons(candidate, mentor)["different_org_type"].text == (
        "works in public libraries; you work in academic libraries"
    )


def test_one_shared_way_of_meeting_reads_simply():
    mentor = replace(MENTOR, meeting_modes=frozenset({"zoom", "phone"}))
    assert (
        reasons(mentor=mentor)["shared_modes"].text == "meets in ways you chose: Zoom"
    )


def test_a_mentor_in_your_region_is_noted():
    mentor = replace(MENTOR, region_id=CARA.region_id)
    assert score(CARA, mentor, PLAIN)[0] == 0.5
    assert reasons(mentor=mentor)["same_region"].text == "in your region"


def test_a_mentor_up_to_date_with_the_candidates_regulations_ranks_higher():
    mentor = replace(MENTOR, up_to_date_for=frozenset({V2013}))
    assert score(CARA, mentor, PLAIN)[0] == 2.0
    assert reasons(mentor=mentor)["up_to_date"].text == (
        "up to date with your regulations"
    )
    named = replace(CARA, regulations_name="Regulations of 2 December 2013")
    assert reasons(named, mentor)["up_to_date"].text == (
        "up to date with your regulations (Regulations of 2 December 2013)"
    )


def test_a_mentor_briefed_only_on_newer_regulations_is_not_up_to_date_for_you():
    # The candidate stayed under the 2013 regulations; the mentor knows only the
    # newer ones, so nothing recommends them on that count.
    newer_only = replace(MENTOR, up_to_date_for=frozenset({NEWER}))
    assert score(CARA, newer_only, PLAIN) == (0.0, [])
    moved = replace(CARA, regulations_id=NEWER)
    assert score(moved, newer_only, PLAIN)[0] == 2.0


def test_without_a_version_nobody_is_up_to_date():
    mentor = replace(MENTOR, up_to_date_for=frozenset({V2013}))
    assert score(replace(CARA, regulations_id=None), mentor, PLAIN) == (0.0, [])


def test_more_free_places_rank_higher_up_to_a_limit():
    values = [
        score(CARA, replace(MENTOR, capacity=free, active_mentees=0), Weights())[0]
        for free in range(1, 7)
    ]
    assert values == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    assert reasons(mentor=MENTOR, weights=Weights())["free_places"].text == (
        "has 1 free place"
    )


def test_a_ranked_choice_earns_a_bonus_that_falls_with_rank():
    candidate = replace(CARA, choices=(99, MENTOR.id))
    assert score(candidate, MENTOR, PLAIN)[0] == 2.5
    assert reasons(candidate)["choice"].text == "your second choice"


def test_a_switched_off_recommendation_neither_counts_nor_shows():
    mentor = replace(MENTOR, organisation_type_id=9, up_to_date_for={V2013})
    off = replace(PLAIN, prefer_different_org_type=False, prefer_up_to_date=False)
    assert score(CARA, mentor, off) == (0.0, [])


def test_a_weight_of_zero_shows_the_reason_without_counting_it():
    mentor = replace(MENTOR, up_to_date_for={V2013})
    value, found = score(CARA, mentor, replace(PLAIN, up_to_date=0.0))
    assert value == 0.0
    assert [r.code for r in found] == ["up_to_date"]


def test_negative_weights_are_refused():
    with pytest.raises(ValueError, match="same_region"):
        Weights(same_region=-1.0)


@settings(max_examples=100, deadline=None)
@given(candidates, st.lists(mentors, min_size=1, max_size=6), weights)
def test_scalar_and_vector_scores_agree(candidate, some_mentors, w):
    arrays = MentorArrays.from_records(some_mentors)
    vector = score_vector(candidate, arrays, w)
    for i, mentor in enumerate(some_mentors):
        value, found = score(candidate, mentor, w)
        assert vector[i] == pytest.approx(value, abs=1e-9)
        # The reasons' points add up to the score.
        assert sum(r.points for r in found) == pytest.approx(value, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(candidates, st.lists(mentors, min_size=1, max_size=6), weights)
def test_points_are_the_score_in_integers(candidate, some_mentors, w):
    s = scoring(w)
    cands = CandidateArrays.from_records([candidate])
    arrays = MentorArrays.from_records(some_mentors)
    g = np.arange(len(some_mentors))
    points = pair_points(cands, np.zeros_like(g), arrays, g, s)
    points = points + place_points(arrays.free_places, s)
    for i, mentor in enumerate(some_mentors):
        rank = (
            candidate.choices.index(mentor.id) + 1
            if mentor.id in candidate.choices
            else 0
        )
        total = points[i] + s.choice_points(rank)
        value, _ = score(candidate, mentor, w)
        assert abs(total / POINTS_PER_UNIT - value) <= 7 * 0.5 / POINTS_PER_UNIT


def test_every_reason_reads_about_the_candidate_for_a_support_officer():
    candidate = replace(
        CARA,
        choices=(MENTOR.id,),
        organisation_type_name="Academic libraries",
        regulations_name="Regulations of 2 December 2013",
        region_name="London",
        meeting_modes=frozenset({"zoom", "in_person"}),
    )
    mentor = replace(
        MENTOR,
        organisation_id=CARA.organisation_id,
        organisation_type_id=9,
        organisation_type_name="Public libraries",
        region_id=CARA.region_id,
        meeting_modes=frozenset({"zoom", "in_person"}),
        in_person_region_ids=frozenset({CARA.region_id}),
        up_to_date_for=frozenset({CARA.regulations_id}),
    )
    found = score(candidate, mentor, Weights())[1]
    assert {r.code for r in found} == {
        "choice",
        "different_org_type",
        "shared_modes",
        "up_to_date",
        "same_region",
        "free_places",
        "same_organisation",
    }
    read = [about_the_candidate(r.text) for r in found]
    assert not [text for text in read if {"you", "your"} & set(text.split())], read
    assert (
        "works in public libraries; the candidate works in academic libraries" in read
    )
    assert "the candidate’s first choice" in read
    assert "works in the same organisation as the candidate" in read


def test_every_weight_is_checked_and_reported():
    """A run's report and the check of each weight read the weights from one list."""
    assert tuple(f.name for f in fields(Weights) if f.type == "float") == WEIGHT_NAMES
    with pytest.raises(ValueError, match="choice_bonus must be between 0 and 1000"):
        Weights(choice_bonus=-1)
