"""The optimiser behind ``engine.allocate()``: exact, and fast on large runs.

Input is columns (``records.CandidateArrays``, ``records.MentorArrays``) already
filtered by the rules' candidate-only and mentor-only gates, plus the pairs that
are exceptions (ranked choices, excluded mentors). Output is which open mentor each
candidate gets. It maximises first the number matched, then the total score in
integer points (``recommendations.Scoring``), as a maximum-flow, minimum-cost
problem (source -> candidate -> mentor -> sink) solved by OR-Tools.

Load balance is exact: a mentor's places are parallel arcs to the sink, the place
taken while ``f`` places are free worth ``place_points(f)``, which never grows as
``f`` falls; a concave value, so the flow fills the best place first.

A country-wide run has ~750 million candidate-mentor pairs, too many to list, so
large runs solve on a few arcs and prove the answer optimal with linear
programming duality (column generation); small runs (``FULL_NETWORK_PAIRS``) list
every allowed pair. The large-run loop:

1. Arcs to start with: every ranked choice; each mentor's best
   ``2 * places + 2`` candidates out of a sample from their region and from
   everywhere (mentors whose sample holds too few candidates of their best
   possible class get their best found exactly within their region); and each
   candidate's best ``_START_PER_CANDIDATE`` mentors, valued with their first
   free place (found by classes, see 3).
2. Solve that network with OR-Tools (max flow, then min cost). Read it as one
   objective, with a match bonus ``M`` (larger than any difference of score
   totals) on every place and a "no match" arc source -> sink. Node potentials
   with no negative reduced cost on its residual arcs certify the flow optimal
   *for the arcs present*. We take the least potentials for mentors (minus the
   residual distance to the sink), then raise each candidate to the most its one
   incoming residual arc allows; the certificate is checked, not trusted.
3. Price every pair: a pair (c, m) improves the solution only if
   ``points(c, m) + d[m] > d[c]``. Points depend on a few features, so a table
   over classes (level, region, organisation type, ways of meeting) folded one
   feature at a time bounds, for every candidate, its best over all mentors
   (``_class_bound``). Candidates above their bound ("suspects") get their best
   mentor found exactly: candidates alike (level needed, organisation type, ways
   of meeting) share short lists of their best mentors anywhere and in each
   region, and only who is barred and the same-organisation penalty, which only
   lower a value, are checked per candidate (``_best_mentors``). Work and memory
   grow with classes times mentors, never with all pairs.
4. If some pair violates, add each suspect's best violating arcs and each
   mentor's best violating candidates, and go back to 2. If none does, the
   potentials are feasible for the whole problem: the flow is optimal among all
   allocations. Each round adds an arc, so the loop ends; in practice after two
   to four rounds.

Ties are broken by a fixed hash of (candidate id, mentor id), never by input order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
from ortools.graph.python import min_cost_flow

from mentorscheme.scheme import eligibility
from mentorscheme.scheme.recommendations import (
    LOAD_SATURATION,
    SHARED,
    Scoring,
    pair_points,
    place_points,
)
from mentorscheme.scheme.records import MODE_BITS, CandidateArrays, MentorArrays

Progress = Callable[[str, int, int], None]

#: Up to this many (eligible candidate, open mentor) pairs, list them all.
FULL_NETWORK_PAIRS: Final[int] = 100_000
_SAMPLES_IN_REGION: Final[int] = 48
_SAMPLES_ANYWHERE: Final[int] = 12
_CHUNK_CELLS: Final[int] = 4_000_000
#: How many of a class's best mentors are listed, anywhere and per region.
_LIST_DEPTH: Final[int] = 12
#: Each candidate's best arcs to start with, and most violating arcs per round.
_START_PER_CANDIDATE: Final[int] = 3
_ADD_PER_CANDIDATE: Final[int] = 2
#: ... and each mentor's best violating candidates: as many as its free places,
#: plus this many.
_MENTOR_EXTRA: Final[int] = 1
_NEG: Final[int] = -(1 << 60)
_IN_PERSON_BIT: Final[int] = MODE_BITS["in_person"]
_INF: Final[int] = 1 << 62
_SEED: Final[int] = 20_240_601


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


def _rank_order(group: np.ndarray, points: np.ndarray, tie: np.ndarray) -> np.ndarray:
    """Order by group, then points (highest first), then tie (non-negative).

    One int64 sort when the three fit in 62 bits (numpy's lexsort is far slower).
    """
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    top = int(points.max())
    v_bits = (top - int(points.min())).bit_length()
    t_bits = 62 - v_bits - int(group.max()).bit_length()
    if t_bits < 8:
        return np.lexsort((tie, -points, group))
    key = (group << (v_bits + t_bits)) | ((top - points) << t_bits)
    return np.argsort(key | (tie >> (63 - t_bits)))


@dataclass(slots=True)
class Arcs:
    """Candidate -> mentor arcs: candidate position, open-mentor position, points."""

    c: np.ndarray
    g: np.ndarray
    v: np.ndarray

    @classmethod
    def empty(cls) -> Arcs:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.copy())

    def add(self, c: np.ndarray, g: np.ndarray, v: np.ndarray) -> None:
        self.c = np.concatenate([self.c, c])
        self.g = np.concatenate([self.g, g])
        self.v = np.concatenate([self.v, v])

    def deduplicate(self, n_open: int) -> None:
        """One arc per pair, sorted by (candidate, mentor), keeping the best points."""
        key = self.c * n_open + self.g
        order = _rank_order(key, self.v, np.zeros_like(key))
        key, first = key[order], np.ones(len(order), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        keep = order[first]
        self.c, self.g, self.v = self.c[keep], self.g[keep], self.v[keep]

    def __len__(self) -> int:
        return len(self.c)


class Solver:
    """One allocation: which open mentor (position in ``pool``) each candidate gets.

    ``eligible`` are the positions of candidates passing the candidate-only rules;
    ``pool`` holds only mentors passing the mentor-only rules, with a free place.
    ``choices`` are the ranked-choice arcs with their points (bonus included) and
    ``excluded_keys`` the sorted ``candidate * len(pool) + mentor`` keys of pairs
    never to make.
    """

    def __init__(
        self,
        *,
        candidates: CandidateArrays,
        eligible: np.ndarray,
        pool: MentorArrays,
        s: Scoring,
        choices: Arcs,
        excluded_keys: np.ndarray,
        progress: Progress,
        stats: dict[str, int | str],
    ) -> None:
        self.ca = candidates
        self.eligible = eligible
        self.pool = pool
        self.n_open = len(pool)
        self.free = pool.free_places
        self.s = s
        self.choices = choices
        self.excluded_keys = excluded_keys
        self.progress = progress
        self.stats = stats
        # Every match is worth M more than any difference in score totals.
        spread = s.max_pair_points + s.same_organisation_points
        spread += s.up_to_date_points + s.load_points[-1]
        self.M = (len(eligible) + 1) * (2 * spread + 1)

    def solve(self, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
        """Positions (candidate, open mentor) of the pairs made."""
        pairs = len(self.eligible) * self.n_open
        if method == "auto":
            method = "full" if pairs <= FULL_NETWORK_PAIRS else "pricing"
        self.stats["method"] = method
        if not len(self.eligible) or not self.n_open:
            none = np.zeros(0, dtype=np.int64)
            return none, none.copy()
        if method == "full":
            self.progress("solve", 1, 1)
            flow_c, flow_g, network = self._solve(self._all_arcs())
            self.progress("matched", network["matched"], len(self.eligible))
            self.stats["rounds"] = 1
            return flow_c, flow_g
        if method == "pricing":
            return self._column_generation()
        raise ValueError(f"unknown method {method!r}")

    def _not_excluded(self, c: np.ndarray, g: np.ndarray) -> np.ndarray:
        if not len(self.excluded_keys):
            return np.ones(np.broadcast(c, g).shape, dtype=bool)
        key = c * self.n_open + g
        pos = np.searchsorted(self.excluded_keys, key)
        pos = np.minimum(pos, len(self.excluded_keys) - 1)
        return self.excluded_keys[pos] != key

    def _allowed(self, c: np.ndarray, g: np.ndarray) -> np.ndarray:
        # Candidates are already eligible and mentors open: rules 2 and 5 remain.
        ok = eligibility.pair_rules_pass(self.ca, c, self.pool, g)
        return ok & self._not_excluded(c, g)

    @contextlib.contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        ms = round((time.perf_counter() - start) * 1000)
        self.stats[f"ms_{stage}"] = int(self.stats.get(f"ms_{stage}", 0)) + ms

    def _all_arcs(self) -> Arcs:
        arcs = Arcs.empty()
        g = np.arange(self.n_open)
        step = max(1, _CHUNK_CELLS // max(self.n_open, 1))
        for start in range(0, len(self.eligible), step):
            c = self.eligible[start : start + step, None]
            ok = self._allowed(c, g[None, :])
            cc, gg = np.broadcast_to(c, ok.shape)[ok], np.broadcast_to(g, ok.shape)[ok]
            arcs.add(cc, gg, pair_points(self.ca, cc, self.pool, gg, self.s))
        arcs.add(self.choices.c, self.choices.g, self.choices.v)
        arcs.deduplicate(self.n_open)
        return arcs

    def _column_generation(self) -> tuple[np.ndarray, np.ndarray]:
        with self._timed("initial_arcs"):
            arcs = self._initial_arcs()
        rounds = 0
        while True:
            rounds += 1
            self.progress("solve", rounds, rounds)
            with self._timed("solve"):
                flow_c, flow_g, network = self._solve(arcs)
            self.progress("matched", network["matched"], len(self.eligible))
            with self._timed("potentials"):
                d_cand, d_open = self._potentials(arcs, network)
            with self._timed("price"):
                new = self._price(arcs, d_cand, d_open)
            self.stats[f"round_{rounds}_arcs"] = len(arcs)
            self.stats[f"round_{rounds}_added"] = len(new)
            if not len(new):
                break
            arcs.add(new.c, new.g, new.v)
            arcs.deduplicate(self.n_open)
        self.stats["rounds"] = rounds
        self.stats["arcs"] = len(arcs)
        return flow_c, flow_g

    def _initial_arcs(self) -> Arcs:
        """Each open mentor's best few candidates out of a sample, and all choices."""
        ca, pool, e = self.ca, self.pool, self.eligible
        rng = np.random.default_rng(_SEED)
        region, rank = ca.region_id[e], ca.min_mentor_rank[e]
        top = int(max(rank.max(), pool.level_rank.max())) + 2
        # Region "none" sorts first; mentors without a region only sample anywhere.
        key = (region + 1) * top + rank
        by_region = np.argsort(key, kind="stable")
        key_sorted = key[by_region]
        by_rank = np.argsort(rank, kind="stable")
        rank_sorted = rank[by_rank]

        level = pool.level_rank
        has_region = pool.region_id >= 0
        lo = np.searchsorted(key_sorted, (pool.region_id + 1) * top, "left")
        hi = np.searchsorted(key_sorted, (pool.region_id + 1) * top + level, "right")
        hi = np.where(has_region, hi, lo)
        hi_any = np.searchsorted(rank_sorted, level, "right")

        n = self.n_open
        u = rng.random((n, _SAMPLES_IN_REGION))
        local = lo[:, None] + (u * (hi - lo)[:, None]).astype(np.int64)
        local_ok = np.broadcast_to((hi > lo)[:, None], local.shape)
        u = rng.random((n, _SAMPLES_ANYWHERE))
        anywhere = (u * hi_any[:, None]).astype(np.int64)
        anywhere_ok = np.broadcast_to((hi_any > 0)[:, None], anywhere.shape)

        g = np.repeat(np.arange(n), _SAMPLES_IN_REGION + _SAMPLES_ANYWHERE)
        c = np.concatenate(
            [
                by_region[np.where(local_ok, local, 0)],
                by_rank[np.where(anywhere_ok, anywhere, 0)],
            ],
            axis=1,
        ).ravel()
        ok = np.concatenate([local_ok, anywhere_ok], axis=1).ravel()
        c, g = e[c[ok]], g[ok]
        ok = self._allowed(c, g)
        c, g = c[ok], g[ok]
        v = pair_points(self.ca, c, pool, g, self.s)

        # Keep each mentor's best 2 * places + 2 distinct candidates.
        _, distinct = np.unique(g * len(ca) + c, return_index=True)
        c, g, v = c[distinct], g[distinct], v[distinct]
        order = _rank_order(g, v, mix(ca.ids[c], pool.ids[g]))
        c, g, v = c[order], g[order], v[order]
        starts = np.searchsorted(g, np.arange(n))
        nth = np.arange(len(g)) - starts[g]
        # As many as the mentor has places, twice over, plus two; fewer when
        # places outnumber candidates, as each place can expect fewer of them.
        share = min(1.0, len(e) / max(int(self.free.sum()), 1))
        wanted = np.ceil(2 * self.free * share).astype(np.int64) + 2
        keep = nth < wanted[g]
        arcs = Arcs(c[keep], g[keep], v[keep])

        # Mentors whose sample missed their best class of candidate get their best
        # candidates found exactly: a cheap fix that usually saves a round.
        best = _class_bound(
            *self._mentor_side(),
            *self._candidate_side(),
            np.zeros(len(e), dtype=np.int64),
            self.s,
            "other_below",
        )
        at_best = np.bincount(arcs.g[arcs.v >= best[arcs.g]], minlength=n)
        short = (at_best < wanted) & (best > _NEG // 2) & has_region
        self.stats["short_samples"] = int(short.sum())
        # Search their own region, where the best usually are, in full.
        for r in np.unique(pool.region_id[short]):
            block = np.searchsorted(key_sorted, [(r + 1) * top, (r + 2) * top])
            rows = e[by_region[block[0] : block[1]]]
            mentors = np.flatnonzero(short & (pool.region_id == r))
            arcs.add(*self._best_candidates(rows, mentors, wanted))
        # Each candidate's own best mentors, valued with their first free place.
        first_place = place_points(pool.up_to_date, self.free, self.s)
        arcs.add(*self._best_mentors(e, first_place, None, _START_PER_CANDIDATE))
        arcs.add(self.choices.c, self.choices.g, self.choices.v)
        arcs.deduplicate(n)
        return arcs

    def _candidate_side(self) -> tuple[np.ndarray, ...]:
        ca, e = self.ca, self.eligible
        return (
            ca.min_mentor_rank[e],
            ca.region_id[e],
            ca.organisation_type_id[e],
            ca.modes[e],
        )

    def _mentor_side(self) -> tuple[np.ndarray, ...]:
        pool = self.pool
        return (pool.level_rank, pool.region_id, pool.organisation_type_id, pool.modes)

    def _best_candidates(
        self, e: np.ndarray, mentors: np.ndarray, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each given mentor's ``wanted`` best allowed candidates among ``e``."""
        found = [tuple(np.zeros(0, dtype=np.int64) for _ in range(3))]
        if not len(e):
            return found[0]  # type: ignore[return-value]
        step = max(1, _CHUNK_CELLS // len(e))
        for start in range(0, len(mentors), step):
            g = mentors[None, start : start + step]
            c = e[:, None]
            ok = self._allowed(c, g)
            v = pair_points(self.ca, c, self.pool, g, self.s)
            # Best points first, then a fixed pseudo-random order.
            # Points stay below 2**30 (weights are at most 1000), ties get 24 bits.
            tie = mix(self.ca.ids[c], self.pool.ids[g]) >> 39
            key = np.where(ok, (v << 24) + tie, _NEG)
            k = min(int(wanted[g].max()), len(e))
            rows = np.argpartition(-key, k - 1, axis=0)[:k]
            cols = np.broadcast_to(np.arange(g.shape[1]), rows.shape)
            top = key[rows, cols]
            order = np.argsort(-top, axis=0, kind="stable")
            rows = np.take_along_axis(rows, order, axis=0)
            nth = np.broadcast_to(np.arange(k)[:, None], rows.shape)
            take = (np.take_along_axis(top, order, axis=0) > _NEG) & (nth < wanted[g])
            cc, gg = e[rows[take]], g[0, cols[take]]
            found.append((cc, gg, v[rows[take], cols[take]]))
        return tuple(np.concatenate(x) for x in zip(*found, strict=True))  # type: ignore[return-value]

    # -- one min-cost flow --

    def _place_arcs(self, open_positions: np.ndarray) -> tuple[np.ndarray, ...]:
        """Each mentor's places as arcs to the sink: (mentor, capacity, points).

        The place taken while ``f`` places are free is worth ``place_points(f)``;
        from ``LOAD_SATURATION`` free places on, all are worth the same and share
        one arc.
        """
        free = self.free[open_positions]
        mentor, capacity, points = [], [], []
        for f in range(1, LOAD_SATURATION + 1):
            has = free >= f
            m = open_positions[has]
            cap = np.ones(len(m), dtype=np.int64)
            if f == LOAD_SATURATION:
                cap = free[has] - LOAD_SATURATION + 1
            mentor.append(m)
            capacity.append(cap)
            points.append(
                place_points(self.pool.up_to_date[m], np.full(len(m), f), self.s)
            )
        return tuple(np.concatenate(x) for x in (mentor, capacity, points))

    def _solve(self, arcs: Arcs) -> tuple[np.ndarray, np.ndarray, dict]:
        cand_nodes, c_node = np.unique(arcs.c, return_inverse=True)
        open_nodes, g_node = np.unique(arcs.g, return_inverse=True)
        nc, ng = len(cand_nodes), len(open_nodes)
        source, sink = 0, 1
        c_base, g_base = 2, 2 + nc
        place_g, place_cap, place_pts = self._place_arcs(open_nodes)
        place_node = np.searchsorted(open_nodes, place_g)

        tails = np.concatenate(
            [np.zeros(nc, np.int64), c_base + c_node, g_base + place_node]
        )
        heads = np.concatenate(
            [c_base + np.arange(nc), g_base + g_node, np.full(len(place_g), sink)]
        )
        caps = np.concatenate(
            [np.ones(nc, np.int64), np.ones(len(arcs), np.int64), place_cap]
        )
        costs = np.concatenate([np.zeros(nc, np.int64), -arcs.v, -place_pts])
        # Costs share a large common factor (points are whole multiples of a
        # fine unit): divided out, the solver's cost scaling has fewer phases.
        unit = max(int(np.gcd.reduce(np.abs(costs))), 1)
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), caps, costs // unit
        )
        flow.set_node_supply(source, nc)
        flow.set_node_supply(sink, -nc)
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        flows = flow.flows(np.arange(flow.num_arcs()))
        used = flows[nc : nc + len(arcs)] > 0
        network = {
            "n_nodes": 2 + nc + ng,
            "tails": tails,
            "heads": heads,
            "caps": caps,
            "costs": costs,
            "flows": flows,
            "n_cand": nc,
            "n_arcs": len(arcs),
            "cand_nodes": cand_nodes,
            "open_nodes": open_nodes,
            "matched": int(flow.maximum_flow()),
        }
        return arcs.c[used], arcs.g[used], network

    # -- optimality certificate --

    def _potentials(self, arcs: Arcs, net: dict) -> tuple[np.ndarray, np.ndarray]:
        """Node potentials for every eligible candidate and open mentor.

        The network is read with the match bonus ``M`` on every place and a "no
        match" arc source -> sink carrying the unmatched. Any potentials with no
        negative reduced cost on its residual arcs certify the flow optimal for the
        arcs present; to price the arcs left out we want mentors as dear and
        candidates as well off as possible, so mentors get the least potential
        (minus the distance to the sink) and candidates are then raised to the most
        their one incoming residual arc allows. Nodes outside the network get the
        tightest value their own arcs allow. The result is checked, not trusted.
        """
        nc, n_arcs = net["n_cand"], net["n_arcs"]
        source, sink = 0, 1
        costs = net["costs"].copy()
        costs[nc + n_arcs :] -= self.M
        tails, heads, caps, flows = (
            net["tails"],
            net["heads"],
            net["caps"],
            net["flows"],
        )
        fwd = flows < caps
        back = flows > 0
        r_tail = [tails[fwd], heads[back], np.array([source])]
        r_head = [heads[fwd], tails[back], np.array([sink])]
        r_cost = [costs[fwd], -costs[back], np.array([0])]
        if net["matched"] < len(self.eligible):
            # Someone is unmatched, so the "no match" arc carries flow.
            r_tail.append(np.array([sink]))
            r_head.append(np.array([source]))
            r_cost.append(np.array([0]))
        r_tail, r_head, r_cost = (np.concatenate(x) for x in (r_tail, r_head, r_cost))
        d = -_shortest_distances(net["n_nodes"], r_head, r_tail, r_cost, start=sink)
        if (d <= -_INF // 2).any():
            raise RuntimeError("a node cannot reach the sink in the residual network")

        # Raise candidates: unmatched ones to the source, matched ones to their
        # mentor plus the pair's points (their only incoming residual arcs).
        c_nodes = np.arange(2, 2 + nc)
        d[c_nodes] = d[source]
        used = np.flatnonzero(flows[nc : nc + n_arcs] > 0) + nc
        d[tails[used]] = d[heads[used]] - costs[used]
        reduced = r_cost + d[r_tail] - d[r_head]
        if (reduced < 0).any():
            raise RuntimeError("potentials do not certify the flow")

        d_cand = np.full(len(self.ca), d[source], dtype=np.int64)
        d_cand[net["cand_nodes"]] = d[c_nodes]
        first_place = place_points(self.pool.up_to_date, self.free, self.s)
        d_open = d[sink] + self.M + first_place
        d_open[net["open_nodes"]] = d[2 + nc :]
        return d_cand, d_open

    def _price(self, arcs: Arcs, d_cand: np.ndarray, d_open: np.ndarray) -> Arcs:
        """Left-out arcs with negative reduced cost (points + d_mentor > d_cand).

        Arcs in the network already have a reduced cost of at least 0 (the
        potentials are checked), so a candidate is violated exactly when its best
        allowed mentor, valued ``points + d_mentor``, beats ``d_cand``. First the
        class bound (over all mentors, ignoring who is barred) clears most
        candidates; the rest, the "suspects", get their best mentor found exactly
        by ``_best_mentors`` and up to ``_ADD_PER_CANDIDATE`` violating arcs each.
        Every violation has its candidate among the suspects, so when nothing is
        added the flow is optimal for the whole problem.
        """
        self.progress("price", 0, 1)
        e = self.eligible
        c_side = self._candidate_side()
        m_side = self._mentor_side()
        bound = _class_bound(*c_side, *m_side, d_open, self.s, "other_above")
        sus_c = e[bound > d_cand[e]]
        self.stats["suspects"] = int(self.stats.get("suspects", 0)) + len(sus_c)
        if not len(sus_c):
            return Arcs.empty()
        return Arcs(*self._best_mentors(sus_c, d_open, d_cand, _ADD_PER_CANDIDATE))

    # -- each candidate's best mentors, by classes --

    def _mentor_order(self) -> tuple[np.ndarray, ...]:
        """Open mentors ordered by region: the order, each region's span, codes."""
        if getattr(self, "_order", None) is None:
            pool, ca = self.pool, self.ca
            regions = np.unique(pool.region_id[pool.region_id >= 0])
            code = np.where(
                pool.region_id >= 0, np.searchsorted(regions, pool.region_id), -1
            )
            # Mentors without a region last: they are in no region's list.
            key = np.where(code >= 0, code, len(regions))
            order = np.argsort(key, kind="stable")
            bounds = np.searchsorted(key[order], np.arange(len(regions) + 1), "left")
            at = np.minimum(np.searchsorted(regions, ca.region_id), len(regions) - 1)
            c_code = np.full(len(ca), -1, dtype=np.int64)
            if len(regions):
                known = (ca.region_id >= 0) & (regions[at] == ca.region_id)
                c_code[known] = at[known]
            self._order = (order, bounds, c_code)
        return self._order

    def _class_lists(
        self,
        rank: np.ndarray,
        org_type: np.ndarray,
        modes: np.ndarray,
        qualification: np.ndarray,
        z: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For candidate classes (rank, organisation type, modes, qualification):
        their best mentors by an upper bound of ``points + z``.

        The bound leaves out the same-organisation penalty and who is barred, which
        only lower a value. In list 0 (anywhere) it leaves out the region points
        and counts meeting in person only for mentors who meet in person outside
        their own region; in list ``1 + r`` (mentors of region ``r``) it counts the
        region points and meeting in person, as it is exact for a candidate there.
        A mentor whose level is too low, or who does not support the
        qualification, is ``NEG``. Row ``k`` holds ``_LIST_DEPTH`` entries per list:
        mentor positions (-1 pads a short list) and bounds. Lists are sets: not in
        order.
        """
        order, bounds, _ = self._mentor_order()
        pool, s, T = self.pool, self.s, _LIST_DEPTH
        m_type = pool.organisation_type_id[order][None, :]
        m_modes = pool.modes[order][None, :]
        m_level = pool.level_rank[order][None, :]
        m_z = z[order][None, :]
        travels = (pool.in_person_region_ids[order] >= 0).any(axis=1)[None, :]
        restricted = not bool(pool.supports_any.all())
        n_lists = len(bounds)  # anywhere, then one per region
        spans = [(0, len(order))] + [
            (int(bounds[r]), int(bounds[r + 1])) for r in range(len(bounds) - 1)
        ]
        idx = np.full((len(rank), n_lists, T), -1, dtype=np.int64)
        val = np.full((len(rank), n_lists, T), _NEG, dtype=np.int64)
        step = max(1, _CHUNK_CELLS // max(2 * len(order), 1))
        for start in range(0, len(rank), step):
            rows = slice(start, start + step)
            r_type, r_modes = org_type[rows, None], modes[rows, None]
            common = (
                (r_type != m_type) & (r_type >= 0) & (m_type >= 0)
            ) * s.different_org_type_points + m_z
            both = r_modes & m_modes
            near = common + SHARED[both] * s.shared_mode_points
            far = common + (
                SHARED[np.where(travels, both, both & ~_IN_PERSON_BIT)]
                * s.shared_mode_points
            )
            ok = m_level >= rank[rows, None]
            if restricted:
                q = qualification[rows, None, None]
                ok &= pool.supports_any[order][None, :] | (
                    pool.qualification_ids[order][None, :, :] == q
                ).any(axis=2)
            near = np.where(ok, near + s.same_region_points, _NEG)
            far = np.where(ok, far, _NEG)
            for k, (lo, hi) in enumerate(spans):
                v = far if k == 0 else near
                if hi - lo <= T:
                    idx[rows, k, : hi - lo] = np.arange(lo, hi)
                    val[rows, k, : hi - lo] = v[:, lo:hi]
                    continue
                top = np.argpartition(-v[:, lo:hi], T - 1, axis=1)[:, :T]
                idx[rows, k] = top + lo
                val[rows, k] = np.take_along_axis(v[:, lo:hi], top, axis=1)
        # Back to positions in the pool.
        return np.where(idx >= 0, order[np.maximum(idx, 0)], -1), val

    def _best_mentors(
        self,
        cands: np.ndarray,
        z: np.ndarray,
        floor: np.ndarray | None,
        per_candidate: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each candidate's best allowed mentors by ``points + z[mentor]``.

        With ``floor`` (candidate potentials), only mentors beating the
        candidate's floor: each candidate's ``per_candidate`` best of them and each
        mentor's best few (``_select``); any candidate with a mentor beating its
        floor gets at least one. Without, the same over all allowed mentors.

        Candidates alike share two short lists of mentors ranked by an upper
        bound (``_class_lists``): the best anywhere and the best in their region.
        Each listed mentor is then valued exactly for the candidate. A mentor left
        off a list is worth at most the lowest bound on that list, so once the best
        exact value found reaches both lists' lowest bounds, it is the best over all
        mentors. The few candidates for whom it does not are searched in full.
        """
        none = np.zeros(0, dtype=np.int64)
        if not len(cands):
            return none, none.copy(), none.copy()
        ca, pool, s, T = self.ca, self.pool, self.s, _LIST_DEPTH
        _, _, c_code = self._mentor_order()
        qualification = ca.qualification_id[cands]
        if pool.supports_any.all():
            qualification = np.full(len(cands), -1, dtype=np.int64)
        features = np.stack(
            [
                ca.min_mentor_rank[cands],
                ca.organisation_type_id[cands],
                ca.modes[cands],
                qualification,
            ]
        )
        classes, of_class = np.unique(features, axis=1, return_inverse=True)
        of_class = of_class.ravel()
        idx, val = self._class_lists(*classes, z)
        full = (idx >= 0).all(axis=2)
        lowest = np.where(full, val.min(axis=2), _NEG)
        found: list[tuple[np.ndarray, ...]] = []
        fallback: list[np.ndarray] = []
        step = max(1, _CHUNK_CELLS // (8 * T))
        for start in range(0, len(cands), step):
            c = cands[start : start + step]
            k = of_class[start : start + step]
            region = c_code[c]
            has_region = region[:, None] >= 0
            lists = np.concatenate(
                [idx[k, 0], np.where(has_region, idx[k, 1 + region], -1)], axis=1
            )
            threshold = np.maximum(
                lowest[k, 0], np.where(region >= 0, lowest[k, 1 + region], _NEG)
            )
            g = np.maximum(lists, 0)
            cc = c[:, None]
            ok = (lists >= 0) & eligibility.pair_rules_pass(ca, cc, pool, g)
            ok &= self._not_excluded(np.broadcast_to(cc, g.shape), g)
            # One copy of a mentor listed twice.
            by_mentor = np.argsort(lists, axis=1, kind="stable")
            g_sorted = np.take_along_axis(lists, by_mentor, axis=1)
            twice = np.zeros_like(ok)
            np.put_along_axis(
                twice, by_mentor[:, 1:], g_sorted[:, 1:] == g_sorted[:, :-1], axis=1
            )
            ok &= ~twice
            value = np.where(ok, pair_points(ca, cc, pool, g, s) + z[g], _NEG)
            complete = value.max(axis=1) >= threshold
            fallback.append(c[~complete])
            value, g, c = value[complete], g[complete], c[complete]
            above = value > (_NEG // 2 if floor is None else floor[c][:, None])
            rows, cols = np.nonzero(above)
            found.append((c[rows], g[rows, cols], value[rows, cols]))
        rest = np.concatenate(fallback)
        self.stats["searched_in_full"] = int(
            self.stats.get("searched_in_full", 0)
        ) + len(rest)
        if len(rest):
            found.append(self._best_mentors_in_full(rest, z, floor))
        cc, gg, vv = (np.concatenate([f[i] for f in found]) for i in range(3))
        cc, gg = self._select(
            cc, gg, vv - (0 if floor is None else floor[cc]), per_candidate
        )
        return cc, gg, pair_points(ca, cc, pool, gg, s)

    def _select(
        self, c: np.ndarray, g: np.ndarray, gain: np.ndarray, per_candidate: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Of candidate-mentor offers, each candidate's ``per_candidate`` best and
        each mentor's best ``free places + _MENTOR_EXTRA`` (so that candidates alike do not all
        crowd onto the same few mentors). Ties go by a fixed hash of the ids."""
        if not len(c):
            return c, g
        tie = mix(self.ca.ids[c], self.pool.ids[g])
        gain = gain - gain.min()
        keep = np.zeros(len(c), dtype=bool)
        for group, cap in ((c, per_candidate), (g, self.free[g] + _MENTOR_EXTRA)):
            order = _rank_order(group, gain, tie)
            sorted_group = group[order]
            nth = np.arange(len(order)) - np.searchsorted(sorted_group, sorted_group)
            cap = cap if np.isscalar(cap) else cap[order]
            keep[order[nth < cap]] = True
        return c[keep], g[keep]

    def _best_mentors_in_full(
        self, cands: np.ndarray, z: np.ndarray, floor: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_best_mentors``' offers for a few candidates, over every open mentor:
        each one's best ``2 * _LIST_DEPTH`` above its floor."""
        found = []
        g = np.arange(self.n_open)[None, :]
        k = min(2 * _LIST_DEPTH, self.n_open)
        step = max(1, _CHUNK_CELLS // max(self.n_open, 1))
        for start in range(0, len(cands), step):
            c = cands[start : start + step]
            cc = c[:, None]
            ok = self._allowed(cc, g)
            value = pair_points(self.ca, cc, self.pool, g, self.s) + z[g]
            value = np.where(ok, value, _NEG)
            top = np.argpartition(-value, k - 1, axis=1)[:, :k]
            best = np.take_along_axis(value, top, axis=1)
            above = best > (_NEG // 2 if floor is None else floor[c][:, None])
            rows, cols = np.nonzero(above)
            found.append((c[rows], top[rows, cols], best[rows, cols]))
        return tuple(np.concatenate([f[i] for f in found]) for i in range(3))  # type: ignore[return-value]


def _known_eq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) & (a >= 0)


def _shortest_distances(
    n: int, tails: np.ndarray, heads: np.ndarray, costs: np.ndarray, start: int
) -> np.ndarray:
    """Bellman-Ford from ``start``, vectorised; the graph has no negative cycle."""
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    targets, starts = np.unique(heads, return_index=True)
    d = np.full(n, _INF, dtype=np.int64)
    d[start] = 0
    for _ in range(n + 1):
        via = d[tails]
        via = np.where(via < _INF, via + costs, _INF)
        best = np.minimum(d[targets], np.minimum.reduceat(via, starts))
        if np.array_equal(best, d[targets]):
            return d
        d[targets] = best
    raise RuntimeError("negative cycle in the residual network")


def _dense(*columns: np.ndarray) -> tuple[list[np.ndarray], int]:
    """Map ids to 0..k-1 across columns; "none" (-1) becomes k."""
    values = np.unique(np.concatenate([c[c >= 0] for c in columns]))
    out = [np.where(c >= 0, np.searchsorted(values, c), len(values)) for c in columns]
    return out, len(values)


def _class_bound(
    rank: np.ndarray,
    region: np.ndarray,
    org_type: np.ndarray,
    modes: np.ndarray,
    other_rank: np.ndarray,
    other_region: np.ndarray,
    other_type: np.ndarray,
    other_modes: np.ndarray,
    other_z: np.ndarray,
    s: Scoring,
    direction: str,
) -> np.ndarray:
    """Per item, an upper bound on max(points(item, other) + z_other).

    Items and others are the two sides (candidates and mentors, either way round).
    Only the level rule is applied (others of level at least the item's rank when
    ``direction`` is "other_above", at most when "other_below"); who is barred and
    the same-organisation penalty are ignored, and both only lower a score, so the
    bound is safe. Scores depend on few features, so the others go into a table by
    class (level, region, organisation type, ways of meeting) that is collapsed
    one feature at a time into the items' classes.
    """
    bound = np.full(len(rank), _NEG, dtype=np.int64)
    if not len(rank) or not len(other_rank):
        return bound
    (o_region, i_region), n_regions = _dense(other_region, region)
    (o_type, i_type), n_types = _dense(other_type, org_type)
    levels = int(max(other_rank.max(), rank.max(), 0)) + 1
    extra = 0
    if levels * (n_regions + 1) * (n_types + 1) > 100_000:
        # Too many classes for tables: a looser bound, still an upper bound.
        o_region, i_region, o_type, i_type = (
            np.zeros_like(x) for x in (o_region, i_region, o_type, i_type)
        )
        n_regions = n_types = 0
        extra = s.same_region_points + s.different_org_type_points
    shape = (levels, n_regions + 1, n_types + 1, 64)
    table = np.full(shape, _NEG, dtype=np.int64)
    np.maximum.at(
        table, (np.clip(other_rank, 0, None), o_region, o_type, other_modes), other_z
    )
    # Level: fold so that table[r] covers every other an item of rank r may meet.
    if direction == "other_above":
        table = np.maximum.accumulate(table[::-1], axis=0)[::-1]
    else:
        table = np.maximum.accumulate(table, axis=0)
    # Ways of meeting: the others' modes -> the items' modes.
    flat = table.reshape(-1, 64)
    shared = (
        SHARED[np.arange(64)[:, None] & np.arange(64)[None, :]] * s.shared_mode_points
    )
    by_modes = np.full_like(flat, _NEG)
    for m in np.unique(modes):
        by_modes[:, m] = (flat + shared[m][None, :]).max(axis=1)
    table = by_modes.reshape(shape)
    # Region: the item's own (known) region earns the bonus.
    any_region = table.max(axis=1, keepdims=True)
    own = table.copy()
    own[:, :n_regions] += s.same_region_points
    table = np.maximum(own, any_region)
    # Organisation type: any known type other than the item's earns the bonus.
    any_type = table.max(axis=2)
    by_type = np.empty(shape, dtype=np.int64)
    by_type[:, :, n_types, :] = any_type
    if n_types:
        known = table[:, :, :n_types, :]
        best = known.argmax(axis=2)
        first = known.max(axis=2)
        rest = known.copy()
        np.put_along_axis(rest, best[:, :, None, :], _NEG, axis=2)
        second = rest.max(axis=2)
        for t in range(n_types):
            other = np.where(best == t, second, first)
            by_type[:, :, t, :] = np.maximum(
                other + s.different_org_type_points, any_type
            )
    r = np.clip(rank, 0, levels - 1)
    bound[:] = by_type[r, i_region, i_type, modes] + extra
    return bound
