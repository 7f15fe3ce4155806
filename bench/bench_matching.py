"""Benchmarks of the matching engine: suggestions and bulk allocation.

    python bench/bench_matching.py [--sizes small,region,medium,large]
        [--profiles scarce,plentiful,...] [--queries 200] [--full-max-pairs N]

Each figure is measured in a fresh subprocess so one measurement's memory peak does
not pollute another's. Instances are synthetic and deterministic (``cohorts``):
one profile per shape of cohort a body could see (scarce or plentiful places,
nearly everyone allowed with ties, strongly regional, many sharing one best
mentor). Each allocation is printed beside the greedy baseline and, where it is
feasible, a plain full-network solve (every allowed pair an arc: the independent
optimum). Work (rounds, arcs) is printed too: unlike times, it does not depend on
what else the machine is doing. Nothing here asserts a time; an allocation that
fails or is not the full network's optimum makes the run exit with status 1.
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

from bench.cohorts import PROFILES, make_instance, regional_instance  # noqa: E402
from mentorscheme.matching.engine import (  # noqa: E402
    MentorIndex,
    allocate,
    allocate_greedy,
    suggest,
)
from mentorscheme.scheme.recommendations import score  # noqa: E402
from mentorscheme.scheme.records import CandidateRecord  # noqa: E402

SIZES = {
    "small": (1_000, 300),
    #: One region's backlog: an officer allocating for a region, not the country,
    #: sees one region's candidates (at most 5,000, from the large cohort)
    #: against every mentor in the country (``_instance``).
    "region": (5_000, 15_000),
    "medium": (10_000, 3_000),
    "large": (50_000, 15_000),
}
#: The ``matching`` library's solver is pure Python; beyond this many pairs it
#: would take minutes, so it is skipped.
LIBRARY_MAX_PAIRS = 400_000
#: The plain full network lists every allowed pair: beyond this many pairs its
#: memory and time are out of reach (10,000 x 3,000 is 30 million).
FULL_MAX_PAIRS = 30_000_000

# --- Measurements, each run in its own subprocess -----------------------------------


def _instance(size: str, profile: str = "scarce"):
    if size == "region":
        n_candidates, n_mentors = SIZES["large"]
        most = SIZES["region"][0]
        return regional_instance(n_candidates, n_mentors, most, profile=profile)
    return make_instance(*SIZES[size], profile=profile)


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
    candidates, mentors, _ = _instance(size)
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


def measure_allocate(size: str, profile: str, method: str = "auto") -> dict:
    candidates, mentors, weights = _instance(size, profile)
    before = _rss_mb()
    start, start_cpu = time.perf_counter(), time.process_time()
    if method == "greedy":
        allocation = allocate_greedy(candidates, mentors, weights)
    else:
        allocation = allocate(candidates, mentors, weights, method=method)
    seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return _summary(allocation, seconds, cpu, before)


def measure_traced(size: str, profile: str) -> dict:
    """Python-level peak (tracemalloc sees numpy buffers too); slower, so apart."""
    candidates, mentors, weights = _instance(size, profile)
    tracemalloc.start()
    allocate(candidates, mentors, weights)
    _, peak = tracemalloc.get_traced_memory()
    return {"traced_peak_mb": peak / 2**20}


def measure_library(size: str) -> dict:
    """The ``matching`` library's hospital-residents solver (a stable matching)."""
    from matching.games import HospitalResident

    from mentorscheme.scheme.eligibility import allowed_mask
    from mentorscheme.scheme.recommendations import score_vector

    candidates, mentors, _ = _instance(size)
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
    "suggest": lambda size, queries: measure_suggest(size, int(queries)),
    "allocate": measure_allocate,
    "greedy": lambda size, profile: measure_allocate(size, profile, "greedy"),
    "full": lambda size, profile: measure_allocate(size, profile, "full"),
    "traced": measure_traced,
    "library": measure_library,
}


def _run(kind: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if out.returncode:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"failed ({last[:60]})"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _library_available() -> bool:
    try:
        import matching.games  # noqa: F401
    except ImportError:
        return False
    return True


WIDTHS = (13, 7, 18, 26, 8, 12, 14, 40)


def _row(*cells: object) -> str:
    return "  ".join(
        str(c).ljust(w) for c, w in zip(cells, WIDTHS, strict=False)
    ).rstrip()


def _ratios(other: dict, best: dict) -> str:
    return "time x{:.2f}, matched {:.3f}, score {:.3f}".format(
        other["seconds"] / best["seconds"],
        other["matched"] / max(best["matched"], 1),
        other["score"] / best["score"] if best["score"] else float("nan"),
    )


def _time(r: dict) -> str:
    return f"{r['seconds']:.2f} s (cpu {r['cpu_s']:.2f})"


def _work(stats: dict) -> str:
    if stats.get("method") == "pricing":
        return (
            f"{stats.get('rounds')} rounds, {stats.get('arcs'):,} arcs,"
            f" {stats.get('candidate_nodes', 0):,} candidate nodes"
        )
    return f"{stats.get('method')}, {stats.get('rounds', '-')} round"


def _suggest_rows(sizes: list[str], queries: int) -> None:
    print(_row("profile", "size", "measurement", "time", "", "", "peak RSS (+)"))
    for size in sizes:
        s = _run("suggest", size, str(queries))
        if "error" in s:
            print(_row("scarce", size, "suggest", s["error"]))
            continue
        print(
            _row(
                "scarce",
                size,
                f"suggest ({s['queries']} q)",
                f"median {s['median_ms']:.2f} ms, p95 {s['p95_ms']:.2f} ms",
                "",
                "",
                f"{s['peak_mb']:.0f} MB (+{s['delta_mb']:.0f})",
                f"index built in {s['build_s']:.2f} s",
            )
        )


def _allocation_rows(profile: str, size: str, full_max: int, library: bool) -> str:
    """Prints the rows of one allocation; returns "" when it is the optimum of the
    full network, else what is wrong ("failed", "different", "not checked")."""
    n_cand, n_ment = SIZES[size]
    best = _run("allocate", size, profile)
    if "error" in best:
        print(_row(profile, size, "allocate", best["error"]))
        return "failed"
    traced = _run("traced", size, profile)
    stats = best["stats"]
    print(
        _row(
            profile,
            size,
            "allocate",
            _time(best),
            best["matched"],
            f"{best['score']:.2f}",
            f"{best['peak_mb']:.0f} MB (+{best['delta_mb']:.0f})",
            f"{_work(stats)}; traced peak"
            f" {traced.get('traced_peak_mb', float('nan')):.0f} MB",
        )
    )
    stages = [
        (k.removeprefix("ms_cpu_"), v)
        for k, v in stats.items()
        if k.startswith("ms_cpu_")
    ]
    if stages:
        print(
            _row(
                "",
                "",
                "  cpu by stage",
                ", ".join(f"{name} {ms / 1000:.2f} s" for name, ms in stages),
            )
        )
    greedy = _run("greedy", size, profile)
    print(
        _row(
            "",
            "",
            "greedy baseline",
            _time(greedy),
            greedy["matched"],
            f"{greedy['score']:.2f}",
            f"{greedy['peak_mb']:.0f} MB (+{greedy['delta_mb']:.0f})",
            _ratios(greedy, best),
        )
    )
    outcome = ""
    if n_cand * n_ment > full_max:
        print(_row("", "", "full network", "skipped: too many pairs"))
    else:
        full = _run("full", size, profile)
        if "error" in full:
            print(_row("", "", "full network", full["error"]))
            outcome = "not checked"
        else:
            same = full["matched"] == best["matched"] and math.isclose(
                full["score"], best["score"], rel_tol=0, abs_tol=1e-6 * n_cand
            )
            print(
                _row(
                    "",
                    "",
                    "full network",
                    _time(full),
                    full["matched"],
                    f"{full['score']:.2f}",
                    f"{full['peak_mb']:.0f} MB (+{full['delta_mb']:.0f})",
                    ("same optimum" if same else "DIFFERENT OPTIMUM")
                    + f", time x{full['seconds'] / best['seconds']:.1f}",
                )
            )
            outcome = "" if same else "different"
    if library and profile == "scarce" and n_cand * n_ment <= LIBRARY_MAX_PAIRS:
        lib = _run("library", size)
        if "error" not in lib:
            print(
                _row(
                    "",
                    "",
                    "matching lib (HR)",
                    _time(lib),
                    lib["matched"],
                    f"{lib['score']:.2f}",
                    f"{lib['peak_mb']:.0f} MB (+{lib['delta_mb']:.0f})",
                    _ratios(lib, best),
                )
            )
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--profiles", default=",".join(PROFILES))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--full-max-pairs", type=int, default=FULL_MAX_PAIRS)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        print(json.dumps(WORKERS[kind](*rest)))
        return

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    library = _library_available()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Matching engine benchmark: {os.cpu_count()} CPUs, load average {load}."
        " Times are wall clock (process CPU time in brackets); on a busy machine"
        " compare the CPU times and the work."
    )
    print("Sizes: " + ", ".join(f"{k} {c:,} x {m:,}" for k, (c, m) in SIZES.items()))
    _suggest_rows(sizes, args.queries)
    print()
    print(
        _row(
            "profile",
            "size",
            "measurement",
            "time",
            "matched",
            "total score",
            "peak RSS (+)",
            "work / vs optimal",
        )
    )
    print("-" * 150)
    outcomes: dict[str, list[str]] = {}
    for profile in profiles:
        for size in sizes:
            outcome = _allocation_rows(profile, size, args.full_max_pairs, library)
            outcomes.setdefault(outcome, []).append(f"{profile} {size}")
        print()
    if not library:
        print("Note: the `matching` library is not installed: comparison skipped.")
    print(
        "Ratios are other / optimal (wall time): time above 1 is slower, matched or"
        " score below 1 is worse.\nThe library's time includes building its"
        " preference lists; its score is computed with our scorer."
    )
    for outcome, words in (
        ("not checked", "Not checked: the full network failed"),
        ("failed", "Allocation failed"),
        ("different", "Not the optimum of the full network"),
    ):
        if outcome in outcomes:
            print(f"{words}: {', '.join(outcomes[outcome])}.")
    if "failed" in outcomes or "different" in outcomes:
        sys.exit(1)


if __name__ == "__main__":
    main()
