"""``make bench`` checks the allocation against the plain full network: a different
optimum fails the run (not only a word in the table), so it cannot go unnoticed."""

import sys

import pytest

from bench import bench_matching
from bench.cohorts import make_instance, regional_instance


def canned(score_of_full):
    def run(kind, *args):
        if kind == "suggest":
            return {
                **dict.fromkeys(("build_s", "median_ms", "p95_ms"), 0.1),
                "queries": 1,
                "peak_mb": 1,
                "delta_mb": 0,
            }
        if kind == "traced":
            return {"traced_peak_mb": 1}
        score = score_of_full if kind == "full" else 100.0
        return {
            "seconds": 1.0,
            "cpu_s": 1.0,
            "matched": 10,
            "score": score,
            "peak_mb": 1,
            "delta_mb": 0,
            "stats": {"method": "pricing", "rounds": 1, "arcs": 1},
        }

    return run


def run_bench(monkeypatch, capsys, score_of_full):
    monkeypatch.setattr(bench_matching, "_run", canned(score_of_full))
    monkeypatch.setattr(bench_matching, "_library_available", lambda: False)
    args = ["bench_matching.py", "--sizes", "small,medium", "--profiles", "ties"]
    monkeypatch.setattr(sys, "argv", args)
    bench_matching.main()


def test_the_same_optimum_passes(monkeypatch, capsys):
    run_bench(monkeypatch, capsys, score_of_full=100.0)
    out = capsys.readouterr().out
    assert "same optimum" in out and "DIFFERENT OPTIMUM" not in out


def test_a_different_optimum_fails_the_benchmark(monkeypatch, capsys):
    with pytest.raises(SystemExit) as failed:
        run_bench(monkeypatch, capsys, score_of_full=101.0)
    assert failed.value.code == 1
    out = capsys.readouterr().out
    assert "DIFFERENT OPTIMUM" in out
    assert "Not the optimum of the full network: ties small, ties medium" in out


def test_a_regional_run_is_one_regions_candidates_against_the_countrys_mentors():
    # As the site allocates for a region: the waiting candidates of that region,
    # every listed mentor anywhere.
    candidates, mentors, _ = regional_instance(2_000, 600, most=250, profile="scarce")
    national, all_mentors, _ = make_instance(2_000, 600, profile="scarce")
    assert 0 < len(candidates) <= 250
    assert len({c.region_id for c in candidates}) == 1
    assert mentors == all_mentors
    region = candidates[0].region_id
    assert candidates == [c for c in national if c.region_id == region][:250]


def test_the_benchmarks_regional_size_has_the_countrys_mentors():
    assert bench_matching.SIZES["region"] == (5_000, bench_matching.SIZES["large"][1])
