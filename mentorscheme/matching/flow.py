"""The optimiser behind ``engine.allocate()``: exact, and fast on large runs.

Input is columns (``records.CandidateArrays``, ``records.MentorArrays``) already
filtered by the rules' candidate-only and mentor-only gates, plus the pairs that
are exceptions (ranked choices, excluded mentors). Output is which open mentor
each candidate gets. It maximises first the number matched, then the total score
in integer points (``recommendations.Scoring``), as a maximum-flow, minimum-cost
problem (source -> candidate -> mentor -> sink, see ``network``).

Two ideas keep a national run (~50,000 candidates, ~15,000 mentors, ~750 million
allowed pairs) small:

* **Interchangeable candidates are one node** (``CandidateGroups``). Candidates
  whom no rule or score tells apart (same needs, region and ways of meeting,
  nothing of their own such as a ranked choice) form a group; its node carries
  one unit per member. A cohort with heavy ties becomes a few hundred nodes.
  Their organisations may differ: a node is valued as if none of its members
  were in a mentor's organisation, which bounds every member's score, and when
  an arc goes to a mentor of some members' organisation, those members become
  a node of their own (``Solver._split``), so every arc in a network is exact.
* **Column generation**: solve on a few arcs, then prove the answer optimal for
  every pair by linear programming duality, adding arcs until it is:

  1. Arcs to start with (``_starting_arcs``): every ranked choice; each mentor's
     best ``2 * places + 2`` candidates out of a sample from their region and
     from everywhere, a node as often as it has members (mentors whose sample holds too few of their best possible
     class get their best found exactly within their region); and each
     candidate's best few mentors, valued with their first free place, more for
     a larger group; then, while a maximum flow through them leaves places free
     that unmatched candidates may take, arcs to a sample of those places.
  2. Solve that network (``Network.solve``) and take node potentials that
     certify the flow optimal for the arcs present (``Network.potentials``).
     After a round that added few arcs, the solver is given only the arcs
     near the last optimum (``Solver._arcs_near``) and the potentials are
     then sought over every arc: when they exist they certify the flow as if
     all had been solved, and when not the round is solved again through all
     (``Solver._solve_round``).
  3. Price every pair (``pricing.MentorSearch.violating_arcs``): a left-out pair
     (c, m) improves the solution only if ``points(c, m) + mentor_potential[m] >
     candidate_potential[c]``; classes bound most candidates away at once.
  4. If some pair violates, add each suspect's best violating arcs (as many as
     its group has members, and a few), and each mentor's most violating arcs
     out of a sample of candidates (smaller when candidates are few beside
     the mentors, as in one region's backlog), and go back to 2. If none does, the
     potentials are feasible for the whole problem: the flow is optimal among
     all allocations. Each round adds an arc, so the loop ends; in practice
     after two to five rounds.

Small runs (``FULL_NETWORK_PAIRS``) list every allowed pair, one node per
candidate: that plain network is also the independent optimum the tests and the
benchmark compare with. Ties are broken by a fixed hash of (candidate id, mentor
id), and within a group by candidate id (the earlier enrolment first), never by
input order.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np

from mentorscheme.matching.network import (
    Arcs,
    Network,
    NotCertified,
    mix,
    most_matches,
    rank_order,
)
from mentorscheme.matching.pricing import (
    CHUNK_PAIRS,
    LIST_DEPTH,
    MENTOR_EXTRA,
    NOTHING,
    MentorSearch,
    class_bound,
)
from mentorscheme.scheme.recommendations import Scoring, place_points
from mentorscheme.scheme.records import NONE, CandidateArrays, MentorArrays

Progress = Callable[[str, int, int], None]

#: Up to this many (eligible candidate, open mentor) pairs, list them all.
FULL_NETWORK_PAIRS: Final[int] = 100_000
#: Each mentor's starting sample: this many candidates from their own region
#: and this many from anywhere.
_SAMPLES_IN_REGION: Final[int] = 48
_SAMPLES_ANYWHERE: Final[int] = 12
#: Each candidate node's best mentors to start with, and most violating arcs
#: added per round; a group gets one more for each member beyond the first.
_START_PER_CANDIDATE: Final[int] = 3
_ADD_PER_CANDIDATE: Final[int] = 2
#: At most this many passes adding arcs to places the starting arcs leave free;
#: each unmatched node samples this many spare places in its region (and
#: ``_SAMPLES_ANYWHERE`` anywhere).
_SPARE_PLACE_PASSES: Final[int] = 3
_SPARE_SAMPLES_IN_REGION: Final[int] = 12
#: Each mentor's sample when pricing from the mentors' side: more from anywhere
#: than at the start, as the potentials already say where each region stands.
_VIOLATING_SAMPLES_IN_REGION: Final[int] = 24
_VIOLATING_SAMPLES_ANYWHERE: Final[int] = 48
#: Mentors' samples are full while candidates outnumber mentors this many
#: times over, smaller in proportion below (``Solver._sample_sizes``).
_SAMPLES_FULL_FROM: Final[float] = 2.0
_SEED: Final[int] = 20_240_601
#: After a round that added arcs, the solver is given each node's and each
#: mentor's arcs nearest the last optimum (``Solver._arcs_near``): as many as
#: its members or free places and this many more; only when that leaves out
#: more than a tenth of the arcs.
_NEAR_EXTRA: Final[int] = 2
#: ... and only after a round that added at most this share of the arcs: after
#: more, the next optimum moves further and needs some arc left out too often.
_NEAR_AFTER: Final[float] = 0.05
_SOLVE_ALL_ABOVE: Final[float] = 0.9
#: The potentials over every arc after a solve through some of them must
#: settle within this many rounds (``Solver._solve_round``); a full solve
#: settles in a few dozen.
_CHECK_ROUNDS: Final[int] = 100


@dataclass(frozen=True, slots=True, eq=False)
class CandidateGroups:
    """Eligible candidates no allocation can tell apart, one node per group.

    Two candidates are interchangeable when every open mentor is allowed for
    both or for neither and scores both the same: the same level needed and
    qualification, region, type of organisation, ways of meeting and the
    version of the regulations they are under, and neither has anything of
    their own (a ranked choice, a mentor they may not ask again, an open
    mentor who is themselves or their line manager). Their organisations may
    differ while no arc goes from the group to a mentor of one of them
    (``Solver._split``). Each group's first member (lowest id) is the node
    standing for it.
    """

    #: Per group: the first member's position.
    first: np.ndarray
    #: Per candidate position: the group's size for a first member, else 0.
    size: np.ndarray
    #: Eligible positions, group by group (in ``first`` order), each in id order.
    members: np.ndarray
    #: Per candidate position: where its group starts in ``members`` (firsts only).
    start: np.ndarray

    @classmethod
    def of(
        cls,
        candidates: CandidateArrays,
        eligible: np.ndarray,
        features: list[np.ndarray],
        alone: np.ndarray,
    ) -> CandidateGroups:
        """Group ``eligible`` by ``features`` (per candidate position); those
        ``alone`` (per position) each form their own group."""
        if not len(eligible):
            return cls.singletons(len(candidates), eligible)
        own = np.where(alone[eligible], eligible, -1)
        key = np.stack([f[eligible] for f in features] + [own])
        _, group = np.unique(key, axis=1, return_inverse=True)
        group = group.ravel()
        # Positions follow ids, so each group's members come out in id order.
        order = np.lexsort((eligible, group))
        members, group = eligible[order], group[order]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        sizes = np.diff(np.r_[starts, len(members)])
        return cls._from(len(candidates), members, starts, sizes)

    @classmethod
    def singletons(cls, n_candidates: int, eligible: np.ndarray) -> CandidateGroups:
        """Every eligible candidate on their own: the plain network."""
        starts = np.arange(len(eligible))
        return cls._from(
            n_candidates, eligible, starts, np.ones(len(eligible), dtype=np.int64)
        )

    @classmethod
    def _from(
        cls, n: int, members: np.ndarray, starts: np.ndarray, sizes: np.ndarray
    ) -> CandidateGroups:
        first = members[starts]
        size = np.zeros(n, dtype=np.int64)
        size[first] = sizes
        start = np.zeros(n, dtype=np.int64)
        start[first] = starts
        return cls(first=first, size=size, members=members, start=start)

    def node_of_members(self) -> np.ndarray:
        """Each member's node (first member), aligned with ``members``: a node
        comes up in a sample as often as it has members."""
        return np.repeat(self.first, self.size[self.first])

    def members_for(self, arcs: Arcs, units: np.ndarray) -> np.ndarray:
        """The member each unit of flow stands for: arcs sorted by first member,
        ``units`` per arc; a group's members go out in id order."""
        arc_of_unit = np.repeat(np.arange(len(arcs)), units)
        first = arcs.candidate[arc_of_unit]
        nth = np.arange(len(first)) - np.searchsorted(first, first)
        return self.members[self.start[first] + nth]


class Solver:
    """One allocation: which open mentor (position in ``mentors``) each candidate
    gets.

    ``eligible`` are the positions of candidates passing the candidate-only
    rules; ``mentors`` holds only mentors passing the mentor-only rules, with a
    free place. ``choices`` are the ranked-choice arcs with their points (bonus
    included) and ``excluded_keys`` the sorted ``candidate * len(mentors) +
    mentor`` keys of pairs never to make.
    """

    def __init__(
        self,
        *,
        candidates: CandidateArrays,
        eligible: np.ndarray,
        mentors: MentorArrays,
        scoring: Scoring,
        choices: Arcs,
        excluded_keys: np.ndarray,
        progress: Progress,
        stats: dict[str, int | str],
    ) -> None:
        self.candidates = candidates
        self.eligible = eligible
        self.mentors = mentors
        self.free = mentors.free_places
        self.scoring = scoring
        self.choices = choices
        self.excluded_keys = excluded_keys
        self.progress = progress
        self.stats = stats
        #: Per candidate position: their organisation when an open mentor works
        #: there, else none (no score can tell such organisations apart).
        self.organisation = np.where(
            np.isin(
                candidates.organisation_id,
                mentors.organisation_id[mentors.organisation_id >= 0],
            ),
            candidates.organisation_id,
            NONE,
        )
        # The search scores a node by its first member with the node's
        # organisation (``_node_organisations``): its own, or none when the
        # members' differ.
        self.search = MentorSearch(
            candidates=dataclasses.replace(
                candidates, organisation_id=self.organisation.copy()
            ),
            mentors=mentors,
            scoring=scoring,
            excluded_keys=excluded_keys,
            stats=stats,
        )
        # Every match is worth more than any difference in score totals.
        s = scoring
        spread = s.max_pair_points + s.same_organisation_points
        spread += s.load_points[-1]
        self.match_bonus = (len(eligible) + 1) * (2 * spread + 1)
        #: What a mentor's first free place is worth.
        self.first_place = place_points(self.free, scoring)

    def solve(self, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
        """Positions (candidate, open mentor) of the pairs made."""
        pairs = len(self.eligible) * len(self.mentors)
        if method == "auto":
            method = "full" if pairs <= FULL_NETWORK_PAIRS else "pricing"
        self.stats["method"] = method
        if not len(self.eligible) or not len(self.mentors):
            none = np.zeros(0, dtype=np.int64)
            return none, none.copy()
        if method == "full":
            groups = CandidateGroups.singletons(len(self.candidates), self.eligible)
            self.progress("solve", 1, 1)
            network = self._solve(self._every_allowed_arc(), groups)
            self.progress("matched", network.matched, len(self.eligible))
            self.stats["rounds"] = 1
            return self._pairs(network, groups)
        if method == "pricing":
            return self._column_generation()
        raise ValueError(f"unknown method {method!r}")

    @contextlib.contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        """Adds the stage's wall time to ``ms_<stage>`` and its CPU time to
        ``ms_cpu_<stage>`` (on a busy machine the second is the fairer)."""
        start, start_cpu = time.perf_counter(), time.process_time()
        yield
        for key, seconds in (
            (f"ms_{stage}", time.perf_counter() - start),
            (f"ms_cpu_{stage}", time.process_time() - start_cpu),
        ):
            self.stats[key] = int(self.stats.get(key, 0)) + round(seconds * 1000)

    def _solve(
        self, arcs: Arcs, groups: CandidateGroups, near: np.ndarray | None = None
    ) -> Network:
        return Network.solve(arcs, groups.size, self.free, self.scoring, near)

    def _pairs(
        self, network: Network, groups: CandidateGroups
    ) -> tuple[np.ndarray, np.ndarray]:
        units = network.pair_flows()
        used = units > 0
        arcs = Arcs(
            network.candidate_nodes[network.tails[network.pair_arcs][used] - 2],
            network.mentor_nodes[
                network.heads[network.pair_arcs][used]
                - 2
                - len(network.candidate_nodes)
            ],
            np.zeros(int(used.sum()), dtype=np.int64),
        )
        units = units[used]
        return groups.members_for(arcs, units), np.repeat(arcs.mentor, units)

    def _every_allowed_arc(self) -> Arcs:
        arcs = Arcs.empty()
        m = np.arange(len(self.mentors))
        step = max(1, CHUNK_PAIRS // max(len(self.mentors), 1))
        for start in range(0, len(self.eligible), step):
            c = self.eligible[start : start + step, None]
            ok = self.search.allowed(c, m[None, :])
            cc, mm = np.broadcast_to(c, ok.shape)[ok], np.broadcast_to(m, ok.shape)[ok]
            arcs.add(cc, mm, self.search.points(cc, mm))
        arcs.extend(self.choices)
        arcs.deduplicate(len(self.mentors))
        return arcs

    # -- column generation --

    def _groups(self, split: np.ndarray) -> CandidateGroups:
        """Candidates alike but for their organisation, apart from those
        ``split`` off (per position: the organisation, else none) and those
        alone; each node is then scored with its organisation
        (``_node_organisations``)."""
        ca, mentors = self.candidates, self.mentors
        alone = np.zeros(len(ca), dtype=bool)
        alone[self.choices.candidate] = True
        alone[self.excluded_keys // max(len(mentors), 1)] = True
        for member in (
            ca.member_ids,
            ca.line_manager_member_id,
            ca.declared_line_manager_member_id,
        ):
            alone |= np.isin(member, mentors.member_ids)
        features = [
            ca.min_mentor_rank,
            ca.qualification_id,
            ca.region_id,
            split,
            ca.organisation_type_id,
            ca.modes,
            ca.regulations_id,
        ]
        groups = CandidateGroups.of(ca, self.eligible, features, alone)
        self._node_organisations(groups)
        return groups

    def _node_organisations(self, groups: CandidateGroups) -> None:
        """Score each node with its members' organisation when they share one,
        else with none: an upper bound for every member (the same organisation
        only costs points), exact for every member on an arc to a mentor of an
        organisation none of them is in, which ``_split`` makes of every arc
        in a network."""
        if not len(groups.first):
            return
        organisation = self.organisation[groups.members]
        starts = groups.start[groups.first]
        low = np.minimum.reduceat(organisation, starts)
        high = np.maximum.reduceat(organisation, starts)
        self.search.candidates.organisation_id[groups.first] = np.where(
            low == high, low, NONE
        )

    def _split(
        self, groups: CandidateGroups, arcs: Arcs, split: np.ndarray
    ) -> CandidateGroups:
        """Makes every arc exact for every member of its node.

        An arc from a node whose members' organisations differ is valued as if
        none were in the mentor's; when some are, they become a node of their
        own (recorded in ``split``), and each new node takes the arcs of the
        node it came from, valued again. Returns the groups, ``arcs`` changed
        in place.
        """
        n_mentors = len(self.mentors)
        org_of_mentor = self.mentors.organisation_id[arcs.mentor]
        node_org = self.search.candidates.organisation_id
        suspect = (
            (node_org[arcs.candidate] == NONE)
            & (groups.size[arcs.candidate] > 1)
            & (org_of_mentor >= 0)
        )
        if not suspect.any():
            return groups
        first_of = np.repeat(groups.first, groups.size[groups.first])
        width = int(max(self.organisation.max(), org_of_mentor.max())) + 2
        member_key = first_of * width + self.organisation[groups.members] + 1
        asked = arcs.candidate[suspect] * width + org_of_mentor[suspect] + 1
        clash = np.unique(asked[np.isin(asked, member_key)])
        if not len(clash):
            return groups
        moved = groups.members[np.isin(member_key, clash)]
        split[moved] = self.organisation[moved]
        new = self._groups(split)
        # Each new node came from the node holding its first member, and takes
        # that node's arcs.
        old_node_of = np.zeros(len(self.candidates), dtype=np.int64)
        old_node_of[groups.members] = first_of
        came_from = old_node_of[new.first]
        # Each new node's copy of its old node's arcs: the old node's run of
        # arcs (in candidate order), one run after another.
        by_node = np.argsort(arcs.candidate, kind="stable")
        arc_nodes = arcs.candidate[by_node]
        run_start = np.searchsorted(arc_nodes, came_from, "left")
        run_length = np.searchsorted(arc_nodes, came_from, "right") - run_start
        copied = by_node[
            np.repeat(run_start - np.cumsum(run_length) + run_length, run_length)
            + np.arange(run_length.sum())
        ]
        c = np.repeat(new.first, run_length)
        m = arcs.mentor[copied]
        points = arcs.points[copied]
        # A node whose members changed may be scored with another organisation
        # now (``_node_organisations``): its arcs are valued again.
        changed = np.repeat(new.size[new.first] != groups.size[came_from], run_length)
        points[changed] = self.search.points(c[changed], m[changed])
        arcs.candidate, arcs.mentor, arcs.points = c, m, points
        arcs.deduplicate(n_mentors)
        self.stats["split_nodes"] = int(self.stats.get("split_nodes", 0)) + len(clash)
        return new

    def _column_generation(self) -> tuple[np.ndarray, np.ndarray]:
        split = np.full(len(self.candidates), NONE, dtype=np.int64)
        groups = self._groups(split)
        with self._timed("initial_arcs"):
            arcs = self._starting_arcs(groups)
            groups = self._split(groups, arcs, split)
        rounds = 0
        near: np.ndarray | None = None
        while True:
            nodes = groups.first
            rounds += 1
            self.progress("solve", rounds, rounds)
            network, candidate_potential, mentor_potential = self._solve_round(
                arcs, groups, near
            )
            self.progress("matched", network.matched, len(self.eligible))
            self.progress("price", 0, 1)
            with self._timed("price"):
                new = self.search.violating_arcs(
                    nodes,
                    candidate_potential,
                    mentor_potential,
                    self._added_per_node(groups.size[nodes]),
                )
            self.stats[f"round_{rounds}_arcs"] = len(arcs)
            self.stats[f"round_{rounds}_added"] = len(new)
            if not len(new):
                break
            before_arcs = len(arcs)
            arcs.extend(new)
            with self._timed("price_by_mentor"):
                arcs.extend(
                    self._sampled_violating_arcs(
                        groups.node_of_members(),
                        candidate_potential,
                        mentor_potential,
                        rounds,
                    )
                )
            arcs.deduplicate(len(self.mentors))
            before = groups
            groups = self._split(groups, arcs, split)
            near = None
            if groups is before and len(arcs) - before_arcs <= _NEAR_AFTER * len(arcs):
                near = self._arcs_near(
                    arcs, network, groups, candidate_potential, mentor_potential
                )
            if near is not None:
                self.stats[f"round_{rounds + 1}_solved_arcs"] = int(near.sum())
        self.stats["candidate_nodes"] = len(groups.first)
        self.stats["rounds"] = rounds
        self.stats["arcs"] = len(arcs)
        return self._pairs(network, groups)

    def _solve_round(
        self, arcs: Arcs, groups: CandidateGroups, near: np.ndarray | None
    ) -> tuple[Network, np.ndarray, np.ndarray]:
        """The optimum through ``arcs`` and its potentials (``_potentials``).

        With ``near`` (per arc, from ``_arcs_near``), the solver is given only
        those arcs, and the potentials are then sought over all of them: if
        they exist, the flow is optimal through every arc, as if all had been
        solved. If not (a cheaper flow uses an arc left out, which shows as
        distances that do not settle within ``_CHECK_ROUNDS`` rounds), the
        round is solved again through all arcs.
        """
        if near is not None:
            with self._timed("solve"):
                network = self._solve(arcs, groups, near)
            with self._timed("potentials"):
                try:
                    return network, *self._potentials(network, _CHECK_ROUNDS)
                except NotCertified:
                    self.stats["solved_again"] = (
                        int(self.stats.get("solved_again", 0)) + 1
                    )
        with self._timed("solve"):
            network = self._solve(arcs, groups)
        with self._timed("potentials"):
            return network, *self._potentials(network)

    def _arcs_near(
        self,
        arcs: Arcs,
        network: Network,
        groups: CandidateGroups,
        candidate_potential: np.ndarray,
        mentor_potential: np.ndarray,
    ) -> np.ndarray | None:
        """The arcs the next solve is likely to need, once the last round
        added arcs to ``network`` (None: give it all of them).

        Under the potentials that certified ``network``'s flow, an arc's
        reduced cost ``candidate_potential - mentor_potential - points`` is 0
        on the arcs carrying flow, at least 0 on the others of the network
        and below 0 on the arcs the round added. The next optimum is this
        flow changed along cycles through the new arcs, which follow arcs of
        small reduced cost: kept are the flow, every arc of a node or mentor
        that a new arc reaches, and each node's and each mentor's arcs of
        least reduced cost, as many as its members or free places and
        ``_NEAR_EXTRA`` more. Scores tie often, so many arcs have a reduced
        cost of 0; which of those are kept goes by a fixed hash. Only worth it
        when that leaves out enough.
        """
        n_mentors = len(self.mentors)
        reduced = (
            candidate_potential[arcs.candidate]
            - mentor_potential[arcs.mentor]
            - arcs.points
        )
        gains = reduced < 0
        # Every arc of a node or mentor that one of the new arcs reaches.
        near = np.isin(arcs.candidate, arcs.candidate[gains]) | np.isin(
            arcs.mentor, arcs.mentor[gains]
        )
        # Arcs are sorted by (candidate, mentor) and hold every arc of the network.
        used = network.pair_flows() > 0
        pairs = network.pair_arcs
        flow_keys = (
            network.candidate_nodes[network.tails[pairs][used] - 2] * n_mentors
            + network.mentor_nodes[
                network.heads[pairs][used] - 2 - len(network.candidate_nodes)
            ]
        )
        near[np.searchsorted(arcs.candidate * n_mentors + arcs.mentor, flow_keys)] = (
            True
        )
        tie = mix(self.candidates.ids[arcs.candidate], self.mentors.ids[arcs.mentor])
        for owner, wanted in (
            (arcs.candidate, groups.size[arcs.candidate] + _NEAR_EXTRA),
            (arcs.mentor, self.free[arcs.mentor] + _NEAR_EXTRA),
        ):
            order = rank_order(owner, -reduced, tie)
            sorted_owner = owner[order]
            nth = np.arange(len(order)) - np.searchsorted(sorted_owner, sorted_owner)
            near[order[nth < wanted[order]]] = True
        if near.mean() > _SOLVE_ALL_ABOVE:
            return None
        return near

    @staticmethod
    def _added_per_node(size: np.ndarray) -> np.ndarray:
        """How many violating arcs pricing adds for a node of ``size`` members:
        ``_ADD_PER_CANDIDATE`` for one, two more for each further member, as
        their places spread over mentors that tie (but no more than the class
        lists hold, beyond which a node is searched over every mentor, unless
        one more per member already asks for that)."""
        one_each = _ADD_PER_CANDIDATE - 1 + size
        two_each = np.minimum(_ADD_PER_CANDIDATE + 2 * (size - 1), 2 * LIST_DEPTH)
        return np.maximum(one_each, two_each)

    def _potentials(
        self, network: Network, most_rounds: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Potentials for every candidate position and open mentor
        (``Network.potentials``).

        Nodes outside the network get the tightest value their own arcs allow: a
        candidate there is unmatched (its arc from the source is free), and a
        mentor there has every place free.
        """
        found = network.potentials(
            self.match_bonus,
            all_matched=network.matched == len(self.eligible),
            most_rounds=most_rounds,
        )
        candidate = np.full(len(self.candidates), found.source, dtype=np.int64)
        candidate[network.candidate_nodes] = found.candidate
        mentor = found.sink + self.match_bonus + self.first_place
        mentor[network.mentor_nodes] = found.mentor
        return candidate, mentor

    def _starting_arcs(self, groups: CandidateGroups) -> Arcs:
        """Each open mentor's best few candidates out of a sample, each candidate
        node's best few mentors, and all choices."""
        arcs, wanted = self._sampled_mentor_arcs(groups.node_of_members())
        arcs.extend(self._short_sample_arcs(groups.first, arcs, wanted))
        # Each candidate's own best mentors, valued with their first free place.
        nodes = groups.first
        best = self.search.best_mentors(
            nodes,
            self.first_place,
            None,
            _START_PER_CANDIDATE - 1 + groups.size[nodes],
        )
        arcs.extend(best)
        # Choices are in every network from the start, never left to pricing,
        # which values a pair without its choice bonus.
        arcs.extend(self.choices)
        arcs.deduplicate(len(self.mentors))
        self._add_arcs_to_spare_places(groups, arcs)
        return arcs

    def _add_arcs_to_spare_places(self, groups: CandidateGroups, arcs: Arcs) -> None:
        """Arcs from the candidates a maximum flow through ``arcs`` leaves
        unmatched to mentors it leaves places free, until it matches as many as
        it can (or ``_SPARE_PLACE_PASSES``).

        Without them, when the best mentors of many candidates are few (a region
        short of mentors, with the region weighing heavily), the first rounds
        only discover that those candidates may go elsewhere: while the network
        matches fewer than it could, its potentials carry the match bonus and
        pricing adds arcs that a later round throws away. A maximum flow is
        cheap beside a min-cost solve.
        """
        for _ in range(_SPARE_PLACE_PASSES):
            unmatched, spare = most_matches(arcs, groups.size, self.free)
            nodes = groups.first[unmatched[groups.first] > 0]
            if not len(nodes) or not (spare > 0).any():
                return
            new = self._sampled_spare_place_arcs(nodes, unmatched[nodes], spare)
            if not len(new):
                return
            arcs.extend(new)
            arcs.deduplicate(len(self.mentors))

    def _sampled_spare_place_arcs(
        self, nodes: np.ndarray, units: np.ndarray, spare: np.ndarray
    ) -> Arcs:
        """Each node's best few allowed mentors out of a sample of the spare
        places, from its own region and from anywhere (of a level it may have).

        Sampling places rather than ranking mentors spreads candidates alike
        over the spare places in proportion to them, instead of sending them all
        to the same few best ones.
        """
        ca, mentors = self.candidates, self.mentors
        rng = np.random.default_rng(_SEED + 1)
        places = np.repeat(np.flatnonzero(spare > 0), spare[spare > 0])
        level = mentors.level_rank[places]
        top = int(max(ca.min_mentor_rank[nodes].max(), level.max())) + 2
        rank = ca.min_mentor_rank[nodes]
        # Places by (region, level); region "none" first, so never sampled as
        # a region of its own.
        key = (mentors.region_id[places] + 1) * top + level
        by_key = np.argsort(key, kind="stable")
        key_sorted = key[by_key]
        region = ca.region_id[nodes]
        # Per node, the run of places it may take in its region (by_key order)
        # and anywhere (by_level order: every place from its level up).
        region_start = np.searchsorted(key_sorted, (region + 1) * top + rank, "left")
        region_end = np.searchsorted(key_sorted, (region + 2) * top, "left")
        region_end = np.where(region >= 0, region_end, region_start)
        by_level = np.argsort(level, kind="stable")
        anywhere_start = np.searchsorted(level[by_level], rank, "left")
        anywhere_end = np.full(len(nodes), len(places))
        picks = []
        for start, end, order, count in (
            (region_start, region_end, by_key, _SPARE_SAMPLES_IN_REGION),
            (anywhere_start, anywhere_end, by_level, _SAMPLES_ANYWHERE),
        ):
            draws = rng.random((len(nodes), count))
            drawn = start[:, None] + (draws * (end - start)[:, None]).astype(np.int64)
            any_place = np.broadcast_to((end > start)[:, None], drawn.shape)
            picked = places[order[np.where(any_place, drawn, 0)]]
            picks.append(np.where(any_place, picked, -1))
        m = np.concatenate(picks, axis=1)
        c = np.broadcast_to(nodes[:, None], m.shape)
        ok = m >= 0
        c, m = c[ok], m[ok]
        ok = self.search.allowed(c, m)
        c, m = c[ok], m[ok]
        points = self.search.points(c, m) + place_points(spare[m], self.scoring)
        _, distinct = np.unique(c * len(mentors) + m, return_index=True)
        c, m, points = c[distinct], m[distinct], points[distinct]
        order = rank_order(c, points, mix(ca.ids[c], mentors.ids[m]))
        c, m = c[order], m[order]
        nth = np.arange(len(c)) - np.searchsorted(c, c)
        want = np.zeros(len(ca), dtype=np.int64)
        want[nodes] = _START_PER_CANDIDATE - 1 + units
        keep = nth < want[c]
        c, m = c[keep], m[keep]
        return Arcs(c, m, self.search.points(c, m))

    def _by_region_and_rank(self, nodes: np.ndarray) -> tuple[np.ndarray, ...]:
        """Nodes ordered by (region, level needed): the order, its sorted keys,
        and the key's multiplier (key = (region + 1) * top + level needed)."""
        region = self.candidates.region_id[nodes]
        rank = self.candidates.min_mentor_rank[nodes]
        top = int(max(rank.max(), self.mentors.level_rank.max())) + 2
        # Region "none" sorts first; mentors without a region only sample anywhere.
        key = (region + 1) * top + rank
        by_region = np.argsort(key, kind="stable")
        return by_region, key[by_region], top

    def _sampled_mentor_arcs(self, nodes: np.ndarray) -> tuple[Arcs, np.ndarray]:
        """Each mentor's best few out of a sample of candidate nodes, and how
        many each mentor wanted."""
        c, m = self._mentor_samples(
            nodes, np.random.default_rng(_SEED), _SAMPLES_IN_REGION, _SAMPLES_ANYWHERE
        )
        points = self.search.points(c, m)
        # As many as the mentor has places, twice over, plus two; fewer when
        # places outnumber candidates, as each place can expect fewer of them.
        share = min(1.0, len(self.eligible) / max(int(self.free.sum()), 1))
        wanted = np.ceil(2 * self.free * share).astype(np.int64) + 2
        keep = self._best_per_mentor(c, m, points, wanted)
        return Arcs(c[keep], m[keep], points[keep]), wanted

    def _sampled_violating_arcs(
        self,
        nodes: np.ndarray,
        candidate_potential: np.ndarray,
        mentor_potential: np.ndarray,
        round_number: int,
    ) -> Arcs:
        """Each mentor's most violating pairs out of a fresh sample of candidate
        nodes.

        Exact pricing goes by candidate and keeps each candidate's best few
        arcs, so a mentor whom many candidates could improve on, but none as
        their best, gets no arc and the next round finds it again. Adding, from
        the mentors' side, a few violating arcs each saves a round on most
        cohorts. A heuristic: optimality is still proven by the exact pricing.
        """
        rng = np.random.default_rng(_SEED + round_number)
        in_region, anywhere = self._sample_sizes(
            len(nodes), _VIOLATING_SAMPLES_IN_REGION, _VIOLATING_SAMPLES_ANYWHERE
        )
        c, m = self._mentor_samples(nodes, rng, in_region, anywhere)
        points = self.search.points(c, m)
        gain = points + mentor_potential[m] - candidate_potential[c]
        violating = gain > 0
        c, m = c[violating], m[violating]
        points, gain = points[violating], gain[violating]
        keep = self._best_per_mentor(c, m, gain, self.free + MENTOR_EXTRA)
        return Arcs(c[keep], m[keep], points[keep])

    def _sample_sizes(
        self, members: int, in_region: int, anywhere: int
    ) -> tuple[int, int]:
        """Each mentor's sample from its region and from anywhere: the sizes
        given while candidates outnumber mentors ``_SAMPLES_FULL_FROM`` times
        over, else smaller in proportion (at least one each).

        A mentor's sample is drawn out of the ``members`` candidates. When
        they are few beside the mentors, as for one region's backlog against
        the country's mentors, each mentor can expect few of them, pricing by
        candidate finds nearly all, and full samples cost more than they save.
        """
        spread = min(1.0, members / max(_SAMPLES_FULL_FROM * len(self.mentors), 1))
        return (
            max(1, math.ceil(in_region * spread)),
            max(1, math.ceil(anywhere * spread)),
        )

    def _best_per_mentor(
        self, c: np.ndarray, m: np.ndarray, value: np.ndarray, wanted: np.ndarray
    ) -> np.ndarray:
        """Which of these pairs are among their mentor's ``wanted`` best by
        ``value`` (ties by a fixed hash)."""
        ca, mentors = self.candidates, self.mentors
        order = rank_order(m, value, mix(ca.ids[c], mentors.ids[m]))
        sorted_m = m[order]
        nth = np.arange(len(m)) - np.searchsorted(sorted_m, sorted_m)
        keep = np.zeros(len(m), dtype=bool)
        keep[order[nth < wanted[sorted_m]]] = True
        return keep

    def _mentor_samples(
        self,
        nodes: np.ndarray,
        rng: np.random.Generator,
        in_region: int,
        anywhere: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per open mentor, a sample of candidate nodes it may take, from its
        region and from anywhere: distinct allowed pairs (candidate, mentor).

        ``nodes`` may name a node once per member (``node_of_members``): a
        group then comes up as often as its members would on their own.
        """
        ca, mentors = self.candidates, self.mentors
        by_region, key_sorted, top = self._by_region_and_rank(nodes)
        rank = ca.min_mentor_rank[nodes]
        by_rank = np.argsort(rank, kind="stable")
        rank_sorted = rank[by_rank]

        level = mentors.level_rank
        has_region = mentors.region_id >= 0
        # Per mentor, the run of nodes in its region needing at most its level
        # (by_region order), and of nodes anywhere needing at most its level
        # (by_rank order, from the start).
        region_start = np.searchsorted(
            key_sorted, (mentors.region_id + 1) * top, "left"
        )
        region_end = np.searchsorted(
            key_sorted, (mentors.region_id + 1) * top + level, "right"
        )
        region_end = np.where(has_region, region_end, region_start)
        anywhere_end = np.searchsorted(rank_sorted, level, "right")

        n = len(mentors)
        draws = rng.random((n, in_region))
        local = region_start[:, None] + (
            draws * (region_end - region_start)[:, None]
        ).astype(np.int64)
        local_ok = np.broadcast_to((region_end > region_start)[:, None], local.shape)
        draws = rng.random((n, anywhere))
        far = (draws * anywhere_end[:, None]).astype(np.int64)
        far_ok = np.broadcast_to((anywhere_end > 0)[:, None], far.shape)

        m = np.repeat(np.arange(n), in_region + anywhere)
        c = np.concatenate(
            [
                by_region[np.where(local_ok, local, 0)],
                by_rank[np.where(far_ok, far, 0)],
            ],
            axis=1,
        ).ravel()
        ok = np.concatenate([local_ok, far_ok], axis=1).ravel()
        c, m = nodes[c[ok]], m[ok]
        ok = self.search.allowed(c, m)
        c, m = c[ok], m[ok]
        _, distinct = np.unique(m * len(ca) + c, return_index=True)
        return c[distinct], m[distinct]

    def _short_sample_arcs(
        self, nodes: np.ndarray, arcs: Arcs, wanted: np.ndarray
    ) -> Arcs:
        """Mentors whose sample missed their best class of candidate get their
        best candidates found exactly, within their own region, where the best
        usually are: a cheap fix that usually saves a round."""
        mentors = self.mentors
        # Per mentor, an upper bound on the points of its best possible pair.
        best = np.full(len(mentors), NOTHING, dtype=np.int64)
        for regulations, alike in self.search.by_regulations(nodes):
            bound = class_bound(
                *self.search.mentor_features(),
                *self.search.candidate_features(alike),
                np.zeros(len(alike), dtype=np.int64),
                self.scoring,
                "other_below",
            )
            best = np.maximum(best, bound + self.search.up_to_date_points(regulations))
        arcs_at_best = np.bincount(
            arcs.mentor[arcs.points >= best[arcs.mentor]], minlength=len(mentors)
        )
        short = (
            (arcs_at_best < wanted) & (best > NOTHING // 2) & (mentors.region_id >= 0)
        )
        self.stats["short_samples"] = int(short.sum())
        by_region, key_sorted, top = self._by_region_and_rank(nodes)
        found = Arcs.empty()
        for region in np.unique(mentors.region_id[short]):
            start, end = np.searchsorted(
                key_sorted, [(region + 1) * top, (region + 2) * top]
            )
            in_region = nodes[by_region[start:end]]
            short_here = np.flatnonzero(short & (mentors.region_id == region))
            found.extend(self.search.best_candidates(in_region, short_here, wanted))
        return found
