"""One restricted allocation network: built from a few arcs, solved, certified.

The network is source -> candidate -> mentor -> sink. A candidate node may stand
for several interchangeable candidates (``copies``, see ``flow.CandidateGroups``):
its arc from the source and its arcs to mentors then carry that many units. A
mentor's places are parallel arcs to the sink, the place taken while ``f`` places
are free worth ``place_points(f)``; that never grows as ``f`` falls, so the flow
fills a mentor's best place first and the load balance is exact.

OR-Tools finds the maximum flow of minimum cost (cost = minus points). To prove
the result optimal against pairs *not* in the network, ``Network.potentials``
reads it as a single objective, a match bonus on every place plus a "no match"
arc source -> sink, and returns node potentials under which no residual arc has
a negative reduced cost (checked, not trusted). ``pricing`` then looks for a
left-out pair that would still have one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from mentorscheme.scheme.recommendations import LOAD_SATURATION, Scoring, place_points

SOURCE: Final[int] = 0
SINK: Final[int] = 1
#: Larger than any distance in a network.
INFINITE: Final[int] = 1 << 62


class NotCertified(RuntimeError):
    """No potentials prove the flow optimal: the residual network has a cycle
    of negative cost (or, with a cap on the rounds, may have one)."""


def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number per (a, b): spreads ties without favouritism."""
    with np.errstate(over="ignore"):
        x = a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x = x ^ (b.astype(np.uint64) + np.uint64(0x632BE59BD9B4E019))
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(1)).astype(np.int64)


def rank_order(group: np.ndarray, points: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Order by group, then points (highest first), then tie (non-negative).

    One int64 sort when the three fit in 62 bits (numpy's lexsort is far slower).
    """
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    top = int(points.max())
    points_bits = (top - int(points.min())).bit_length()
    tie_bits = 62 - points_bits - int(group.max()).bit_length()
    if tie_bits < 8:
        return np.lexsort((tie, -points, group))
    key = (group << (points_bits + tie_bits)) | ((top - points) << tie_bits)
    return np.argsort(key | (tie >> (63 - tie_bits)))


@dataclass(slots=True)
class Arcs:
    """Candidate -> mentor arcs: candidate position, open-mentor position, points.

    Points are the pair's own (``pair_points``, plus a choice bonus); what a place
    is worth is on the mentor's arcs to the sink.
    """

    candidate: np.ndarray
    mentor: np.ndarray
    points: np.ndarray

    @classmethod
    def empty(cls) -> Arcs:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none.copy(), none.copy())

    def add(self, candidate: np.ndarray, mentor: np.ndarray, points: np.ndarray):
        self.candidate = np.concatenate([self.candidate, candidate])
        self.mentor = np.concatenate([self.mentor, mentor])
        self.points = np.concatenate([self.points, points])

    def extend(self, other: Arcs) -> None:
        self.add(other.candidate, other.mentor, other.points)

    def deduplicate(self, n_mentors: int) -> None:
        """One arc per pair, sorted by (candidate, mentor), keeping the best points."""
        key = self.candidate * n_mentors + self.mentor
        order = rank_order(key, self.points, np.zeros_like(key))
        key, first = key[order], np.ones(len(order), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        keep = order[first]
        self.candidate = self.candidate[keep]
        self.mentor = self.mentor[keep]
        self.points = self.points[keep]

    def take(self, keep: np.ndarray) -> Arcs:
        return Arcs(self.candidate[keep], self.mentor[keep], self.points[keep])

    def __len__(self) -> int:
        return len(self.candidate)


def place_arcs(
    mentors: np.ndarray, free: np.ndarray, scoring: Scoring
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each mentor's places as arcs to the sink: (mentor, capacity, points).

    ``free`` is per mentor in ``mentors``. From
    ``LOAD_SATURATION`` free places on, places are all worth the same and share
    one arc.
    """
    mentor, capacity, points = [], [], []
    for f in range(1, LOAD_SATURATION + 1):
        has = free >= f
        mentor.append(mentors[has])
        capacity.append(
            free[has] - LOAD_SATURATION + 1
            if f == LOAD_SATURATION
            else np.ones(int(has.sum()), dtype=np.int64)
        )
        points.append(place_points(np.full(int(has.sum()), f), scoring))
    return tuple(np.concatenate(x) for x in (mentor, capacity, points))  # type: ignore[return-value]


def most_matches(
    arcs: Arcs, copies: np.ndarray, free: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A maximum flow through ``arcs``, scores ignored: per candidate position,
    how many of the node's ``copies`` it leaves unmatched, and per open mentor,
    how many of the ``free`` places it leaves free. A plain maximum flow takes a
    small fraction of a min-cost solve."""
    candidate_nodes, candidate_node = np.unique(arcs.candidate, return_inverse=True)
    mentor_nodes, mentor_node = np.unique(arcs.mentor, return_inverse=True)
    n_cand, n_ment = len(candidate_nodes), len(mentor_nodes)
    first_mentor = 2 + n_cand
    tails = np.concatenate(
        [np.full(n_cand, SOURCE), 2 + candidate_node, first_mentor + np.arange(n_ment)]
    )
    heads = np.concatenate(
        [2 + np.arange(n_cand), first_mentor + mentor_node, np.full(n_ment, SINK)]
    )
    capacities = np.concatenate(
        [copies[candidate_nodes], copies[arcs.candidate], free[mentor_nodes]]
    ).astype(np.int64)
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        tails.astype(np.int32), heads.astype(np.int32), capacities
    )
    if solver.solve(SOURCE, SINK) != solver.OPTIMAL:
        raise RuntimeError("maximum flow failed")
    flows = solver.flows(np.arange(len(tails), dtype=np.int32))
    unmatched = copies.copy()
    unmatched[candidate_nodes] -= flows[:n_cand]
    spare = free.copy()
    spare[mentor_nodes] -= flows[n_cand + len(arcs) :]
    return unmatched, spare


class Potentials(NamedTuple):
    """Node potentials of a solved network (see ``Network.potentials``)."""

    source: int
    sink: int
    #: Per node in ``Network.candidate_nodes`` and ``Network.mentor_nodes``.
    candidate: np.ndarray
    mentor: np.ndarray


@dataclass(frozen=True, slots=True, eq=False)
class Network:
    """A solved restricted network, arcs in three blocks.

    Nodes: ``SOURCE``, ``SINK``, then one per candidate in ``candidate_nodes``,
    then one per mentor in ``mentor_nodes`` (positions, sorted). Arcs: source ->
    each candidate node, then the candidate -> mentor arcs in ``Arcs`` order, then
    the mentors' places (``place_arcs``). ``costs`` are minus points.
    """

    candidate_nodes: np.ndarray
    mentor_nodes: np.ndarray
    tails: np.ndarray
    heads: np.ndarray
    capacities: np.ndarray
    costs: np.ndarray
    flows: np.ndarray
    n_pairs: int
    matched: int

    @property
    def n_nodes(self) -> int:
        return 2 + len(self.candidate_nodes) + len(self.mentor_nodes)

    @property
    def pair_arcs(self) -> slice:
        """The candidate -> mentor block of the arcs."""
        first = len(self.candidate_nodes)
        return slice(first, first + self.n_pairs)

    @classmethod
    def solve(
        cls,
        arcs: Arcs,
        copies: np.ndarray,
        free: np.ndarray,
        scoring: Scoring,
        keep: np.ndarray | None = None,
    ) -> Network:
        """The maximum flow of least cost through ``arcs``.

        ``copies`` (per candidate position) is how many candidates each node
        stands for; ``free`` is per open mentor. With ``keep`` (per arc), only
        the kept arcs go to the solver and the others carry nothing: the caller
        vouches that the optimum through the kept arcs is an optimum through
        all of them, or checks it (``flow.Solver._solve_round``).
        """
        candidate_nodes, candidate_node = np.unique(arcs.candidate, return_inverse=True)
        mentor_nodes, mentor_node = np.unique(arcs.mentor, return_inverse=True)
        n_cand = len(candidate_nodes)
        first_mentor = 2 + n_cand
        place_mentor, place_capacity, place_value = place_arcs(
            mentor_nodes, free[mentor_nodes], scoring
        )
        supply = copies[candidate_nodes]
        tails = np.concatenate(
            [
                np.full(n_cand, SOURCE),
                2 + candidate_node,
                first_mentor + np.searchsorted(mentor_nodes, place_mentor),
            ]
        )
        heads = np.concatenate(
            [
                2 + np.arange(n_cand),
                first_mentor + mentor_node,
                np.full(len(place_mentor), SINK),
            ]
        )
        capacities = np.concatenate(
            [supply, copies[arcs.candidate], place_capacity]
        ).astype(np.int64)
        costs = np.concatenate([np.zeros(n_cand, np.int64), -arcs.points, -place_value])
        # Costs share a large common factor (points are whole multiples of a
        # fine unit): divided out, the solver's cost scaling has fewer phases.
        unit = max(int(np.gcd.reduce(np.abs(costs))), 1)
        given = np.arange(len(tails))
        if keep is not None:
            given = np.flatnonzero(
                np.concatenate(
                    [np.ones(n_cand, bool), keep, np.ones(len(place_mentor), bool)]
                )
            )
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            tails[given].astype(np.int32),
            heads[given].astype(np.int32),
            capacities[given],
            costs[given] // unit,
        )
        total = int(supply.sum())
        solver.set_node_supply(SOURCE, total)
        solver.set_node_supply(SINK, -total)
        status = solver.solve_max_flow_with_min_cost()
        if status != solver.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        flows = np.zeros(len(tails), dtype=np.int64)
        flows[given] = solver.flows(np.arange(solver.num_arcs()))
        return cls(
            candidate_nodes=candidate_nodes,
            mentor_nodes=mentor_nodes,
            tails=tails,
            heads=heads,
            capacities=capacities,
            costs=costs,
            flows=flows,
            n_pairs=len(arcs),
            matched=int(solver.maximum_flow()),
        )

    def pair_flows(self) -> np.ndarray:
        """Units on each candidate -> mentor arc, in ``Arcs`` order."""
        return self.flows[self.pair_arcs]

    def potentials(
        self, match_bonus: int, all_matched: bool, most_rounds: int | None = None
    ) -> Potentials:
        """Potentials certifying the flow optimal for the arcs present.

        The flow is
        read with ``match_bonus`` on every place (more than any difference of
        score totals, so matching one more always wins) and a "no match" arc
        source -> sink carrying whoever is unmatched (none when
        ``all_matched``). Potentials with no negative reduced cost on any
        residual arc prove the flow optimal for these arcs. For pricing the
        arcs left out we want mentors as dear and candidates as well off as
        possible, so mentors get the least potential (minus the residual
        distance to the sink) and each candidate is then raised to the most its
        incoming residual arcs allow. The result is checked, not trusted:
        ``NotCertified`` when the flow is not optimal, or when the distances
        take more than ``most_rounds`` rounds (if given) to settle.
        """
        costs = self.costs.copy()
        costs[self.pair_arcs.stop :] -= match_bonus
        forward = self.flows < self.capacities
        backward = self.flows > 0
        r_tail = [self.tails[forward], self.heads[backward], np.array([SOURCE])]
        r_head = [self.heads[forward], self.tails[backward], np.array([SINK])]
        r_cost = [costs[forward], -costs[backward], np.array([0])]
        if not all_matched:
            # Someone is unmatched, so the "no match" arc carries flow.
            r_tail.append(np.array([SINK]))
            r_head.append(np.array([SOURCE]))
            r_cost.append(np.array([0]))
        tail, head, cost = (np.concatenate(x) for x in (r_tail, r_head, r_cost))
        potential = -shortest_distances(
            self.n_nodes, head, tail, cost, start=SINK, most_rounds=most_rounds
        )
        if (potential <= -INFINITE // 2).any():
            raise NotCertified("a node cannot reach the sink in the residual network")

        # Raise each candidate node to the least its incoming residual arcs
        # allow: from the source while some of its copies are unmatched, from
        # each mentor it sends someone to.
        n_cand = len(self.candidate_nodes)
        nodes = 2 + np.arange(n_cand)
        raised = np.where(
            self.flows[:n_cand] < self.capacities[:n_cand],
            potential[SOURCE],
            INFINITE,
        )
        pairs = self.pair_arcs
        used = np.flatnonzero(self.flows[pairs] > 0) + pairs.start
        np.minimum.at(
            raised, self.tails[used] - 2, potential[self.heads[used]] - costs[used]
        )
        potential[nodes] = raised
        reduced = cost + potential[tail] - potential[head]
        if (reduced < 0).any():
            raise NotCertified("potentials do not certify the flow")
        return Potentials(
            source=int(potential[SOURCE]),
            sink=int(potential[SINK]),
            candidate=potential[nodes],
            mentor=potential[2 + n_cand :],
        )


def shortest_distances(
    n: int,
    tails: np.ndarray,
    heads: np.ndarray,
    costs: np.ndarray,
    start: int,
    most_rounds: int | None = None,
) -> np.ndarray:
    """Bellman-Ford from ``start``, vectorised. ``NotCertified`` if the graph
    has a negative cycle, or if the distances still change after
    ``most_rounds`` rounds (given when a caller has a cheaper way out than
    waiting for a cycle to show)."""
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    targets, starts = np.unique(heads, return_index=True)
    distance = np.full(n, INFINITE, dtype=np.int64)
    distance[start] = 0
    for _ in range(n + 1 if most_rounds is None else min(n + 1, most_rounds)):
        via = distance[tails]
        via = np.where(via < INFINITE, via + costs, INFINITE)
        best = np.minimum(distance[targets], np.minimum.reduceat(via, starts))
        if np.array_equal(best, distance[targets]):
            return distance
        distance[targets] = best
    raise NotCertified("negative cycle in the residual network, or no sign yet")
