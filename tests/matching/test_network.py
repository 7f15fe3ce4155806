"""The restricted network's maximum flow, which the starting arcs are checked with."""

import numpy as np

from mentorscheme.matching.network import Arcs, most_matches


def arcs(*pairs):
    candidate, mentor = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    return Arcs(candidate, mentor, np.zeros(len(pairs), dtype=np.int64))


def test_it_reports_who_is_left_unmatched_and_which_places_stay_free():
    # Candidates 0 and 1 both want mentor 0 (one place); mentor 1 has two places
    # and only candidate 2 may take one.
    copies = np.array([1, 1, 1])
    free = np.array([1, 2])
    unmatched, spare = most_matches(arcs((0, 0), (1, 0), (2, 1)), copies, free)
    assert unmatched.tolist() in ([0, 1, 0], [1, 0, 0])
    assert spare.tolist() == [0, 1]


def test_a_group_node_is_matched_once_per_member_up_to_the_places():
    copies = np.array([3, 0])  # position 0 stands for three candidates
    free = np.array([2, 5])
    unmatched, spare = most_matches(arcs((0, 0)), copies, free)
    assert unmatched.tolist() == [1, 0]
    # A mentor no arc reaches keeps every place.
    assert spare.tolist() == [0, 5]


def test_candidates_without_arcs_stay_unmatched():
    unmatched, spare = most_matches(arcs((1, 0)), np.array([1, 1]), np.array([1]))
    assert unmatched.tolist() == [1, 0]
    assert spare.tolist() == [0]
