"""Every benchmark profile at a small size: column generation finds the optimum of
the plain full network (every allowed pair an arc), breaks no rule, and gives the
same allocation for the same people in any order."""

import random

import numpy as np
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
def test_solves_through_the_arcs_near_the_last_optimum_keep_the_optimum(
    profile, monkeypatch
):
    # After every round, however many arcs it added, the solver is given as few
    # arcs as the rule allows, however few that leaves out: still the optimum.
    monkeypatch.setattr(flow, "_SOLVE_ALL_ABOVE", 1.1)
    monkeypatch.setattr(flow, "_NEAR_AFTER", 1.0)
    monkeypatch.setattr(flow, "_NEAR_EXTRA", 0)
    cands, mentors, weights = make_instance(600, 180, seed=3, profile=profile)
    full = allocate(cands, mentors, weights, method="full")
    priced = allocate(cands, mentors, weights, method="pricing")
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, rel=1e-12, abs=1e-6)
    assert_valid(priced, cands, mentors, weights)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_a_solve_through_too_few_arcs_is_found_out_and_solved_again(
    profile, monkeypatch
):
    # The solver is given none of the candidate-mentor arcs after the first
    # round: its flow cannot be certified over all arcs, so such a round is
    # solved again through all of them, and the result is still the optimum.
    monkeypatch.setattr(flow, "_NEAR_AFTER", 1.0)
    monkeypatch.setattr(
        flow.Solver,
        "_arcs_near",
        lambda self, arcs, *rest: np.zeros(len(arcs), dtype=bool),
    )
    cands, mentors, weights = make_instance(600, 180, seed=5, profile=profile)
    full = allocate(cands, mentors, weights, method="full")
    priced = allocate(cands, mentors, weights, method="pricing")
    assert priced.matched == full.matched
    assert priced.total_score == pytest.approx(full.total_score, rel=1e-12, abs=1e-6)
    assert_valid(priced, cands, mentors, weights)
    # Every round solved through the arcs near the last optimum (none, when a
    # node split that round) was solved again.
    tried = [k for k in priced.stats if k.endswith("_solved_arcs")]
    assert priced.stats.get("solved_again", 0) == len(tried)
