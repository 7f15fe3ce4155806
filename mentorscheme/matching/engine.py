"""The matching engine: ranked suggestions for one candidate, and bulk allocation.

Pure: plain records in (``records``), plain results out. The rules come from
``mentorscheme.scheme.eligibility`` and the scores from
``mentorscheme.scheme.recommendations``; nothing here decides who may mentor whom.

* ``MentorIndex.build(mentors)`` turns the mentors into numpy columns once and
  keeps those who pass the mentor-only rules; each ``suggest()`` is then a handful
  of vector operations over them.
* ``allocate()`` gives each candidate at most one mentor, never breaking a rule or
  a mentor's free places, exactly optimal: first the most candidates matched, then
  the highest total score (see ``flow`` for how). ``allocate_greedy()`` is a
  baseline for comparison.

Inputs are sorted by id first, so the same records in any order give the same
result.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np

from mentorscheme.matching.flow import Progress, Solver
from mentorscheme.matching.network import Arcs
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.recommendations import (
    Reason,
    pair_points,
    score,
    score_vector,
    scoring,
    shared_mode_bits_vector,
    up_to_date_vector,
)
from mentorscheme.scheme.records import (
    MODE_BITS,
    NONE,
    CandidateArrays,
    CandidateRecord,
    MentorArrays,
    MentorRecord,
    Weights,
)

UNMATCHED_REASONS: Final[dict[str, str]] = {
    "qualification_without_mentors": "This qualification does not use mentors.",
    "already_mentored": "This enrolment already has a mentor.",
    "mentoring_complete": "This enrolment's mentoring is complete.",
    "portfolio_submitted": (
        "This candidate's portfolio is with the assessors: there is no mentor to"
        " find unless they ask for further information."
    ),
    "no_allowed_mentor": "No mentor may mentor this candidate at the moment.",
    "all_allowed_full": (
        "Every mentor who may mentor this candidate is full, or was given to"
        " other candidates in this allocation."
    ),
}


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
    #: Per qualification some mentor chose: ``ready_from_rank`` counting only ready
    #: mentors who support it. Any other qualification: those who have not chosen.
    ready_from_rank_for: Mapping[int, np.ndarray]
    ready_from_rank_unchosen: np.ndarray

    @classmethod
    def build(
        cls,
        mentors: Sequence[MentorRecord],
        arrays: MentorArrays | None = None,
        like: MentorIndex | None = None,
    ) -> MentorIndex:
        """``arrays``, when given, are ``mentors``' columns with the mentors already
        in id order; ``like``, an index of the same mentors in the same order (only
        their details changed), whose lookups are reused."""
        if arrays is not None and bool(np.all(np.diff(arrays.ids) > 0)):
            records = tuple(mentors)
        else:
            records = tuple(sorted(mentors, key=lambda m: m.id))
            arrays = MentorArrays.from_records(records)
        if (
            like is not None
            and np.array_equal(like.arrays.ids, arrays.ids)
            and np.array_equal(like.arrays.member_ids, arrays.member_ids)
        ):
            position_of = like.position_of
            positions_of_member = like.positions_of_member
        else:
            position_of = {m.id: i for i, m in enumerate(records)}
            if len(position_of) != len(records):
                raise ValueError("mentor ids must be unique")
            by_member: dict[int, list[int]] = {}
            for i, m in enumerate(records):
                by_member.setdefault(m.member_id, []).append(i)
            positions_of_member = {k: tuple(v) for k, v in by_member.items()}
        open_positions = np.flatnonzero(eligibility.mentor_gate(arrays))
        ready = eligibility.mentor_gate(arrays, count_capacity=False)
        top = int(arrays.level_rank.max()) + 1 if len(arrays) else 1

        def from_rank(mask: np.ndarray) -> np.ndarray:
            per_level = np.bincount(arrays.level_rank[mask], minlength=top + 1)
            return np.cumsum(per_level[::-1])[::-1]

        ready_from_rank = from_rank(ready)
        chosen_ids = arrays.qualification_ids
        chosen = set(np.unique(chosen_ids[chosen_ids != NONE]).tolist())
        ready_from_rank_for = {
            q: from_rank(
                ready
                & (arrays.supports_any | (arrays.qualification_ids == q).any(axis=1))
            )
            for q in chosen
        }
        return cls(
            records=records,
            arrays=arrays,
            open_positions=open_positions,
            open=arrays.take(open_positions),
            ready=ready,
            ready_from_rank=ready_from_rank,
            position_of=position_of,
            positions_of_member=positions_of_member,
            ready_from_rank_for=ready_from_rank_for,
            ready_from_rank_unchosen=from_rank(ready & arrays.supports_any),
        )

    def __len__(self) -> int:
        return len(self.records)

    def ready_counts(self, qualification_id: int | None) -> np.ndarray:
        """``ready_from_rank`` over the ready mentors who support this qualification."""
        if not self.ready_from_rank_for:
            return self.ready_from_rank
        if qualification_id in self.ready_from_rank_for:
            return self.ready_from_rank_for[qualification_id]
        return self.ready_from_rank_unchosen

    def _supports(self, position: int, qualification_id: int | None) -> bool:
        chosen = self.records[position].qualification_ids
        return not chosen or qualification_id in chosen

    def has_allowed_mentor(self, candidate: CandidateRecord) -> bool:
        """Whether any mentor could take this candidate if they had a free place."""
        if eligibility.candidate_failures(candidate):
            return False
        rank = min(max(candidate.min_mentor_rank, 1), len(self.ready_from_rank) - 1)
        barred: set[int] = set()
        for member in (
            candidate.member_id,
            candidate.line_manager_member_id,
            candidate.declared_line_manager_member_id,
        ):
            if member is not None:
                barred.update(self.positions_of_member.get(member, ()))
        for mentor_id in candidate.excluded_mentor_ids:
            if mentor_id in self.position_of:
                barred.add(self.position_of[mentor_id])
        levels = self.arrays.level_rank
        q = candidate.qualification_id
        barred = {
            p
            for p in barred
            if self.ready[p] and levels[p] >= rank and self._supports(p, q)
        }
        return int(self.ready_counts(q)[rank]) > len(barred)

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


class _Allocator:
    """One ``allocate()`` run: records to columns, the solver, columns to results."""

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
        self.s = scoring(weights)
        self.progress = progress or (lambda stage, done, total: None)
        self.ca = CandidateArrays.from_records(self.records)
        self.pool = index.open
        self.n_open = len(self.pool)
        self.free = self.pool.free_places
        self.eligible = np.flatnonzero(eligibility.candidate_gate(self.ca))
        self.stats: dict[str, int | str] = {}
        self._load_exceptions()

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
        # A handful of ranks among thousands of choices: each valued once.
        ranks, rank_of = np.unique(
            np.array(choice_rank, dtype=np.int64)[ok], return_inverse=True
        )
        bonus = np.array(
            [self.s.choice_points(r) for r in ranks.tolist()], dtype=np.int64
        )[rank_of.ravel()]
        self.choices = Arcs(c, g, pair_points(self.ca, c, self.pool, g, self.s) + bonus)

    def run(self, method: str) -> Allocation:
        self.progress("prepare", 1, 1)
        solver = Solver(
            candidates=self.ca,
            eligible=self.eligible,
            mentors=self.pool,
            scoring=self.s,
            choices=self.choices,
            excluded_keys=self.excluded_keys,
            progress=self.progress,
            stats=self.stats,
        )
        flow_c, flow_g = solver.solve(method)
        start = time.perf_counter()
        result = self._result(flow_c, flow_g)
        self.stats["ms_result"] = round((time.perf_counter() - start) * 1000)
        return result

    # -- the proposal --

    def _result(self, flow_c: np.ndarray, flow_g: np.ndarray) -> Allocation:
        self.progress("finish", 0, 1)
        pairs = self._scored_pairs(flow_c, flow_g)
        pairs.sort(key=lambda p: p.candidate_id)
        matched = np.zeros(len(self.records), dtype=bool)
        matched[flow_c] = True
        unmatched = [
            Unmatched(self.records[i].id, code, UNMATCHED_REASONS[code])
            for i, code in self._unmatched_codes(matched)
        ]
        self.progress("finish", 1, 1)
        return Allocation(
            pairs=tuple(pairs),
            unmatched=tuple(unmatched),
            matched=len(pairs),
            total_score=math.fsum(p.score for p in pairs),
            stats=self.stats,
        )

    def _scored_pairs(self, flow_c: np.ndarray, flow_g: np.ndarray) -> list[Pair]:
        """The pairs made, each with the score and reasons of the place it takes.

        A mentor's places go out in candidate-id order, the first scored with all
        the mentor's free places. Tens of thousands of pairs share far fewer
        combinations of what a score and its reasons show, so each combination
        is scored (by ``score()``, the one scorer) once. A name counts only
        where a reason shows it: the sorts of organisation only when they
        differ, the region only for the same region or meeting in person, the
        regulations only when the mentor is up to date with them.
        """
        ca, pool = self.ca, self.pool
        if not len(flow_c):
            return []
        order = np.lexsort((ca.ids[flow_c], flow_g))
        c, g = flow_c[order], flow_g[order]
        free = self.free[g] - (np.arange(len(g)) - np.searchsorted(g, g))
        choice_rank = np.zeros(len(c), dtype=np.int64)
        for i in np.flatnonzero(np.isin(c, self.choices.candidate)).tolist():
            chosen = self.records[c[i]].choices
            mentor_id = int(pool.ids[g[i]])
            choice_rank[i] = chosen.index(mentor_id) + 1 if mentor_id in chosen else 0
        records = [self.records[i] for i in c.tolist()]
        mentors = [self.index.records[p] for p in self.index.open_positions[g]]

        def name_codes(names: list[str]) -> np.ndarray:
            codes: dict[str, int] = {}
            return np.fromiter(
                (codes.setdefault(n, len(codes)) for n in names), np.int64, len(names)
            )

        different_type = (
            (ca.organisation_type_id[c] != pool.organisation_type_id[g])
            & (ca.organisation_type_id[c] >= 0)
            & (pool.organisation_type_id[g] >= 0)
        )
        shared_bits = shared_mode_bits_vector(ca, c, pool, g)
        same_region = (ca.region_id[c] == pool.region_id[g]) & (ca.region_id[c] >= 0)
        up_to_date = up_to_date_vector(ca, c, pool, g)
        in_person = (shared_bits & MODE_BITS["in_person"]) > 0
        types = name_codes(
            [
                f"{r.organisation_type_name}\0{m.organisation_type_name}"
                for r, m in zip(records, mentors, strict=True)
            ]
        )
        regions = name_codes([r.region_name for r in records])
        versions = name_codes([r.regulations_name for r in records])
        facts = np.stack(
            [
                different_type,
                (ca.organisation_id[c] == pool.organisation_id[g])
                & (ca.organisation_id[c] >= 0),
                shared_bits,
                same_region,
                up_to_date,
                free,
                choice_rank,
                np.where(different_type, types, -1),
                np.where(same_region | in_person, regions, -1),
                np.where(up_to_date, versions, -1),
            ],
            axis=1,
        )
        _, first, kind = np.unique(
            _row_keys(facts), return_index=True, return_inverse=True
        )
        scored = [
            score(records[i], mentors[i], self.weights, free_places=int(free[i]))
            for i in first.tolist()
        ]
        scored = [(value, tuple(reasons)) for value, reasons in scored]
        candidate_ids, mentor_ids = ca.ids[c].tolist(), pool.ids[g].tolist()
        return [
            Pair(candidate_id, mentor_id, *scored[k])
            for candidate_id, mentor_id, k in zip(
                candidate_ids, mentor_ids, kind.ravel().tolist(), strict=True
            )
        ]

    def _unmatched_codes(self, matched: np.ndarray) -> Iterator[tuple[int, str]]:
        """Why each unmatched candidate is unmatched, in candidate order.

        Most candidates can be answered from counts of ready mentors per level;
        only those who might be barred from some of them (they are a mentor, their
        line manager is, or they excluded someone) are checked one by one.
        """
        ca, index = self.ca, self.index
        ready_members = np.unique(index.arrays.member_ids[index.ready])
        rank = np.clip(ca.min_mentor_rank, 1, len(index.ready_from_rank) - 1)
        any_ready = index.ready_from_rank[rank] > 0
        if index.ready_from_rank_for:
            for q in np.unique(ca.qualification_id).tolist():
                rows = ca.qualification_id == q
                counts = index.ready_counts(q if q >= 0 else None)
                any_ready[rows] = counts[rank[rows]] > 0
        excluding = np.fromiter(
            (bool(r.excluded_mentor_ids) for r in self.records), bool, len(self.records)
        )
        careful = (
            np.isin(ca.member_ids, ready_members)
            | np.isin(ca.line_manager_member_id, ready_members)
            | np.isin(ca.declared_line_manager_member_id, ready_members)
            | excluding
        )
        uses = ca.qualification_uses_mentors.tolist()
        mentored = ca.has_active_relationship.tolist()
        complete = ca.mentoring_complete.tolist()
        submitted = ca.portfolio_submitted.tolist()
        careful, any_ready = careful.tolist(), any_ready.tolist()
        for i in np.flatnonzero(~matched).tolist():
            if not uses[i]:
                yield i, "qualification_without_mentors"
            elif mentored[i]:
                yield i, "already_mentored"
            elif complete[i]:
                yield i, "mentoring_complete"
            elif submitted[i]:
                yield i, "portfolio_submitted"
            elif careful[i]:
                yield i, index.no_suggestion_reason(self.records[i])
            elif any_ready[i]:
                yield i, "all_allowed_full"
            else:
                yield i, "no_allowed_mentor"


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One integer per row of small integers (at least -1), equal exactly for
    equal rows: a one-column ``np.unique`` is many times faster than by rows.
    Rows too wide for one integer are numbered by ``np.unique`` by rows."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    shifted = rows + 1
    radix = shifted.max(axis=0) + 1
    if math.prod(int(r) for r in radix) >= 1 << 62:
        return np.unique(rows, axis=0, return_inverse=True)[1].ravel()
    key = np.zeros(len(rows), dtype=np.int64)
    for column, base in zip(shifted.T, radix.tolist(), strict=True):
        key = key * base + column
    return key


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

    Exactly optimal (see ``flow``); never breaks a rule, a free place or an
    exclusion. Each pair's score is the score of the place it takes: a mentor's
    places are handed out in candidate-id order, the first scored with all the
    mentor's free places, the next with one fewer (load balance), so the pairs'
    scores add up to ``total_score``. Every candidate not paired is in
    ``unmatched`` with a code from ``UNMATCHED_REASONS``.

    ``progress(stage, done, total)`` is called with the stages "prepare",
    "solve" (once per round: the round), "matched" (after each round: candidates
    matched so far, of those who may be), "price" and "finish". ``method`` is for tests and
    benchmarks: "full" lists every allowed pair, "pricing" uses column
    generation, "auto" picks by size; both are exact. ``stats`` reports rounds,
    arcs and timings (``ms_*``).
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
    remaining = index.open.free_places.copy()
    pairs: list[Pair] = []
    unmatched: list[Unmatched] = []
    for i, candidate in enumerate(sorted(candidates, key=lambda c: c.id)):
        if i % 256 == 0:  # drop mentors filled meanwhile: later queries are faster
            live = np.flatnonzero(remaining > 0)
            pool = index.open.take(live)
        mask = remaining[live] > 0
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
        values = score_vector(candidate, pool, weights, free_places=remaining[live])
        g = int(live[np.flatnonzero(mask)[np.argmax(values[mask])]])
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
