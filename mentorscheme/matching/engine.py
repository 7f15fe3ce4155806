"""The matching engine: ranked suggestions for one candidate, and bulk allocation.

Pure: plain records in (``records``), plain results out; the rules come from
``mentorscheme.scheme.eligibility`` and the scores from
``mentorscheme.scheme.recommendations``, never from here.

Suggestions
    ``MentorIndex.build(mentors)`` turns the mentors into numpy columns once; each
    ``suggest()`` is then a handful of vector operations over them.

Allocation
    ``allocate()`` gives each candidate at most one mentor, never breaking a rule or
    a mentor's free places, and is exactly optimal: first the most candidates
    matched, then the highest total score. It is a maximum-flow, minimum-cost
    problem (source -> candidate -> mentor -> sink) solved by OR-Tools with integer
    points (see ``recommendations.Scoring``). Load balance is a concave value per
    mentor (each further place is worth less), so each mentor's places are parallel
    arcs to the sink, cheapest first: exact, no approximation.

    A country-wide run has ~750 million candidate-mentor pairs, too many to list.
    Small runs list every allowed pair. Large runs solve on a few arcs and prove
    optimality with LP duality (column generation):

    1. Start with each mentor's best few candidates (drawn from their region and
       from everywhere, scored, the best kept) and every ranked choice.
    2. Solve that network. Shortest-path distances in its residual graph are node
       potentials that certify it optimal *for the arcs present*.
    3. Price every arc left out. Scores depend on a few features, so for each
       class of candidate (minimum mentor level, region, organisation type, ways of
       meeting) one table pass over classes of mentor gives an upper bound on the
       best left-out arc; only candidates whose bound beats their potential are
       checked pair by pair against every mentor.
    4. If some left-out arc has negative reduced cost, add it and go to 2; if none
       has, the potentials certify the solution optimal for the whole problem.

    Matching count comes first through a large per-match bonus ``M`` in the
    potentials (OR-Tools itself solves max-flow-then-min-cost directly).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
from ortools.graph.python import min_cost_flow

from mentorscheme.matching.records import (
    CandidateArrays,
    CandidateRecord,
    MentorArrays,
    MentorRecord,
    Weights,
)
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.recommendations import (
    LOAD_SATURATION,
    SHARED,
    Reason,
    Scoring,
    pair_points,
    place_points,
    score,
    score_vector,
    scoring,
)

Progress = Callable[[str, int, int], None]

UNMATCHED_REASONS: Final[dict[str, str]] = {
    "qualification_without_mentors": "This qualification does not use mentors.",
    "already_mentored": "This enrolment already has a mentor.",
    "no_allowed_mentor": "No mentor may mentor this candidate at the moment.",
    "all_allowed_full": (
        "Every mentor who may mentor this candidate is full, or was given to"
        " other candidates in this allocation."
    ),
}

#: Up to this many allowed pairs, allocate() lists them all.
FULL_NETWORK_PAIRS: Final[int] = 300_000
_SAMPLES_IN_REGION: Final[int] = 20
_SAMPLES_ANYWHERE: Final[int] = 6
_ARCS_ADDED_PER_CANDIDATE: Final[int] = 3
_CHUNK_CELLS: Final[int] = 4_000_000
_NEG: Final[int] = -(1 << 60)
_INF: Final[int] = 1 << 62
_SEED: Final[int] = 20_240_601


@dataclass(frozen=True, slots=True)
class Suggestion:
    mentor_id: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Pair:
    candidate_id: int
    mentor_id: int
    score: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Unmatched:
    candidate_id: int
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class Allocation:
    pairs: tuple[Pair, ...]
    unmatched: tuple[Unmatched, ...]
    matched: int
    total_score: float
    #: How the solve went (method, rounds, arcs, ...), for logs and benchmarks.
    stats: Mapping[str, int | str] = field(default_factory=dict)


# --- The mentor index -------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class MentorIndex:
    """Mentors sorted by id, as columns, with the static gate worked out once."""

    records: tuple[MentorRecord, ...]
    arrays: MentorArrays
    #: Positions (into ``records``) of mentors who pass rules 1, 3 and 4.
    open_positions: np.ndarray
    #: Those mentors' columns.
    open: MentorArrays
    #: Mentors passing rules 1 and 3 and listed and accepting, full or not.
    ready: np.ndarray
    #: ``ready_from_rank[r]``: how many ready mentors hold level ``r`` or above.
    ready_from_rank: np.ndarray
    position_of: Mapping[int, int]
    positions_of_member: Mapping[int, tuple[int, ...]]

    @classmethod
    def build(cls, mentors: Sequence[MentorRecord]) -> MentorIndex:
        records = tuple(sorted(mentors, key=lambda m: m.id))
        position_of = {m.id: i for i, m in enumerate(records)}
        if len(position_of) != len(records):
            raise ValueError("mentor ids must be unique")
        by_member: dict[int, list[int]] = {}
        for i, m in enumerate(records):
            by_member.setdefault(m.member_id, []).append(i)
        arrays = MentorArrays.from_records(records)
        open_positions = np.flatnonzero(eligibility.mentor_gate(arrays))
        ready = eligibility.mentor_gate(arrays, count_capacity=False)
        top = int(arrays.level_rank.max()) + 1 if len(arrays) else 1
        per_level = np.bincount(arrays.level_rank[ready], minlength=top + 1)
        ready_from_rank = np.cumsum(per_level[::-1])[::-1]
        return cls(
            records=records,
            arrays=arrays,
            open_positions=open_positions,
            open=arrays.take(open_positions),
            ready=ready,
            ready_from_rank=ready_from_rank,
            position_of=position_of,
            positions_of_member={k: tuple(v) for k, v in by_member.items()},
        )

    def __len__(self) -> int:
        return len(self.records)

    def has_allowed_mentor(self, candidate: CandidateRecord) -> bool:
        """Whether any mentor could take this candidate if they had a free place."""
        if eligibility.candidate_failures(candidate):
            return False
        rank = min(max(candidate.min_mentor_rank, 1), len(self.ready_from_rank) - 1)
        barred: set[int] = set()
        for member in (candidate.member_id, candidate.line_manager_member_id):
            if member is not None:
                barred.update(self.positions_of_member.get(member, ()))
        for mentor_id in candidate.excluded_mentor_ids:
            if mentor_id in self.position_of:
                barred.add(self.position_of[mentor_id])
        levels = self.arrays.level_rank
        barred = {p for p in barred if self.ready[p] and levels[p] >= rank}
        return int(self.ready_from_rank[rank]) > len(barred)

    def no_suggestion_reason(self, candidate: CandidateRecord) -> str:
        """Why a candidate gets no suggestion: a key of ``UNMATCHED_REASONS``."""
        failures = eligibility.candidate_failures(candidate)
        if failures:
            return failures[0].code
        if self.has_allowed_mentor(candidate):
            return "all_allowed_full"
        return "no_allowed_mentor"


def _as_index(mentors: Sequence[MentorRecord] | MentorIndex) -> MentorIndex:
    return mentors if isinstance(mentors, MentorIndex) else MentorIndex.build(mentors)


# --- Suggestions ------------------------------------------------------------------


def suggest(
    candidate: CandidateRecord,
    mentors: Sequence[MentorRecord] | MentorIndex,
    n: int = 10,
    weights: Weights | None = None,
) -> list[Suggestion]:
    """The ``n`` best mentors this candidate may ask, best first.

    Ties go to the lower mentor id. Mentors in ``excluded_mentor_ids`` are left out.
    An empty list means no mentor may take the candidate now; ask
    ``MentorIndex.no_suggestion_reason()`` why.
    """
    index = _as_index(mentors)
    weights = weights or Weights()
    if n <= 0 or eligibility.candidate_failures(candidate):
        return []
    pool = index.open
    mask = eligibility.allowed_mask(candidate, pool)
    if candidate.excluded_mentor_ids:
        mask &= ~np.isin(pool.ids, np.fromiter(candidate.excluded_mentor_ids, np.int64))
    positions = np.flatnonzero(mask)
    if not len(positions):
        return []
    values = score_vector(candidate, pool, weights)[positions]
    if len(positions) > n:
        threshold = np.partition(values, len(values) - n)[len(values) - n]
        keep = values >= threshold
        positions, values = positions[keep], values[keep]
    # Positions follow mentor ids, so a stable sort on -score breaks ties by id.
    order = np.argsort(-values, kind="stable")[:n]
    result = []
    for p in positions[order]:
        mentor = index.records[index.open_positions[p]]
        value, reasons = score(candidate, mentor, weights)
        result.append(Suggestion(mentor.id, value, tuple(reasons)))
    return result


# --- Allocation -------------------------------------------------------------------


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number per (a, b): spreads ties without favouritism."""
    with np.errstate(over="ignore"):
        x = a.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        x ^= b.astype(np.uint64) + np.uint64(0x632BE59BD9B4E019)
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        x ^= x >> np.uint64(27)
        x *= np.uint64(0x94D049BB133111EB)
        x ^= x >> np.uint64(31)
    return (x >> np.uint64(1)).astype(np.int64)


@dataclass(slots=True)
class _Arcs:
    """Candidate -> mentor arcs: candidate position, open-mentor position, points."""

    c: np.ndarray
    g: np.ndarray
    v: np.ndarray

    @classmethod
    def empty(cls) -> _Arcs:
        z = np.zeros(0, dtype=np.int64)
        return cls(z, z.copy(), z.copy())

    def add(self, c: np.ndarray, g: np.ndarray, v: np.ndarray) -> None:
        self.c = np.concatenate([self.c, c])
        self.g = np.concatenate([self.g, g])
        self.v = np.concatenate([self.v, v])

    def deduplicate(self, n_open: int) -> None:
        """One arc per pair, sorted by (candidate, mentor), keeping the best points."""
        key = self.c * n_open + self.g
        order = np.lexsort((-self.v, key))
        key, first = key[order], np.ones(len(order), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        keep = order[first]
        self.c, self.g, self.v = self.c[keep], self.g[keep], self.v[keep]

    def __len__(self) -> int:
        return len(self.c)


class _Allocator:
    """One allocation run; see the module docstring for the method."""

    def __init__(
        self,
        candidates: Sequence[CandidateRecord],
        index: MentorIndex,
        weights: Weights,
        progress: Progress | None,
    ) -> None:
        self.records = sorted(candidates, key=lambda c: c.id)
        if len({c.id for c in self.records}) != len(self.records):
            raise ValueError("candidate ids must be unique")
        self.index = index
        self.weights = weights
        self.s: Scoring = scoring(weights)
        self.progress = progress or (lambda stage, done, total: None)
        self.ca = CandidateArrays.from_records(self.records)
        self.pool = index.open
        self.n_open = len(self.pool)
        self.free = self.pool.free_places
        self.eligible = np.flatnonzero(eligibility.candidate_gate(self.ca))
        self._load_exceptions()
        # Every match is worth M more than any difference in score totals.
        s = self.s
        spread = s.max_pair_points + s.same_organisation_points
        spread += s.up_to_date_points + s.load_points[-1]
        self.M = (len(self.eligible) + 1) * (2 * spread + 1)
        self.stats: dict[str, int | str] = {}

    # -- exceptions: ranked choices and excluded mentors --

    def _load_exceptions(self) -> None:
        open_of = {int(i): g for g, i in enumerate(self.pool.ids)}
        excluded: list[int] = []
        choice_c, choice_g, choice_rank = [], [], []
        for c in self.eligible:
            record = self.records[c]
            for mentor_id in record.excluded_mentor_ids:
                g = open_of.get(mentor_id)
                if g is not None:
                    excluded.append(c * self.n_open + g)
            seen: set[int] = set()
            for rank, mentor_id in enumerate(record.choices, start=1):
                g = open_of.get(mentor_id)
                if g is None or mentor_id in seen:
                    continue
                seen.add(mentor_id)
                if mentor_id not in record.excluded_mentor_ids:
                    choice_c.append(c)
                    choice_g.append(g)
                    choice_rank.append(rank)
        self.excluded_keys = np.unique(np.array(excluded, dtype=np.int64))
        c = np.array(choice_c, dtype=np.int64)
        g = np.array(choice_g, dtype=np.int64)
        ok = eligibility.pair_rules_pass(self.ca, c, self.pool, g)
        c, g = c[ok], g[ok]
        bonus = np.array(
            [self.s.choice_points(r) for r in np.array(choice_rank)[ok]], dtype=np.int64
        )
        self.choices = _Arcs(c, g, pair_points(self.ca, c, self.pool, g, self.s) + bonus)

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

    # -- the run --

    def run(self, method: str) -> Allocation:
        self.progress("prepare", 1, 1)
        pairs = len(self.eligible) * self.n_open
        if method == "auto":
            method = "full" if pairs <= FULL_NETWORK_PAIRS else "pricing"
        self.stats["method"] = method
        if not len(self.eligible) or not self.n_open:
            flow_c = flow_g = np.zeros(0, dtype=np.int64)
        elif method == "full":
            arcs = self._all_arcs()
            flow_c, flow_g, _ = self._solve(arcs)
            self.stats["rounds"] = 1
        elif method == "pricing":
            flow_c, flow_g = self._column_generation()
        else:
            raise ValueError(f"unknown method {method!r}")
        with self._timed("result"):
            return self._result(flow_c, flow_g)

    def _all_arcs(self) -> _Arcs:
        arcs = _Arcs.empty()
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

    def _initial_arcs(self) -> _Arcs:
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
        tie = _mix(ca.ids[c], pool.ids[g])
        order = np.lexsort((tie, -v, c, g))
        c, g, v, tie = c[order], g[order], v[order], tie[order]
        distinct = np.ones(len(c), dtype=bool)
        distinct[1:] = (c[1:] != c[:-1]) | (g[1:] != g[:-1])
        c, g, v, tie = c[distinct], g[distinct], v[distinct], tie[distinct]
        order = np.lexsort((tie, -v, g))
        c, g, v = c[order], g[order], v[order]
        starts = np.searchsorted(g, np.arange(n))
        nth = np.arange(len(g)) - starts[g]
        wanted = 2 * self.free + 2
        keep = nth < wanted[g]
        arcs = _Arcs(c[keep], g[keep], v[keep])

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
        short = np.flatnonzero((at_best < wanted) & (best > _NEG // 2))
        self.stats["short_samples"] = len(short)
        arcs.add(*self._best_candidates(short, wanted))
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
        self, mentors: np.ndarray, wanted: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each given mentor's ``wanted`` best allowed candidates, exactly."""
        found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        if not len(mentors):
            return tuple(np.zeros(0, dtype=np.int64) for _ in range(3))  # type: ignore[return-value]
        e = self.eligible
        step = max(1, _CHUNK_CELLS // len(e))
        for start in range(0, len(mentors), step):
            g = mentors[None, start : start + step]
            c = e[:, None]
            ok = self._allowed(c, g)
            v = np.where(ok, pair_points(self.ca, c, self.pool, g, self.s), _NEG)
            rows, cols = np.nonzero(ok)
            cc, gg, vv = e[rows], g[0, cols], v[rows, cols]
            tie = _mix(self.ca.ids[cc], self.pool.ids[gg])
            order = np.lexsort((tie, -vv, gg))
            cc, gg, vv = cc[order], gg[order], vv[order]
            nth = np.arange(len(gg)) - np.searchsorted(gg, gg, "left")
            keep = nth < wanted[gg]
            found.append((cc[keep], gg[keep], vv[keep]))
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
            points.append(place_points(self.pool.up_to_date[m], np.full(len(m), f), self.s))
        return tuple(np.concatenate(x) for x in (mentor, capacity, points))

    def _solve(self, arcs: _Arcs) -> tuple[np.ndarray, np.ndarray, dict]:
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
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            tails.astype(np.int32), heads.astype(np.int32), caps, costs
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

    def _potentials(self, arcs: _Arcs, net: dict) -> tuple[np.ndarray, np.ndarray]:
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
        tails, heads, caps, flows = net["tails"], net["heads"], net["caps"], net["flows"]
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

    def _price(self, arcs: _Arcs, d_cand: np.ndarray, d_open: np.ndarray) -> _Arcs:
        """Left-out arcs with negative reduced cost (points + d_mentor > d_cand).

        A violating pair has both ends "suspect": the candidate's class bound over
        all mentors beats its potential, and the mentor's class bound over all
        candidates beats its. Only the suspect submatrix is checked pair by pair.
        For each suspect mentor its best violating candidates are added (as many as
        it has places, plus two): every violation has a suspect mentor, so each
        round adds at least one arc until none is left.
        """
        e, pool, ca = self.eligible, self.pool, self.ca
        sus_c, sus_m = e, np.arange(self.n_open)
        # Narrow both sides in turn: a bound over fewer others is tighter.
        for _ in range(4):
            before = len(sus_c), len(sus_m)
            c_side = tuple(x[np.searchsorted(e, sus_c)] for x in self._candidate_side())
            m_side = tuple(x[sus_m] for x in self._mentor_side())
            c_bound = _class_bound(
                *c_side, *m_side, d_open[sus_m], self.s, "other_above"
            )
            sus_c = sus_c[c_bound > d_cand[sus_c]]
            c_side = tuple(x[np.searchsorted(e, sus_c)] for x in self._candidate_side())
            m_bound = _class_bound(
                *m_side, *c_side, -d_cand[sus_c], self.s, "other_below"
            )
            sus_m = sus_m[m_bound + d_open[sus_m] > 0]
            if (len(sus_c), len(sus_m)) == before or not len(sus_c) or not len(sus_m):
                break
        self.stats["suspects"] = int(self.stats.get("suspects", 0)) + len(sus_c)
        self.stats["suspect_mentors"] = int(
            self.stats.get("suspect_mentors", 0)
        ) + len(sus_m)
        if not len(sus_c) or not len(sus_m):
            return _Arcs.empty()

        barred = np.zeros((len(sus_c), len(sus_m)), dtype=bool)
        ex_c, ex_g = np.divmod(self.excluded_keys, self.n_open)
        for cs, gs in ((arcs.c, arcs.g), (ex_c, ex_g)):
            inside = np.isin(cs, sus_c) & np.isin(gs, sus_m)
            rows = np.searchsorted(sus_c, cs[inside])
            cols = np.searchsorted(sus_m, gs[inside])
            barred[rows, cols] = True

        g = sus_m[None, :]
        found_c, found_g, found_v, found_gain = [], [], [], []
        step = max(1, _CHUNK_CELLS // len(sus_m))
        for start in range(0, len(sus_c), step):
            self.progress("price", start, len(sus_c))
            c = sus_c[start : start + step, None]
            ok = eligibility.pair_rules_pass(ca, c, pool, g)
            ok &= ~barred[start : start + step]
            v = pair_points(ca, c, pool, g, self.s)
            gain = np.where(ok, v + d_open[g] - d_cand[c], _NEG)
            rows, cols = np.nonzero(gain > 0)
            found_c.append(c[rows, 0])
            found_g.append(sus_m[cols])
            found_v.append(v[rows, cols])
            found_gain.append(gain[rows, cols])
        cc, gg, vv, gain = (np.concatenate(x) for x in (found_c, found_g, found_v, found_gain))
        if not len(cc):
            return _Arcs.empty()
        tie = _mix(ca.ids[cc], pool.ids[gg])
        keep = np.zeros(len(cc), dtype=bool)
        # Each mentor's best violating candidates.
        order = np.lexsort((tie, -gain, gg))
        g_sorted = gg[order]
        nth = np.arange(len(order)) - np.searchsorted(g_sorted, g_sorted, "left")
        keep[order[nth < self.free[g_sorted] + 2]] = True
        return _Arcs(cc[keep], gg[keep], vv[keep])

    # -- the proposal --

    def _result(self, flow_c: np.ndarray, flow_g: np.ndarray) -> Allocation:
        self.progress("finish", 0, 1)
        order = np.lexsort((self.ca.ids[flow_c], flow_g))
        flow_c, flow_g = flow_c[order], flow_g[order]
        pairs: list[Pair] = []
        taken = 0
        previous = -1
        for c, g in zip(flow_c.tolist(), flow_g.tolist(), strict=True):
            taken = taken + 1 if g == previous else 0
            previous = g
            mentor = self.index.records[self.index.open_positions[g]]
            free = int(self.free[g]) - taken
            value, reasons = score(self.records[c], mentor, self.weights, free_places=free)
            pairs.append(Pair(self.records[c].id, mentor.id, value, tuple(reasons)))
        pairs.sort(key=lambda p: p.candidate_id)
        matched = set(flow_c.tolist())
        unmatched = [
            Unmatched(r.id, code, UNMATCHED_REASONS[code])
            for i, r in enumerate(self.records)
            if i not in matched
            for code in (self.index.no_suggestion_reason(r),)
        ]
        self.progress("finish", 1, 1)
        return Allocation(
            pairs=tuple(pairs),
            unmatched=tuple(unmatched),
            matched=len(pairs),
            total_score=math.fsum(p.score for p in pairs),
            stats=self.stats,
        )


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
    np.maximum.at(table, (np.clip(other_rank, 0, None), o_region, o_type, other_modes), other_z)
    # Level: fold so that table[r] covers every other an item of rank r may meet.
    if direction == "other_above":
        table = np.maximum.accumulate(table[::-1], axis=0)[::-1]
    else:
        table = np.maximum.accumulate(table, axis=0)
    # Ways of meeting: the others' modes -> the items' modes.
    flat = table.reshape(-1, 64)
    shared = SHARED[np.arange(64)[:, None] & np.arange(64)[None, :]] * s.shared_mode_points
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
            by_type[:, :, t, :] = np.maximum(other + s.different_org_type_points, any_type)
    r = np.clip(rank, 0, levels - 1)
    bound[:] = by_type[r, i_region, i_type, modes] + extra
    return bound


def allocate(
    candidates: Sequence[CandidateRecord],
    mentors: Sequence[MentorRecord] | MentorIndex,
    weights: Weights | None = None,
    honour_choices: bool = True,
    progress: Progress | None = None,
    *,
    method: str = "auto",
) -> Allocation:
    """Give each candidate at most one mentor: most matches, then highest score.

    ``progress(stage, done, total)`` is called as the run goes. ``method`` is for
    tests and benchmarks: "full" lists every allowed pair, "pricing" uses column
    generation, "auto" picks by size. Both are exact.
    """
    weights = weights or Weights()
    if not honour_choices:
        weights = replace(weights, honour_choices=False)
    start = time.perf_counter()
    index = _as_index(mentors)
    allocator = _Allocator(candidates, index, weights, progress)
    allocator.stats["ms_prepare"] = round((time.perf_counter() - start) * 1000)
    return allocator.run(method)


def allocate_greedy(
    candidates: Sequence[CandidateRecord],
    mentors: Sequence[MentorRecord] | MentorIndex,
    weights: Weights | None = None,
    honour_choices: bool = True,
) -> Allocation:
    """A baseline: candidates in id order each take their best mentor still free.

    Fast to explain, not optimal; the benchmarks compare ``allocate()`` with it.
    """
    weights = weights or Weights()
    if not honour_choices:
        weights = replace(weights, honour_choices=False)
    index = _as_index(mentors)
    pool = index.open
    remaining = pool.free_places.copy()
    pairs: list[Pair] = []
    unmatched: list[Unmatched] = []
    for candidate in sorted(candidates, key=lambda c: c.id):
        mask = remaining > 0
        if mask.any() and not eligibility.candidate_failures(candidate):
            mask &= eligibility.allowed_mask(candidate, pool)
            if candidate.excluded_mentor_ids:
                excluded = np.fromiter(candidate.excluded_mentor_ids, np.int64)
                mask &= ~np.isin(pool.ids, excluded)
        else:
            mask[:] = False
        if not mask.any():
            code = index.no_suggestion_reason(candidate)
            unmatched.append(Unmatched(candidate.id, code, UNMATCHED_REASONS[code]))
            continue
        values = score_vector(candidate, pool, weights, free_places=remaining)
        g = int(np.flatnonzero(mask)[np.argmax(values[mask])])
        mentor = index.records[index.open_positions[g]]
        value, reasons = score(
            candidate, mentor, weights, free_places=int(remaining[g])
        )
        remaining[g] -= 1
        pairs.append(Pair(candidate.id, mentor.id, value, tuple(reasons)))
    return Allocation(
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        matched=len(pairs),
        total_score=math.fsum(p.score for p in pairs),
        stats={"method": "greedy"},
    )

