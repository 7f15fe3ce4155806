import math
import random
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorscheme.matching.engine import (
    UNMATCHED_REASONS,
    MentorIndex,
    allocate,
    allocate_greedy,
)
from mentorscheme.scheme.eligibility import candidate_failures, check
from mentorscheme.scheme.recommendations import score
from mentorscheme.scheme.records import Weights

from .people import CARA, MO, candidate, mentor
from .strategies import brute_force, instances, offered, twin_instances, weights

OPTIMUM = settings(max_examples=120, deadline=None)
FAST = settings(max_examples=60, deadline=None)


def expected_code(candidate, mentors, matched_mentor=None):
    failures = candidate_failures(candidate)
    if failures:
        return failures[0].code
    for m in mentors:
        codes = {f.code for f in check(candidate, m)}
        if codes <= {"full"} and m.id not in candidate.excluded_mentor_ids:
            return "all_allowed_full"
    return "no_allowed_mentor"


def assert_valid(allocation, candidates, mentors, weights=None):
    """No rule or free place broken, every candidate accounted for, sums right."""
    by_id = {c.id: c for c in candidates}
    mentor_by_id = {m.id: m for m in mentors}
    given_places = Counter()
    for pair in sorted(allocation.pairs, key=lambda p: (p.mentor_id, p.candidate_id)):
        c, m = by_id[pair.candidate_id], mentor_by_id[pair.mentor_id]
        assert offered(c, m), check(c, m)
        free = m.free_places - given_places[m.id]
        assert free > 0
        value, reasons = score(c, m, weights, free_places=free)
        assert pair.score == value
        assert list(pair.reasons) == reasons
        given_places[m.id] += 1
    matched = [p.candidate_id for p in allocation.pairs]
    unmatched = [u.candidate_id for u in allocation.unmatched]
    assert len(set(matched)) == len(matched)
    assert sorted(matched + unmatched) == sorted(by_id)
    assert allocation.matched == len(matched)
    assert allocation.total_score == pytest.approx(
        math.fsum(p.score for p in allocation.pairs), abs=1e-9
    )
    for u in allocation.unmatched:
        assert u.code == expected_code(by_id[u.candidate_id], mentors)
        assert u.reason == UNMATCHED_REASONS[u.code]


def tolerance(candidates):
    # The engine optimises the exact scores; only float sums of them differ.
    return 1e-9 * (len(candidates) + 1)


def test_a_mentor_with_two_free_places_takes_two_candidates():
    mo = replace(MO, capacity=3, active_mentees=1)
    cands = [candidate(1), candidate(2), candidate(3)]
    result = allocate(cands, [mo])
    assert result.matched == 2
    assert [u.code for u in result.unmatched] == ["all_allowed_full"]
    assert_valid(result, cands, [mo])


def test_the_line_manager_is_never_allocated():
    managed = replace(CARA, line_manager_member_id=MO.member_id)
    result = allocate([managed], [MO])
    assert result.pairs == ()
    assert result.unmatched[0].code == "no_allowed_mentor"


def test_matching_more_candidates_comes_before_a_higher_score():
    # Ann suits Mo best, but only Mo can take Ben: the optimum gives Mo to Ben.
    mo = mentor(1, organisation_type_id=9)
    fay = mentor(2, level_rank=3, organisation_type_id=CARA.organisation_type_id)
    ann = candidate(1, min_mentor_rank=2)
    ben = candidate(2, min_mentor_rank=2, line_manager_member_id=fay.member_id)
    result = allocate([ann, ben], [mo, fay])
    assert {(p.candidate_id, p.mentor_id) for p in result.pairs} == {(1, 2), (2, 1)}
    greedy = allocate_greedy([ann, ben], [mo, fay])
    assert greedy.matched == 1


def test_a_first_choice_is_honoured_unless_switched_off():
    near = mentor(1)
    chosen = mentor(2, up_to_date_for=frozenset())
    cara = replace(CARA, choices=(2,))
    assert allocate([cara], [near, chosen]).pairs[0].mentor_id == 2
    result = allocate([cara], [near, chosen], honour_choices=False)
    assert result.pairs[0].mentor_id == 1


def test_excluded_mentors_are_never_allocated():
    cara = replace(CARA, excluded_mentor_ids=frozenset({MO.id}), choices=(MO.id,))
    result = allocate([cara], [MO])
    assert result.pairs == ()


def test_each_unmatched_candidate_gets_a_reason():
    revalidation = candidate(1, qualification_uses_mentors=False, min_mentor_rank=0)
    mentored = candidate(2, has_active_relationship=True)
    unreachable = candidate(3, min_mentor_rank=3)
    waiting = candidate(4)
    submitted = candidate(5, portfolio_submitted=True)
    full = replace(MO, active_mentees=MO.capacity)
    result = allocate([revalidation, mentored, unreachable, waiting, submitted], [full])
    assert [u.code for u in result.unmatched] == [
        "qualification_without_mentors",
        "already_mentored",
        "no_allowed_mentor",
        "all_allowed_full",
        "portfolio_submitted",
    ]


def test_a_candidate_whose_portfolio_is_with_the_assessors_is_not_allocated():
    submitted = replace(CARA, portfolio_submitted=True)
    result = allocate([submitted], [MO])
    assert result.pairs == ()
    assert [u.code for u in result.unmatched] == ["portfolio_submitted"]


def test_progress_is_reported_by_stage():
    seen = []
    allocate([CARA], [MO], progress=lambda stage, done, total: seen.append(stage))
    assert seen[0] == "prepare" and seen[-1] == "finish"


@pytest.mark.parametrize("method", ["full", "pricing"])
@OPTIMUM
@given(instances(), weights)
def test_the_allocation_is_optimal_and_breaks_no_rule(method, instance, w):
    cands, mentors = instance
    result = allocate(cands, mentors, w, method=method)
    assert_valid(result, cands, mentors, w)
    count, total = brute_force(cands, mentors, w)
    assert result.matched == count
    assert result.total_score == pytest.approx(total, abs=tolerance(cands))


@settings(max_examples=25, deadline=None)
@given(instances(max_candidates=40, max_mentors=15), weights)
def test_column_generation_agrees_with_the_full_network(instance, w):
    cands, mentors = instance
    full = allocate(cands, mentors, w, method="full")
    priced = allocate(cands, mentors, w, method="pricing")
    assert_valid(priced, cands, mentors, w)
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, abs=tolerance(cands))


@settings(max_examples=120, deadline=None)
@given(twin_instances(), weights, st.randoms(use_true_random=False))
def test_look_alike_candidates_merged_into_one_node_keep_the_optimum(instance, w, rnd):
    # Column generation puts interchangeable candidates on one node; the plain
    # network gives everyone their own. Both must reach the same optimum.
    cands, mentors = instance
    full = allocate(cands, mentors, w, method="full")
    priced = allocate(cands, mentors, w, method="pricing")
    assert_valid(priced, cands, mentors, w)
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, abs=tolerance(cands))
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    assert allocate(shuffled, mentors, w, method="pricing").pairs == priced.pairs


@pytest.mark.parametrize("method", ["full", "pricing"])
def test_candidates_alike_but_for_their_organisation_each_get_the_other_mentor(
    method,
):
    mo = mentor(1, organisation_id=5)
    fay = mentor(2, organisation_id=6)
    ann = candidate(1, organisation_id=5, line_manager_member_id=None)
    ben = candidate(2, organisation_id=6, line_manager_member_id=None)
    result = allocate([ann, ben], [mo, fay], method=method)
    assert {(p.candidate_id, p.mentor_id) for p in result.pairs} == {(1, 2), (2, 1)}
    assert not any(r.warning for p in result.pairs for r in p.reasons)


def test_look_alike_candidates_of_several_organisations_share_a_node_until_it_matters():
    # One node for the four, valued as if in no mentor's organisation; those in
    # the organisation of a mentor they get an arc to become a node of their own.
    mentors = [
        mentor(1, organisation_id=5, capacity=2),
        mentor(2, organisation_id=6, capacity=2),
    ]
    orgs = {1: 5, 2: 5, 3: 6, 4: 7}
    cands = [
        candidate(i, organisation_id=o, line_manager_member_id=None)
        for i, o in orgs.items()
    ]
    full = allocate(cands, mentors, method="full")
    priced = allocate(cands, mentors, method="pricing")
    assert priced.total_score == pytest.approx(full.total_score)
    # Split twice: those of organisations 5 and 6 each, the one of 7 is left.
    assert priced.stats["split_nodes"] == 2
    assert priced.stats["candidate_nodes"] == 3
    assert not any(r.warning for p in priced.pairs for r in p.reasons)
    assert_valid(priced, cands, mentors)


def test_among_look_alike_candidates_the_earliest_enrolments_are_matched_first():
    mentors = [mentor(i, capacity=2) for i in (1, 2, 3)]
    twins = [candidate(i, line_manager_member_id=None) for i in range(40, 10, -1)]
    result = allocate(twins, mentors, method="pricing")
    assert result.stats["candidate_nodes"] == 1
    assert sorted(p.candidate_id for p in result.pairs) == list(range(11, 17))
    assert_valid(result, twins, mentors)


@FAST
@given(instances(), weights, st.randoms(use_true_random=False))
def test_the_same_input_in_any_order_gives_the_same_allocation(instance, w, rnd):
    cands, mentors = instance
    first = allocate(cands, mentors, w, method="pricing")
    shuffled_c, shuffled_m = list(cands), list(mentors)
    rnd.shuffle(shuffled_c)
    rnd.shuffle(shuffled_m)
    again = allocate(shuffled_c, MentorIndex.build(shuffled_m), w, method="pricing")
    assert again.pairs == first.pairs
    assert again.unmatched == first.unmatched


@FAST
@given(instances(), weights)
def test_greedy_is_valid_and_never_beats_the_optimum(instance, w):
    cands, mentors = instance
    greedy = allocate_greedy(cands, mentors, w)
    assert_valid(greedy, cands, mentors, w)
    best = allocate(cands, mentors, w)
    assert (greedy.matched, greedy.total_score - tolerance(cands)) <= (
        best.matched,
        best.total_score,
    )


HEAVY = Weights(
    different_org_type=1000.0,
    same_organisation=1000.0,
    shared_mode=1000.0,
    same_region=1000.0,
    up_to_date=1000.0,
    load_balance=1000.0,
    choice_bonus=1000.0,
)


@pytest.mark.parametrize(
    ("n_candidates", "n_mentors", "weights"),
    [
        (400, 120, Weights()),  # more candidates than places
        (60, 200, Weights()),  # more places than candidates
        (400, 120, HEAVY),  # the largest weights allowed
    ],
)
def test_larger_random_instances_are_solved_identically_by_both_methods(
    n_candidates, n_mentors, weights
):
    rng = random.Random(n_candidates * n_mentors)
    modes = ["email", "zoom", "teams", "phone"]
    mentors = [
        mentor(
            i,
            member_id=1000 + i,
            level_rank=rng.choice([1, 2, 3]),
            capacity=rng.choice([1, 2, 3]),
            region_id=rng.randint(1, 4),
            organisation_id=rng.randint(1, 30),
            organisation_type_id=rng.randint(1, 5),
            meeting_modes=frozenset(rng.sample(modes, 2)),
            # Briefed on none, either or both of two versions of the regulations.
            up_to_date_for=frozenset(rng.choice([(), (1,), (2,), (2,), (1, 2)])),
        )
        for i in range(1, n_mentors + 1)
    ]
    cands = [
        candidate(
            i,
            member_id=i,
            min_mentor_rank=rng.choice([1, 2, 3]),
            region_id=rng.randint(1, 4),
            organisation_id=rng.randint(1, 30),
            organisation_type_id=rng.randint(1, 5),
            line_manager_member_id=rng.choice([None, 1000 + rng.randint(1, n_mentors)]),
            meeting_modes=frozenset(rng.sample(modes, 2)),
            choices=tuple(rng.sample(range(1, n_mentors + 1), rng.choice([0, 0, 2]))),
            regulations_id=rng.choice([1, 2, 2, None]),
        )
        for i in range(1, n_candidates + 1)
    ]
    full = allocate(cands, mentors, weights, method="full")
    priced = allocate(cands, mentors, weights, method="pricing")
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, rel=1e-9, abs=1e-6)
    assert_valid(priced, cands, mentors, weights)


def test_weights_finer_than_the_engine_can_compare_are_refused():
    with pytest.raises(ValueError, match="at most 4 decimal places"):
        Weights(shared_mode=0.00006, same_region=0.00014)


@pytest.mark.parametrize("method", ["full", "pricing"])
@pytest.mark.parametrize("chooser_id", [1, 2])
def test_the_engine_optimises_exactly_the_score_it_reports(method, chooser_id):
    # One place, two candidates: one ranked the mentor third (0.0002 / 3), the
    # other is in the mentor's region (0.0001). Rounded to 0.0001 the two tie.
    w = Weights(
        different_org_type=0,
        same_organisation=0,
        shared_mode=0,
        same_region=0.0001,
        up_to_date=0,
        load_balance=0,
        choice_bonus=0.0002,
    )
    mo = mentor(1, region_id=1)
    chooser = candidate(chooser_id, region_id=2, choices=(98, 99, 1))
    local = candidate(3 - chooser_id, region_id=1)
    result = allocate([chooser, local], [mo], w, method=method)
    assert [p.candidate_id for p in result.pairs] == [local.id]
    assert result.total_score == score(local, mo, w)[0]
    assert result.total_score > score(chooser, mo, w)[0]


def test_a_mentor_is_never_allocated_a_qualification_they_did_not_choose():
    only_certification = replace(MO, qualification_ids=frozenset({1}))
    cara = replace(CARA, qualification_id=2)
    result = allocate([cara], [only_certification])
    assert result.pairs == ()
    assert [u.code for u in result.unmatched] == ["no_allowed_mentor"]
    full = replace(MO, id=11, member_id=101, active_mentees=MO.capacity)
    result = allocate([cara], [only_certification, full])
    assert [u.code for u in result.unmatched] == ["all_allowed_full"]


def test_an_in_person_only_mentor_elsewhere_shares_no_way_of_meeting():
    london = replace(CARA, region_id=1, meeting_modes=frozenset({"in_person"}))
    belfast = replace(
        MO,
        region_id=9,
        meeting_modes=frozenset({"in_person"}),
        up_to_date_for=frozenset(),
    )
    pair = allocate([london], [belfast], Weights(balance_load=False)).pairs[0]
    assert "shared_modes" not in [r.code for r in pair.reasons]
    listed = replace(belfast, in_person_region_ids=frozenset({1}))
    nearer = allocate([london], [listed], Weights(balance_load=False)).pairs[0]
    assert nearer.score == pair.score + 1.0
    assert "shared_modes" in [r.code for r in nearer.reasons]


def test_mentors_who_meet_in_person_only_at_home_are_not_searched_for_one_by_one():
    # Candidates in a region with no mentor meet in person or by email; the mentors,
    # elsewhere, meet in person only in their own region. Meeting in person is never
    # shared, so each candidate's short list of best mentors anywhere settles it,
    # without valuing every mentor for them (on a national run, tens of millions
    # of pairs a round).
    mentors = [
        mentor(i, region_id=2, meeting_modes=frozenset({"in_person", "email"}))
        for i in range(1, 41)
    ]
    cands = [
        candidate(
            i,
            region_id=1,
            organisation_type_id=4 + i % 6,
            meeting_modes=frozenset({"in_person", "email"}),
        )
        for i in range(1, 31)
    ]
    result = allocate(cands, mentors, method="pricing")
    assert result.matched == 30
    assert result.stats["searched_in_full"] == 0
    assert_valid(result, cands, mentors)
