"""Best partners over every allowed pair, without listing the pairs.

A national run has about 750 million candidate-mentor pairs. Column generation
(``flow``) needs two questions answered over all of them:

* *pricing*: given potentials from a solved network, which left-out pairs
  (c, m) have ``points(c, m) + mentor_potential[m] > candidate_potential[c]``,
  i.e. would improve the allocation? (``MentorSearch.violating_arcs``)
* *a starting set*: each candidate's best few mentors, each mentor's best few
  candidates.

Points depend on a few features only (level, region, organisation type, ways of
meeting, the version of the regulations), so both are answered by classes; the
few versions of the regulations are taken one at a time. ``class_bound`` folds a
table over the other side's classes, one feature at a time, into an upper bound
of each item's best value: most candidates are cleared by it at once. For the
rest, candidates alike share short lists of their best mentors anywhere and in
each region (``MentorSearch._class_lists``), ranked by an upper bound; each listed
mentor is then valued exactly for the candidate, counting who is barred and the
same-organisation penalty, which only lower a value. Work and memory grow with
classes times mentors, never with all pairs.
"""

from __future__ import annotations

import functools
from typing import Final

import numpy as np

from mentorscheme.matching.network import Arcs, mix, rank_order
from mentorscheme.scheme import eligibility
from mentorscheme.scheme.recommendations import (
    SHARED,
    Scoring,
    pair_points,
    up_to_date_mask,
)
from mentorscheme.scheme.records import MODE_BITS, CandidateArrays, MentorArrays

#: Below any real value: "no such pair".
NOTHING: Final[int] = -(1 << 60)
#: Work in blocks of about this many pairs, to bound memory.
CHUNK_PAIRS: Final[int] = 4_000_000
#: How many of a class's best mentors are listed, anywhere and per region.
LIST_DEPTH: Final[int] = 12
#: Each mentor keeps, of the candidates offered to it in one round, as many as
#: its free places plus this many (so that candidates alike do not all crowd
#: onto the same few mentors).
MENTOR_EXTRA: Final[int] = 1
_IN_PERSON_BIT: Final[int] = MODE_BITS["in_person"]


class MentorSearch:
    """Searches over eligible candidates and open mentors for the best pairs.

    ``excluded_keys`` are the sorted ``candidate * len(mentors) + mentor`` keys of
    pairs never to make (a mentor the candidate may not ask again).
    """

    def __init__(
        self,
        *,
        candidates: CandidateArrays,
        mentors: MentorArrays,
        scoring: Scoring,
        excluded_keys: np.ndarray,
        stats: dict[str, int | str],
    ) -> None:
        self.candidates = candidates
        self.mentors = mentors
        self.scoring = scoring
        self.excluded_keys = excluded_keys
        self.free = mentors.free_places
        self.stats = stats
        #: Per candidate position: whether they excluded some open mentor.
        self.excluding = np.zeros(len(candidates), dtype=bool)
        self.excluding[excluded_keys // max(len(mentors), 1)] = True

    # -- the rules for a block of pairs --

    def not_excluded(self, c: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Only pairs whose candidate excluded someone are looked up: a few in a
        hundred, so a block of millions of pairs costs a mask, not a search."""
        ok = np.ones(np.broadcast(c, m).shape, dtype=bool)
        if not len(self.excluded_keys):
            return ok
        c, m = np.broadcast_arrays(c, m)
        look = self.excluding[c]
        key = c[look] * len(self.mentors) + m[look]
        at = np.searchsorted(self.excluded_keys, key)
        at = np.minimum(at, len(self.excluded_keys) - 1)
        ok[look] = self.excluded_keys[at] != key
        return ok

    def allowed(self, c: np.ndarray, m: np.ndarray) -> np.ndarray:
        """Rules 2 and 5 and exclusions (candidates are eligible, mentors open)."""
        ok = eligibility.pair_rules_pass(self.candidates, c, self.mentors, m)
        return ok & self.not_excluded(c, m)

    def points(self, c: np.ndarray, m: np.ndarray) -> np.ndarray:
        return pair_points(self.candidates, c, self.mentors, m, self.scoring)

    def candidate_features(self, c: np.ndarray) -> tuple[np.ndarray, ...]:
        """What ``class_bound`` needs of candidates: level, region, type, modes."""
        ca = self.candidates
        return (
            ca.min_mentor_rank[c],
            ca.region_id[c],
            ca.organisation_type_id[c],
            ca.modes[c],
        )

    def by_regulations(self, c: np.ndarray):
        """These candidates split by the version of the regulations they are
        under (-1: none): (version, those candidates), a few at most."""
        regulations = self.candidates.regulations_id[c]
        for value in np.unique(regulations).tolist():
            yield value, c[regulations == value]

    def up_to_date_points(self, regulations: int) -> np.ndarray:
        """Per open mentor, what being up to date with this version is worth."""
        version = regulations if regulations >= 0 else None
        return up_to_date_mask(version, self.mentors) * self.scoring.up_to_date_points

    def mentor_features(self) -> tuple[np.ndarray, ...]:
        m = self.mentors
        return (m.level_rank, m.region_id, m.organisation_type_id, m.modes)

    # -- pricing --

    def violating_arcs(
        self,
        candidates: np.ndarray,
        candidate_potential: np.ndarray,
        mentor_potential: np.ndarray,
        per_candidate: np.ndarray,
    ) -> Arcs:
        """Left-out pairs with ``points + mentor_potential > candidate_potential``.

        ``candidate_potential`` is per candidate position, ``mentor_potential``
        per open mentor, ``per_candidate`` (aligned with ``candidates``) the most
        arcs to add for each. Arcs already in the network never qualify (their
        reduced cost was checked), so a candidate violates exactly when its best
        allowed mentor, valued ``points + mentor_potential``, beats its
        potential. ``class_bound`` (over all mentors, ignoring who is barred)
        clears most candidates; the rest, the "suspects", get their best mentors
        found exactly. Every violation has its candidate among the suspects, so
        when this returns nothing the flow is optimal for the whole problem.
        """
        bound = np.full(len(candidates), NOTHING, dtype=np.int64)
        regulations = self.candidates.regulations_id[candidates]
        for version in np.unique(regulations).tolist():
            alike = regulations == version
            bound[alike] = class_bound(
                *self.candidate_features(candidates[alike]),
                *self.mentor_features(),
                mentor_potential + self.up_to_date_points(version),
                self.scoring,
                "other_above",
            )
        suspect = bound > candidate_potential[candidates]
        self.stats["suspects"] = int(self.stats.get("suspects", 0)) + int(suspect.sum())
        if not suspect.any():
            return Arcs.empty()
        return self.best_mentors(
            candidates[suspect],
            mentor_potential,
            candidate_potential,
            per_candidate[suspect],
        )

    # -- each candidate's best mentors --

    def best_mentors(
        self,
        candidates: np.ndarray,
        mentor_value: np.ndarray,
        floor: np.ndarray | None,
        per_candidate: np.ndarray,
    ) -> Arcs:
        """Each candidate's best allowed mentors by ``points + mentor_value``.

        With ``floor`` (per candidate position), only mentors beating the
        candidate's floor: each candidate's ``per_candidate`` best of them
        (aligned with ``candidates``) and each mentor's best few (``select``);
        any candidate with a mentor beating its floor gets at least one. Without,
        the same over all allowed mentors.

        Candidates alike share two short lists of mentors ranked by an upper
        bound (``_class_lists``): the best anywhere and the best in their
        region. Each listed mentor is then valued exactly for the candidate. A
        mentor left off a list is worth at most the lowest bound on that list,
        so once the best exact value found reaches both lists' lowest bounds, it
        is the best over all mentors. The few candidates for whom it does not,
        and those wanting more mentors than the lists hold, are searched in full.
        """
        if not len(candidates):
            return Arcs.empty()
        want = np.zeros(len(self.candidates), dtype=np.int64)
        want[candidates] = per_candidate
        deep = per_candidate > 2 * LIST_DEPTH
        found = self._best_by_class_lists(candidates[~deep], mentor_value, floor)
        rest = np.concatenate([found.pop(), candidates[deep]])
        self.stats["searched_in_full"] = int(
            self.stats.get("searched_in_full", 0)
        ) + len(rest)
        if len(rest):
            found.append(self._best_in_full(rest, mentor_value, floor, want[rest]))
        c, m, value = (np.concatenate([f[i] for f in found]) for i in range(3))
        c, m = self.select(c, m, value - (0 if floor is None else floor[c]), want[c])
        return Arcs(c, m, self.points(c, m))

    def _best_by_class_lists(
        self, candidates: np.ndarray, mentor_value: np.ndarray, floor: np.ndarray | None
    ) -> list:
        """Offers (candidate, mentor, value) from the class lists; last item: the
        candidates the lists could not settle."""
        ca, T = self.candidates, LIST_DEPTH
        found: list = [tuple(np.zeros(0, dtype=np.int64) for _ in range(3))]
        unsettled: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
        if not len(candidates):
            return [*found, unsettled[0]]
        _, _, region_code = self._mentors_by_region
        qualification = ca.qualification_id[candidates]
        if self.mentors.supports_any.all():
            qualification = np.full(len(candidates), -1, dtype=np.int64)
        regulations = ca.regulations_id[candidates]
        if not self.scoring.up_to_date_points:
            regulations = np.full(len(candidates), -1, dtype=np.int64)
        features = np.stack(
            [
                ca.min_mentor_rank[candidates],
                ca.organisation_type_id[candidates],
                ca.modes[candidates],
                qualification,
                regulations,
            ]
        )
        classes, class_of = np.unique(features, axis=1, return_inverse=True)
        class_of = class_of.ravel()
        # A class's list in a region is made only where some of its candidates
        # live: (class, region) pairs, region -1 for none.
        n_codes = int(region_code.max(initial=-1)) + 2
        pairs, pair_of = np.unique(
            class_of * n_codes + region_code[candidates] + 1, return_inverse=True
        )
        pair_of = pair_of.ravel()
        anywhere, in_region = self._class_lists(
            classes, pairs // n_codes, pairs % n_codes - 1, mentor_value
        )
        lowest_anywhere, lowest_in_region = (
            np.where((listed >= 0).all(axis=1), bound.min(axis=1), NOTHING)
            for listed, bound in (anywhere, in_region)
        )
        step = max(1, CHUNK_PAIRS // (8 * T))
        for start in range(0, len(candidates), step):
            c = candidates[start : start + step]
            k = class_of[start : start + step]
            pair = pair_of[start : start + step]
            lists = np.concatenate([anywhere[0][k], in_region[0][pair]], axis=1)
            threshold = np.maximum(lowest_anywhere[k], lowest_in_region[pair])
            m = np.maximum(lists, 0)
            cc = c[:, None]
            ok = (lists >= 0) & self.allowed(np.broadcast_to(cc, m.shape), m)
            # One copy of a mentor listed twice.
            by_mentor = np.argsort(lists, axis=1, kind="stable")
            sorted_lists = np.take_along_axis(lists, by_mentor, axis=1)
            twice = np.zeros_like(ok)
            np.put_along_axis(
                twice,
                by_mentor[:, 1:],
                sorted_lists[:, 1:] == sorted_lists[:, :-1],
                axis=1,
            )
            ok &= ~twice
            value = np.where(ok, self.points(cc, m) + mentor_value[m], NOTHING)
            settled = value.max(axis=1) >= threshold
            unsettled.append(c[~settled])
            value, m, c = value[settled], m[settled], c[settled]
            above = value > (NOTHING // 2 if floor is None else floor[c][:, None])
            rows, cols = np.nonzero(above)
            found.append((c[rows], m[rows, cols], value[rows, cols]))
        found.append(np.concatenate(unsettled))
        return found

    def _best_in_full(
        self,
        candidates: np.ndarray,
        mentor_value: np.ndarray,
        floor: np.ndarray | None,
        depth: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Offers for a few candidates over every open mentor: each one's best
        ``max(depth, 2 * LIST_DEPTH)`` above its floor."""
        found = [tuple(np.zeros(0, dtype=np.int64) for _ in range(3))]
        n_mentors = len(self.mentors)
        m = np.arange(n_mentors)[None, :]
        step = max(1, CHUNK_PAIRS // max(n_mentors, 1))
        for start in range(0, len(candidates), step):
            c = candidates[start : start + step]
            k = min(
                max(int(depth[start : start + step].max()), 2 * LIST_DEPTH), n_mentors
            )
            cc = c[:, None]
            value = self.points(cc, m) + mentor_value[m]
            lowest = np.where(
                self.allowed(cc, m), np.negative(value, out=value), -NOTHING
            )
            top = np.argpartition(lowest, k - 1, axis=1)[:, :k]
            best = -np.take_along_axis(lowest, top, axis=1)
            above = best > (NOTHING // 2 if floor is None else floor[c][:, None])
            rows, cols = np.nonzero(above)
            found.append((c[rows], top[rows, cols], best[rows, cols]))
        return tuple(np.concatenate(x) for x in zip(*found, strict=True))  # type: ignore[return-value]

    def select(
        self, c: np.ndarray, m: np.ndarray, gain: np.ndarray, per_candidate: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Of candidate-mentor offers, each candidate's best ``per_candidate``
        (aligned with the offers) and each mentor's best ``free places +
        MENTOR_EXTRA``. Ties go by a fixed hash of the ids."""
        if not len(c):
            return c, m
        tie = mix(self.candidates.ids[c], self.mentors.ids[m])
        gain = gain - gain.min()
        keep = np.zeros(len(c), dtype=bool)
        for group, cap in ((c, per_candidate), (m, self.free[m] + MENTOR_EXTRA)):
            order = rank_order(group, gain, tie)
            sorted_group = group[order]
            nth = np.arange(len(order)) - np.searchsorted(sorted_group, sorted_group)
            keep[order[nth < cap[order]]] = True
        return c[keep], m[keep]

    @functools.cached_property
    def _mentors_by_region(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Open mentors ordered by region: the order, where each region's run
        starts (and the end), and each candidate's region as an index into them
        (-1: none, or a region without open mentors)."""
        mentors, ca = self.mentors, self.candidates
        regions = np.unique(mentors.region_id[mentors.region_id >= 0])
        code = np.where(
            mentors.region_id >= 0, np.searchsorted(regions, mentors.region_id), -1
        )
        # Mentors without a region last: they are in no region's list.
        key = np.where(code >= 0, code, len(regions))
        order = np.argsort(key, kind="stable")
        bounds = np.searchsorted(key[order], np.arange(len(regions) + 1), "left")
        at = np.minimum(np.searchsorted(regions, ca.region_id), len(regions) - 1)
        region_code = np.full(len(ca), -1, dtype=np.int64)
        if len(regions):
            known = (ca.region_id >= 0) & (regions[at] == ca.region_id)
            region_code[known] = at[known]
        return order, bounds, region_code

    def _class_lists(
        self,
        classes: np.ndarray,
        pair_class: np.ndarray,
        pair_region: np.ndarray,
        mentor_value: np.ndarray,
    ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """For candidate classes (rows of ``classes``: rank, organisation type,
        modes, qualification, regulations): their best mentors by an upper bound
        of ``points + mentor_value``, anywhere (one list per class) and in a
        region (one list per (``pair_class``, ``pair_region``) pair; region -1,
        none, gets an empty list).

        The bound leaves out the same-organisation penalty and who is barred,
        which only lower a value. Anywhere, it leaves out the region points and
        counts meeting in person only for mentors who meet in person outside
        their own region; in a region it counts the region points and meeting
        in person, as it is exact for a candidate there. A mentor whose level is
        too low, or who does not support the qualification, is ``NOTHING``.
        Each list is ``LIST_DEPTH`` mentor positions (-1 pads a short list) and
        their bounds: (positions, bounds), one row per list. Lists are sets: not
        in order.
        """
        rank, org_type, modes, qualification, regulations = classes
        order, bounds, _ = self._mentors_by_region
        mentors, s, T = self.mentors, self.scoring, LIST_DEPTH
        restricted = not bool(mentors.supports_any.all())
        # Each part of the bound as one row per value of the candidates' side,
        # over the mentors in region order: a class's row is then a few row
        # lookups and additions, not a pass of comparisons per part.
        (m_type, r_type), n_types = _dense(
            mentors.organisation_type_id[order], org_type
        )
        type_rows = np.zeros((n_types + 1, len(order)), dtype=np.int64)
        type_rows[:n_types] = (
            (np.arange(n_types)[:, None] != m_type[None, :]) & (m_type < n_types)
        ) * s.different_org_type_points
        m_modes = mentors.modes[order]
        # Regions a mentor meets in person in hold their own first: they travel
        # when some other region is listed too.
        regions_met = mentors.in_person_region_ids[order]
        travels = (
            (regions_met >= 0) & (regions_met != mentors.region_id[order][:, None])
        ).any(axis=1)
        all_modes = np.arange(64)[:, None]
        near_mode_rows = SHARED[all_modes & m_modes] * s.shared_mode_points
        near_mode_rows += s.same_region_points
        far_mode_rows = (
            SHARED[
                np.where(
                    travels, all_modes & m_modes, all_modes & m_modes & ~_IN_PERSON_BIT
                )
            ]
            * s.shared_mode_points
        )
        levels = int(max(rank.max(), 0)) + 1
        level_rows = np.where(
            mentors.level_rank[order][None, :] >= np.arange(levels)[:, None], 0, NOTHING
        )
        # Per version of the regulations among the classes, what each mentor's
        # being up to date with it is worth, with the mentor's value.
        versions, version_of = np.unique(regulations, return_inverse=True)
        value_rows = (
            np.stack([self.up_to_date_points(int(v))[order] for v in versions])
            + mentor_value[order][None, :]
        )
        version_of = version_of.ravel()
        # The parts that do not depend on the ways of meeting, summed once per
        # (version, level, organisation type) among the classes.
        parts, part_of = np.unique(
            np.stack([version_of, np.clip(rank, 0, None), r_type]),
            axis=1,
            return_inverse=True,
        )
        part_rows = value_rows[parts[0]] + level_rows[parts[1]] + type_rows[parts[2]]
        part_of = part_of.ravel()
        if restricted:
            supports_any = mentors.supports_any[order]
            chosen = mentors.qualification_ids[order]

        def best(rows: np.ndarray, lo: int, hi: int, near: bool) -> tuple:
            """Each class in ``rows``: its best ``T`` mentors among ``order[lo:hi]``."""
            listed = np.full((len(rows), T), -1, dtype=np.int64)
            bound = np.full((len(rows), T), NOTHING, dtype=np.int64)
            mode_rows = near_mode_rows if near else far_mode_rows
            # Half a block each: the sums below need a temporary of the same size.
            step = max(1, CHUNK_PAIRS // max(2 * (hi - lo), 1))
            for start in range(0, len(rows), step):
                k = rows[start : start + step]
                at = slice(start, start + step)
                value = part_rows[part_of[k], lo:hi]
                value += mode_rows[modes[k], lo:hi]
                if restricted:
                    ok = supports_any[None, lo:hi] | (
                        chosen[None, lo:hi, :] == qualification[k, None, None]
                    ).any(axis=2)
                    value[~ok] = NOTHING
                if hi - lo <= T:
                    listed[at, : hi - lo] = np.arange(lo, hi)
                    bound[at, : hi - lo] = value
                    continue
                # Negated in place, so that the partition needs no copy.
                np.negative(value, out=value)
                top = np.argpartition(value, T - 1, axis=1)[:, :T]
                listed[at] = top + lo
                bound[at] = -np.take_along_axis(value, top, axis=1)
            return listed, bound

        anywhere = best(np.arange(len(rank)), 0, len(order), near=False)
        in_region = (
            np.full((len(pair_class), T), -1, dtype=np.int64),
            np.full((len(pair_class), T), NOTHING, dtype=np.int64),
        )
        for r in np.unique(pair_region[pair_region >= 0]).tolist():
            here = np.flatnonzero(pair_region == r)
            found = best(pair_class[here], int(bounds[r]), int(bounds[r + 1]), True)
            for into, part in zip(in_region, found, strict=True):
                into[here] = part
        # Back to positions among the open mentors.
        return tuple(  # type: ignore[return-value]
            (np.where(listed >= 0, order[np.maximum(listed, 0)], -1), bound)
            for listed, bound in (anywhere, in_region)
        )

    # -- each mentor's best candidates --

    def best_candidates(
        self, candidates: np.ndarray, mentors: np.ndarray, wanted: np.ndarray
    ) -> Arcs:
        """Each given mentor's ``wanted`` (per open mentor) best allowed
        candidates among ``candidates``, by points."""
        found = [Arcs.empty()]
        if not len(candidates):
            return found[0]
        step = max(1, CHUNK_PAIRS // len(candidates))
        for start in range(0, len(mentors), step):
            m = mentors[None, start : start + step]
            c = candidates[:, None]
            value = self.points(c, m)
            # Best points first, then a fixed pseudo-random order.
            # Points stay below 2**30 (weights are at most 1000), ties get 24 bits.
            tie = mix(self.candidates.ids[c], self.mentors.ids[m]) >> 39
            key = np.where(self.allowed(c, m), (value << 24) + tie, NOTHING)
            k = min(int(wanted[m].max()), len(candidates))
            rows = np.argpartition(-key, k - 1, axis=0)[:k]
            cols = np.broadcast_to(np.arange(m.shape[1]), rows.shape)
            top = key[rows, cols]
            order = np.argsort(-top, axis=0, kind="stable")
            rows = np.take_along_axis(rows, order, axis=0)
            nth = np.broadcast_to(np.arange(k)[:, None], rows.shape)
            take = (np.take_along_axis(top, order, axis=0) > NOTHING) & (
                nth < wanted[m]
            )
            found.append(
                Arcs(
                    candidates[rows[take]],
                    m[0, cols[take]],
                    value[rows[take], cols[take]],
                )
            )
        return Arcs(
            *(np.concatenate([getattr(a, f) for a in found]) for f in Arcs.__slots__)
        )


def _dense(*columns: np.ndarray) -> tuple[list[np.ndarray], int]:
    """Map ids to 0..k-1 across columns; "none" (-1) becomes k."""
    values = np.unique(np.concatenate([c[c >= 0] for c in columns]))
    out = [np.where(c >= 0, np.searchsorted(values, c), len(values)) for c in columns]
    return out, len(values)


def class_bound(
    rank: np.ndarray,
    region: np.ndarray,
    org_type: np.ndarray,
    modes: np.ndarray,
    other_rank: np.ndarray,
    other_region: np.ndarray,
    other_type: np.ndarray,
    other_modes: np.ndarray,
    other_value: np.ndarray,
    s: Scoring,
    direction: str,
) -> np.ndarray:
    """Per item, an upper bound on max(points(item, other) + other_value).

    Items and others are the two sides (candidates and mentors, either way
    round). Only the level rule is applied (others of level at least the item's
    rank when ``direction`` is "other_above", at most when "other_below"); who is
    barred and the same-organisation penalty are ignored, and both only lower a
    score, so the bound is safe. Scores depend on few features, so the others go
    into a table by class (level, region, organisation type, ways of meeting)
    that is collapsed one feature at a time into the items' classes.
    """
    bound = np.full(len(rank), NOTHING, dtype=np.int64)
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
    table = np.full(shape, NOTHING, dtype=np.int64)
    np.maximum.at(
        table,
        (np.clip(other_rank, 0, None), o_region, o_type, other_modes),
        other_value,
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
    by_modes = np.full_like(flat, NOTHING)
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
        np.put_along_axis(rest, best[:, :, None, :], NOTHING, axis=2)
        second = rest.max(axis=2)
        for t in range(n_types):
            other = np.where(best == t, second, first)
            by_type[:, :, t, :] = np.maximum(
                other + s.different_org_type_points, any_type
            )
    r = np.clip(rank, 0, levels - 1)
    bound[:] = by_type[r, i_region, i_type, modes] + extra
    return bound
