"""Every benchmark profile at a small size: column generation finds the optimum of
the plain full network (every allowed pair an arc), breaks no rule, and gives the
same allocation for the same people in any order."""

import random

import pytest

from bench.cohorts import PROFILES, make_instance
from mentorscheme.matching import flow
from mentorscheme.matching.engine import MentorIndex, allocate

from .test_allocate import assert_valid


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(("n_candidates", "n_mentors", "seed"), [(600, 180, 7)])
def test_each_profile_is_solved_to_the_full_network_optimum(
    profile, n_candidates, n_mentors, seed
):
    cands, mentors, weights = make_instance(
        n_candidates, n_mentors, seed=seed, profile=profile
    )
    full = allocate(cands, mentors, weights, method="full")
    priced = allocate(cands, mentors, weights, method="pricing")
    assert priced.stats["method"] == "pricing"
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, rel=1e-12, abs=1e-6)
    assert_valid(priced, cands, mentors, weights)

    rng = random.Random(seed)
    rng.shuffle(cands)
    rng.shuffle(mentors)
    again = allocate(cands, MentorIndex.build(mentors), weights, method="pricing")
    assert again.pairs == priced.pairs


@pytest.mark.parametrize("profile", list(PROFILES))
def test_solves_that_leave_out_arcs_no_better_flow_can_use_keep_the_optimum(
    profile, monkeypatch
):
    # Leave out every arc the slack allows, however few: still the optimum.
    monkeypatch.setattr(flow, "_SOLVE_ALL_ABOVE", 1.1)
    cands, mentors, weights = make_instance(600, 180, seed=3, profile=profile)
    full = allocate(cands, mentors, weights, method="full")
    priced = allocate(cands, mentors, weights, method="pricing")
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, rel=1e-12, abs=1e-6)
    assert_valid(priced, cands, mentors, weights)
