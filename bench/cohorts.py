"""Synthetic national cohorts for the matching benchmark and the engine's tests.

``make_instance(n_candidates, n_mentors, profile=...)`` gives candidates, mentors
and the weights a body would use, deterministic for a seed (seeded numpy). The
profiles span what a body could see on its unmatched backlog:

* ``scarce``: few free places (about a quarter of demand), 12 regions, 11
  organisation types, about 300 organisations per 3,000 members, mentor
  capacities 1-3 with some full, paused, untrained or lapsed, about 10% of
  candidates with a line manager who is a mentor, some with ranked choices or
  mentors they may not ask again.
* ``plentiful``: the same people after a good recruitment year: nearly every
  mentor able to take someone, about 80% of pairs allowed, free places equal to
  demand; ``plentiful-3x``: three times demand.
* ``ties``: nearly everyone may mentor nearly everyone and most pairs score the
  same (two regions, no organisations recorded, everyone meets by email).
* ``regional``: a strong same-region weight, with mentors concentrated in a few
  regions, so some regions have far too few places and others too many.
* ``one-best``: a handful of mentors who are every candidate's best (another
  sort of organisation, every way of meeting, up to date, many places), the rest
  ordinary; free places equal to demand.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from mentorscheme.scheme.records import (
    MEETING_MODES,
    CandidateRecord,
    MentorRecord,
    Weights,
)

MODE_CODES = list(MEETING_MODES)
MODE_PROBABILITY = np.array([0.85, 0.35, 0.6, 0.45, 0.3, 0.05])
REGION_SHARE = np.array([16, 11, 10, 9, 9, 8, 8, 7, 7, 6, 5, 4], dtype=float)
TYPE_SHARE = np.array([22, 20, 12, 9, 8, 8, 7, 5, 4, 3, 2], dtype=float)


@dataclass(frozen=True)
class Profile:
    #: Free places as a multiple of the candidates who may be matched; None keeps
    #: the scarce capacities (1-3 places, about a third taken).
    supply: float | None = None
    #: Chance a mentor passes each of the mentor-only gates.
    mentor_ok: float | None = None
    mentor_levels: tuple[float, float, float] = (0.1, 0.7, 0.2)
    #: Qualifications: needs level 1, 2, 3, or no mentor.
    qualifications: tuple[float, float, float, float] = (0.3, 0.55, 0.1, 0.05)
    #: Where mentors' organisations are, by region (None: like everyone else).
    mentor_regions: tuple[float, ...] | None = None
    ties: bool = False
    stars: int = 0
    weights: Weights = Weights()


PROFILES: dict[str, Profile] = {
    "scarce": Profile(),
    "plentiful": Profile(
        supply=1.0,
        mentor_ok=0.99,
        mentor_levels=(0.05, 0.55, 0.4),
        qualifications=(0.35, 0.55, 0.07, 0.03),
    ),
    "plentiful-3x": Profile(
        supply=3.0,
        mentor_ok=0.99,
        mentor_levels=(0.05, 0.55, 0.4),
        qualifications=(0.35, 0.55, 0.07, 0.03),
    ),
    "ties": Profile(
        supply=1.0,
        mentor_ok=0.995,
        mentor_levels=(0.0, 0.2, 0.8),
        qualifications=(0.5, 0.5, 0.0, 0.0),
        ties=True,
    ),
    "regional": Profile(
        supply=1.0,
        mentor_ok=0.99,
        mentor_levels=(0.05, 0.55, 0.4),
        qualifications=(0.35, 0.55, 0.07, 0.03),
        mentor_regions=(40, 20, 10, 6, 5, 4, 4, 3, 3, 2, 2, 1),
        weights=Weights(same_region=10.0),
    ),
    "one-best": Profile(
        supply=1.0,
        mentor_ok=0.99,
        mentor_levels=(0.05, 0.55, 0.4),
        qualifications=(0.35, 0.55, 0.07, 0.03),
        stars=5,
    ),
}


def _modes(rng: np.random.Generator, n: int, ties: bool) -> list[frozenset[str]]:
    if ties:
        return [frozenset({"email"})] * n
    picks = rng.random((n, len(MODE_CODES))) < MODE_PROBABILITY
    picks[~picks.any(axis=1), 0] = True  # everyone can at least email
    cache: dict[bytes, frozenset[str]] = {}
    out = []
    for row in picks:
        key = row.tobytes()
        if key not in cache:
            cache[key] = frozenset(
                c for c, on in zip(MODE_CODES, row, strict=True) if on
            )
        out.append(cache[key])
    return out


def _share(p: tuple[float, ...] | np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return p / p.sum()


def make_instance(
    n_candidates: int, n_mentors: int, seed: int = 7, profile: str = "scarce"
) -> tuple[list[CandidateRecord], list[MentorRecord], Weights]:
    shape = PROFILES[profile]
    rng = np.random.default_rng(seed)
    members = n_candidates + n_mentors
    n_orgs = max(members // 10, 5)
    regions = 2 if shape.ties else 12
    region_share = _share(REGION_SHARE[:regions])
    org_region = rng.choice(regions, n_orgs, p=region_share) + 1
    org_type = rng.choice(11, n_orgs, p=_share(TYPE_SHARE)) + 1
    org_weight = rng.pareto(1.5, n_orgs) + 1  # a few big employers, many small

    def orgs(n: int, by_region: np.ndarray | None = None) -> np.ndarray:
        p = org_weight.copy()
        if by_region is not None:
            p *= by_region[org_region - 1] / region_share[org_region - 1]
        o = rng.choice(n_orgs, n, p=p / p.sum())
        o[rng.random(n) < 0.04] = -1  # between jobs, or not recorded
        return o

    # Mentors: member ids after the candidates'; 2% are also candidates.
    mentor_regions = (
        _share(shape.mentor_regions) if shape.mentor_regions is not None else None
    )
    m_org = orgs(n_mentors, mentor_regions)
    m_member = np.arange(n_mentors) + n_candidates + 1
    also_candidate = rng.random(n_mentors) < 0.02
    m_member[also_candidate] = rng.choice(n_candidates, also_candidate.sum()) + 1
    m_level = rng.choice([1, 2, 3], n_mentors, p=_share(shape.mentor_levels))
    capacity = rng.choice([1, 2, 3], n_mentors, p=[0.3, 0.45, 0.25])
    active = rng.binomial(capacity, 0.35)
    flags = rng.random((n_mentors, 6))
    gate = [0.96, 0.9, 0.88, 0.92, 0.9]
    if shape.mentor_ok is not None:
        gate = [shape.mentor_ok] * 5
    m_modes = _modes(rng, n_mentors, shape.ties)
    up_to_date = flags[:, 5] < 0.6

    # Candidates.
    c_org = orgs(n_candidates)
    qualification = rng.choice(4, n_candidates, p=_share(shape.qualifications))
    min_rank = np.array([1, 2, 3, 0])[qualification]
    c_modes = _modes(rng, n_candidates, shape.ties)
    draws = rng.random((n_candidates, 6))
    if shape.ties:
        draws[:, 0] = 1.0  # no line managers who mentor
        draws[:, 1] = 1.0  # nobody already mentored
        draws[:, 3] = 1.0  # no ranked choices
        draws[:, 5] = 1.0  # nobody excluded

    if shape.supply is not None:
        open_ = np.all(flags[:, :5] < np.array(gate), axis=1)
        demand = int(((min_rank > 0) & (draws[:, 1] >= 0.1)).sum())
        places = max(int(round(shape.supply * demand)), 1)
        share = rng.random(n_mentors) + 0.5
        share[~open_] = 0
        free = np.floor(share / max(share.sum(), 1e-9) * places).astype(np.int64)
        short = places - int(free.sum())
        if short > 0 and open_.any():
            free[rng.choice(np.flatnonzero(open_), short)] += 1
        active = rng.binomial(3, 0.2, n_mentors)
        capacity = active + np.maximum(free, 0)
        capacity[open_ & (capacity == 0)] = 1

    star = np.zeros(n_mentors, dtype=bool)
    star[: min(shape.stars, n_mentors)] = True
    if shape.stars:
        stars_places = max(n_candidates // 200, 3)
        capacity[star] = stars_places
        active[star] = 0
        up_to_date[star] = True
        m_level[star] = 3

    def mentor_org(i: int):
        if star[i]:
            return None, None, 99  # another sort of organisation from everyone
        if m_org[i] < 0 or shape.ties:
            region = int(org_region[m_org[i]]) if m_org[i] >= 0 else None
            return region, None, None
        o = int(m_org[i])
        return int(org_region[o]), o + 1, int(org_type[o])

    mentors = []
    for i in range(n_mentors):
        region, organisation, org_type_id = mentor_org(i)
        mentors.append(
            MentorRecord(
                id=i + 1,
                member_id=int(m_member[i]),
                level_rank=int(m_level[i]),
                registration_current=bool(star[i] or flags[i, 0] < gate[0]),
                trained=bool(star[i] or flags[i, 1] < gate[1]),
                workshop_attended=bool(star[i] or flags[i, 2] < gate[2]),
                listed=bool(star[i] or flags[i, 3] < gate[3]),
                accepting=bool(star[i] or flags[i, 4] < gate[4]),
                capacity=int(capacity[i]),
                active_mentees=int(min(active[i], capacity[i])),
                region_id=region,
                organisation_id=organisation,
                organisation_type_id=org_type_id,
                meeting_modes=frozenset(MODE_CODES) if star[i] else m_modes[i],
                # Briefed on the current regulations (2); a quarter of them also
                # on the earlier ones (1) some candidates are still under.
                up_to_date_for=(frozenset({1, 2}) if i % 4 == 0 else frozenset({2}))
                if up_to_date[i]
                else frozenset(),
            )
        )

    mentors_by_org: dict[int, list[int]] = {}
    for i, o in enumerate(m_org):
        mentors_by_org.setdefault(int(o), []).append(i)
    mentors_by_region: dict[int, np.ndarray] = {}
    m_region = np.array([m.region_id or 0 for m in mentors])
    for r in range(1, regions + 1):
        mentors_by_region[r] = np.flatnonzero(m_region == r)
    candidates = []
    for i in range(n_candidates):
        o = int(c_org[i])
        region = int(org_region[o]) if o >= 0 else None
        line_manager = None
        if draws[i, 0] < 0.10:  # managed by a mentor, usually a colleague
            colleagues = mentors_by_org.get(o, []) if o >= 0 else []
            pick = colleagues if colleagues and draws[i, 1] < 0.8 else range(n_mentors)
            line_manager = int(m_member[pick[int(draws[i, 2] * len(pick))]])
        elif draws[i, 0] < 0.40:  # managed by someone who does not mentor
            line_manager = members + 1 + i
        choices: tuple[int, ...] = ()
        near = mentors_by_region.get(region, ()) if region is not None else ()
        if draws[i, 3] < 0.15 and len(near):
            k = 1 + int(draws[i, 4] * 3)
            choices = tuple(
                int(x) + 1 for x in rng.choice(near, min(k, len(near)), False)
            )
        excluded: frozenset[int] = frozenset()
        if draws[i, 5] < 0.05:
            excluded = frozenset(int(x) + 1 for x in rng.choice(n_mentors, 2, False))
        known_org = o >= 0 and not shape.ties
        candidates.append(
            CandidateRecord(
                id=i + 1,
                member_id=i + 1,
                qualification_uses_mentors=bool(qualification[i] != 3),
                min_mentor_rank=int(min_rank[i]),
                region_id=region,
                organisation_id=o + 1 if known_org else None,
                organisation_type_id=int(org_type[o]) if known_org else None,
                line_manager_member_id=line_manager,
                meeting_modes=c_modes[i],
                has_active_relationship=bool(
                    draws[i, 1] < 0.1 and line_manager is None
                ),
                choices=choices,
                excluded_mentor_ids=excluded,
                # One candidate in ten stayed under the earlier regulations.
                regulations_id=1 if i % 10 == 0 else 2,
            )
        )
    return candidates, mentors, shape.weights


def regional_instance(
    n_candidates: int,
    n_mentors: int,
    most: int,
    seed: int = 7,
    profile: str = "scarce",
) -> tuple[list[CandidateRecord], list[MentorRecord], Weights]:
    """One region's backlog as an officer allocating for that region sees it: the
    candidates of one region of a national cohort against every mentor in the
    country (mentoring is remote). The region is the largest with at most
    ``most`` candidates; if every region has more, the first ``most`` of the
    smallest."""
    candidates, mentors, weights = make_instance(n_candidates, n_mentors, seed, profile)
    counts = Counter(c.region_id for c in candidates if c.region_id is not None)
    fitting = [r for r, n in counts.items() if n <= most]
    if fitting:
        region = max(fitting, key=lambda r: (counts[r], -r))
    else:
        region = min(counts, key=lambda r: (counts[r], r))
    return [c for c in candidates if c.region_id == region][:most], mentors, weights
