"""Benchmarks of the matching engine: suggestions and bulk allocation.

    python bench/bench_matching.py [--sizes small,medium,large] [--queries 200]

Each figure is measured in a fresh subprocess so one measurement's memory peak does
not pollute another's. Instances are synthetic and deterministic (seeded numpy):
12 regions, 11 organisation types, about 300 organisations per 3,000 members,
mentor capacities 1-3 with some full, paused, untrained or lapsed, about 10% of
candidates with a line manager who is a mentor, some with ranked choices or mentors
they may not ask again. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorscheme.matching.engine import (  # noqa: E402
    MentorIndex,
    allocate,
    allocate_greedy,
    suggest,
)
from mentorscheme.matching.records import (  # noqa: E402
    MEETING_MODES,
    CandidateRecord,
    MentorRecord,
)
from mentorscheme.scheme.recommendations import score  # noqa: E402

SIZES = {
    "small": (1_000, 300),
    "medium": (10_000, 3_000),
    "large": (50_000, 15_000),
}
#: The ``matching`` library's solver is pure Python; beyond this many pairs it
#: would take minutes, so it is skipped.
LIBRARY_MAX_PAIRS = 400_000

MODE_CODES = list(MEETING_MODES)
MODE_PROBABILITY = np.array([0.85, 0.35, 0.6, 0.45, 0.3, 0.05])
REGION_SHARE = np.array([16, 11, 10, 9, 9, 8, 8, 7, 7, 6, 5, 4], dtype=float)
TYPE_SHARE = np.array([22, 20, 12, 9, 8, 8, 7, 5, 4, 3, 2], dtype=float)


def _modes(rng: np.random.Generator, n: int) -> list[frozenset[str]]:
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


def make_instance(
    n_candidates: int, n_mentors: int, seed: int = 7
) -> tuple[list[CandidateRecord], list[MentorRecord]]:
    rng = np.random.default_rng(seed)
    members = n_candidates + n_mentors
    n_orgs = max(members // 10, 5)
    org_region = rng.choice(12, n_orgs, p=REGION_SHARE / REGION_SHARE.sum()) + 1
    org_type = rng.choice(11, n_orgs, p=TYPE_SHARE / TYPE_SHARE.sum()) + 1
    org_weight = rng.pareto(1.5, n_orgs) + 1  # a few big employers, many small

    def orgs(n: int) -> np.ndarray:
        o = rng.choice(n_orgs, n, p=org_weight / org_weight.sum())
        o[rng.random(n) < 0.04] = -1  # between jobs, or not recorded
        return o

    # Mentors: member ids after the candidates'; 2% are also candidates.
    m_org = orgs(n_mentors)
    m_member = np.arange(n_mentors) + n_candidates + 1
    also_candidate = rng.random(n_mentors) < 0.02
    m_member[also_candidate] = rng.choice(n_candidates, also_candidate.sum()) + 1
    m_level = rng.choice([1, 2, 3], n_mentors, p=[0.1, 0.7, 0.2])
    capacity = rng.choice([1, 2, 3], n_mentors, p=[0.3, 0.45, 0.25])
    active = rng.binomial(capacity, 0.35)
    flags = rng.random((n_mentors, 6))
    m_modes = _modes(rng, n_mentors)
    mentors = [
        MentorRecord(
            id=i + 1,
            member_id=int(m_member[i]),
            level_rank=int(m_level[i]),
            registration_current=bool(flags[i, 0] < 0.96),
            trained=bool(flags[i, 1] < 0.9),
            workshop_attended=bool(flags[i, 2] < 0.88),
            listed=bool(flags[i, 3] < 0.92),
            accepting=bool(flags[i, 4] < 0.9),
            capacity=int(capacity[i]),
            active_mentees=int(active[i]),
            region_id=int(org_region[m_org[i]]) if m_org[i] >= 0 else None,
            organisation_id=int(m_org[i]) + 1 if m_org[i] >= 0 else None,
            organisation_type_id=int(org_type[m_org[i]]) if m_org[i] >= 0 else None,
            meeting_modes=m_modes[i],
            up_to_date=bool(flags[i, 5] < 0.6),
        )
        for i in range(n_mentors)
    ]

    # Candidates.
    c_org = orgs(n_candidates)
    qualification = rng.choice(4, n_candidates, p=[0.3, 0.55, 0.1, 0.05])
    min_rank = np.array([1, 2, 3, 0])[qualification]
    c_modes = _modes(rng, n_candidates)
    mentors_by_org: dict[int, list[int]] = {}
    for i, o in enumerate(m_org):
        mentors_by_org.setdefault(int(o), []).append(i)
    mentors_by_region: dict[int, np.ndarray] = {}
    m_region = np.array([m.region_id or 0 for m in mentors])
    for r in range(1, 13):
        mentors_by_region[r] = np.flatnonzero(m_region == r)
    draws = rng.random((n_candidates, 6))
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
        if draws[i, 3] < 0.15 and region is not None:
            near = mentors_by_region[region]
            k = 1 + int(draws[i, 4] * 3)
            choices = tuple(
                int(x) + 1 for x in rng.choice(near, min(k, len(near)), False)
            )
        excluded: frozenset[int] = frozenset()
        if draws[i, 5] < 0.05:
            excluded = frozenset(int(x) + 1 for x in rng.choice(n_mentors, 2, False))
        candidates.append(
            CandidateRecord(
                id=i + 1,
                member_id=i + 1,
                qualification_uses_mentors=bool(qualification[i] != 3),
                min_mentor_rank=int(min_rank[i]),
                region_id=region,
                organisation_id=o + 1 if o >= 0 else None,
                organisation_type_id=int(org_type[o]) if o >= 0 else None,
                line_manager_member_id=line_manager,
                meeting_modes=c_modes[i],
                has_active_relationship=bool(
                    draws[i, 1] < 0.1 and line_manager is None
                ),
                choices=choices,
                excluded_mentor_ids=excluded,
            )
        )
    return candidates, mentors


# --- Measurements, each run in its own subprocess -----------------------------------


def _rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _eligible(candidates: list[CandidateRecord]) -> list[CandidateRecord]:
    return [
        c
        for c in candidates
        if c.qualification_uses_mentors and not c.has_active_relationship
    ]


def measure_suggest(size: str, queries: int) -> dict:
    candidates, mentors = make_instance(*SIZES[size])
    before = _rss_mb()
    start = time.perf_counter()
    index = MentorIndex.build(mentors)
    build = time.perf_counter() - start
    pool = _eligible(candidates)
    step = max(1, len(pool) // queries)
    times, cpu = [], []
    for candidate in pool[::step][:queries]:
        start, start_cpu = time.perf_counter(), time.process_time()
        suggest(candidate, index, 10)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    times.sort()
    return {
        "build_s": build,
        "median_ms": 1000 * times[len(times) // 2],
        "p95_ms": 1000 * times[int(len(times) * 0.95) - 1],
        "cpu_mean_ms": 1000 * sum(cpu) / len(cpu),
        "queries": len(times),
        "peak_mb": _rss_mb(),
        "delta_mb": _rss_mb() - before,
    }


def _summary(allocation, seconds: float, cpu: float, before: float) -> dict:
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "matched": allocation.matched,
        "score": allocation.total_score,
        "peak_mb": _rss_mb(),
        "delta_mb": _rss_mb() - before,
        "stats": dict(allocation.stats),
    }


def measure_allocate(size: str, greedy: bool = False) -> dict:
    candidates, mentors = make_instance(*SIZES[size])
    before = _rss_mb()
    start, start_cpu = time.perf_counter(), time.process_time()
    solve = allocate_greedy if greedy else allocate
    allocation = solve(candidates, mentors)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return _summary(allocation, seconds, cpu, before)


def measure_traced(size: str) -> dict:
    """Python-level peak (tracemalloc sees numpy buffers too); slower, so apart."""
    candidates, mentors = make_instance(*SIZES[size])
    tracemalloc.start()
    allocate(candidates, mentors)
    _, peak = tracemalloc.get_traced_memory()
    return {"traced_peak_mb": peak / 2**20}


def measure_library(size: str) -> dict:
    """The ``matching`` library's hospital-residents solver (a stable matching)."""
    from matching.games import HospitalResident

    from mentorscheme.scheme.eligibility import allowed_mask
    from mentorscheme.scheme.recommendations import score_vector

    candidates, mentors = make_instance(*SIZES[size])
    before = _rss_mb()
    start, start_cpu = time.perf_counter(), time.process_time()
    index = MentorIndex.build(mentors)
    pool = index.open
    resident_prefs: dict[int, list[int]] = {}
    hospital_rank: dict[int, list[tuple[float, int]]] = {}
    for c in _eligible(candidates):
        mask = allowed_mask(c, pool) & ~np.isin(pool.ids, list(c.excluded_mentor_ids))
        if not mask.any():
            continue
        values = score_vector(c, pool)
        order = [i for i in np.lexsort((pool.ids, -values)) if mask[i]]
        resident_prefs[c.id] = [int(pool.ids[i]) for i in order]
        for i in order:
            hospital_rank.setdefault(int(pool.ids[i]), []).append((-values[i], c.id))
    hospital_prefs = {
        m: [cid for _, cid in sorted(r)] for m, r in hospital_rank.items()
    }
    capacities = {
        int(m): int(f) for m, f in zip(pool.ids, pool.free_places, strict=True)
    }
    capacities = {m: capacities[m] for m in hospital_prefs}

    def solve() -> None:
        game = HospitalResident.create_from_dictionaries(
            resident_prefs, hospital_prefs, capacities
        )
        found.append(game.solve(optimal="resident"))

    # The library deep-copies its object graph recursively: give it a deep stack.
    found: list = []
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(1 << 29)
    thread = threading.Thread(target=solve)
    thread.start()
    thread.join()
    solution = found[0]
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    by_id = {c.id: c for c in candidates}
    mentor_by_id = {m.id: m for m in mentors}
    total, matched = [], 0
    for hospital, residents in solution.items():
        m = mentor_by_id[hospital.name]
        for k, cid in enumerate(sorted(r.name for r in residents)):
            total.append(score(by_id[cid], m, free_places=m.free_places - k)[0])
            matched += 1
    return {
        "seconds": seconds,
        "cpu_s": cpu,
        "matched": matched,
        "score": math.fsum(total),
        "peak_mb": _rss_mb(),
        "delta_mb": _rss_mb() - before,
    }


WORKERS = {
    "suggest": measure_suggest,
    "allocate": measure_allocate,
    "greedy": lambda size: measure_allocate(size, greedy=True),
    "traced": measure_traced,
    "library": measure_library,
}


def _run(kind: str, size: str, *extra: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, size, *extra],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _library_available() -> bool:
    try:
        import matching.games  # noqa: F401
    except ImportError:
        return False
    return True


def _row(*cells: object) -> str:
    widths = (7, 22, 40, 8, 11, 15, 30)
    return "  ".join(
        str(c).ljust(w) for c, w in zip(cells, widths, strict=False)
    ).rstrip()


def _ratios(other: dict, best: dict) -> str:
    return "time x{:.2f}, matched {:.3f}, score {:.3f}".format(
        other["seconds"] / best["seconds"],
        other["matched"] / max(best["matched"], 1),
        other["score"] / best["score"] if best["score"] else float("nan"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, size = args.worker[:2]
        result = (
            measure_suggest(size, args.queries)
            if kind == "suggest"
            else WORKERS[kind](size)
        )
        print(json.dumps(result))
        return

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    library = _library_available()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Matching engine benchmark: {os.cpu_count()} CPUs, load average {load}."
        " Times are wall clock (process CPU time in brackets)."
    )
    print(
        _row(
            "size",
            "measurement",
            "time",
            "matched",
            "total score",
            "peak RSS (+)",
            "vs optimal",
        )
    )
    print("-" * 140)
    notes = []
    for size in sizes:
        n_cand, n_ment = SIZES[size]
        label = f"{size}"
        s = _run("suggest", size, "--queries", str(args.queries))
        print(
            _row(
                label,
                f"suggest ({s['queries']} queries)",
                f"median {s['median_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms"
                f" (cpu {s['cpu_mean_ms']:.2f})",
                "",
                "",
                f"{s['peak_mb']:.0f} MB (+{s['delta_mb']:.0f})",
                f"index built in {s['build_s']:.2f} s",
            )
        )
        best = _run("allocate", size)
        traced = _run("traced", size)
        stats = best["stats"]
        print(
            _row(
                "",
                "allocate (optimal)",
                f"{best['seconds']:.2f} s (cpu {best['cpu_s']:.2f})",
                best["matched"],
                f"{best['score']:.2f}",
                f"{best['peak_mb']:.0f} MB (+{best['delta_mb']:.0f})",
                f"{stats.get('method')}, {stats.get('rounds')} round(s), "
                f"traced peak {traced['traced_peak_mb']:.0f} MB",
            )
        )
        greedy = _run("greedy", size)
        print(
            _row(
                "",
                "greedy baseline",
                f"{greedy['seconds']:.2f} s (cpu {greedy['cpu_s']:.2f})",
                greedy["matched"],
                f"{greedy['score']:.2f}",
                f"{greedy['peak_mb']:.0f} MB (+{greedy['delta_mb']:.0f})",
                _ratios(greedy, best),
            )
        )
        if not library:
            notes.append("the `matching` library is not installed: comparison skipped")
        elif n_cand * n_ment > LIBRARY_MAX_PAIRS:
            print(_row("", "matching lib (HR)", "skipped: minutes at this size"))
        else:
            lib = _run("library", size)
            print(
                _row(
                    "",
                    "matching lib (HR)",
                    f"{lib['seconds']:.2f} s (cpu {lib['cpu_s']:.2f})",
                    lib["matched"],
                    f"{lib['score']:.2f}",
                    f"{lib['peak_mb']:.0f} MB (+{lib['delta_mb']:.0f})",
                    _ratios(lib, best),
                )
            )
        print(
            _row(
                "",
                f"({n_cand:,} candidates x {n_ment:,} mentors)",
            )
        )
    for note in notes:
        print(f"Note: {note}.")
    print(
        "Ratios are other / optimal (wall time): time above 1 is slower, matched or"
        " score below 1 is worse.\nThe library's time includes building its"
        " preference lists; its score is computed with our scorer."
    )


if __name__ == "__main__":
    main()
