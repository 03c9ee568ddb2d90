"""Every figure of BENCHMARKS.md is the median of its runs with min to max as the spread."""

from __future__ import annotations

import argparse
from types import SimpleNamespace
from typing import Any

import pytest

from bench import api_figures, matrix, ray_parts
from bench.stats import median, median_and_spread, spread


def test_one_run_has_no_spread_and_several_show_min_to_max_around_the_median() -> None:
    assert spread([1234.0], ",.0f") == "one run"
    assert spread([900.0, 1000.0, 1100.0], ",.0f") == "900 to 1,100 (±10% of the median)"
    assert median_and_spread([2.0], ".2f", " ms") == "2.00 ms"
    assert median_and_spread([3.0, 1.0, 2.0], ".2f", " ms") == "2.00 ms (1.00 to 3.00)"
    assert spread([0.0, 0.0], ".1f") == "0.0 to 0.0"


def test_a_figure_without_runs_is_a_bug_in_the_bench() -> None:
    with pytest.raises(AssertionError):
        median([])


def _run(rate: float, digest: str = "d", window_ms: float = 5.0) -> SimpleNamespace:
    windows = {"windows": 3000, "window_ms_mean": window_ms, "window_ms_p50": 1.0,
               "window_ms_p99": 9.0}  # fmt: skip
    return SimpleNamespace(scenario="throughput_1000", simulated_s=60.0, invoices_per_s=rate,
                           wall_s=60_000 / rate, cpu_s=1.0, digest=digest, **windows)  # fmt: skip


def test_each_matrix_cell_is_the_median_of_its_runs_and_the_ratio_one_of_medians() -> None:
    cells = [("local", 1, False, [_run(4000), _run(6000), _run(5000)]),
             ("local", 1, True, [_run(1000), _run(3000), _run(2500)])]  # fmt: skip
    lines = matrix.render(cells)
    assert any("3 runs per cell (`--matrix-reps`)" in line for line in lines)
    plain = next(line for line in lines if line.startswith("| local | 1 | off"))
    assert "| 5,000 | 4,000 to 6,000 (±20% of the median) | 3 |" in plain
    persisted = next(line for line in lines if line.startswith("| local | 1 | on"))
    assert "| 2,500 |" in persisted and "| 0.50 |" in persisted


def test_a_matrix_cell_whose_runs_did_different_work_says_so() -> None:
    cells = [("local", 1, False, [_run(4000, "a"), _run(4100, "b")])]
    lines = matrix.render(cells)
    assert (
        "DIFFER between runs"
        in lines[next(i for i, x in enumerate(lines) if x.startswith("| local"))]
    )
    assert any("what is simulated): NO." in line for line in lines)


def test_the_ray_throughput_and_the_sweep_speedup_are_medians_of_their_reps() -> None:
    runs = [_run(1600, window_ms=8.0), _run(1700, window_ms=9.0), _run(1500, window_ms=7.0)]
    sweeps = [ray_parts.Sweep(45, 20.0, 36.0, 45, True), ray_parts.Sweep(45, 20.0, 30.0, 45, True),
              ray_parts.Sweep(45, 20.0, 40.0, 44, True)]  # fmt: skip
    rows, section = ray_parts.render(runs, [_run(3000, window_ms=5.0)], sweeps)
    assert "| 1,600 invoices/s | 1,500 to 1,700 (±6% of the median) | 3 |" in rows[0]
    assert "| 1.80x (median 36 s / 20 s) | 1.50 to 2.00 (±14% of the median) | 3 |" in rows[1]
    assert sum(line.startswith("| Ray, 2 shards") for line in section) == 3
    assert any("+3.00 ms" in line for line in section)
    assert any("passed: 134 of 135 (3 rep(s))" in line for line in section)


def _api(health_p99: float, create_p99: float, errors: int = 0) -> dict[str, Any]:
    def summary(p99: float, limit: float, rate: float) -> dict[str, Any]:
        return {"rate_asked_per_s": rate, "rate_done_per_s": rate, "p50_ms": 1.0, "p99_ms": p99,
                "errors": 0, "p99_target_ms": limit, "met": p99 <= limit}  # fmt: skip

    mixed = {"rate_asked_per_s": 1000.0, "rate_done_per_s": 999.0, "p50_ms": 40.0,
             "p99_ms": 800.0, "errors": errors, "duration_s": 60.0,
             "rss_mib": [(0.0, 140.0), (60.0, 170.0)]}  # fmt: skip
    history = {**summary(health_p99 * 4, 50.0, 0.0), "rate_done_per_s": 3000.0, "clients": 8}
    return {"health": summary(health_p99, 10.0, 1000.0),
            "create": summary(create_p99, 25.0, 200.0), "mixed": mixed,
            "history": history}  # fmt: skip


def test_the_api_figures_are_medians_of_the_reps_and_a_target_is_met_in_k_of_them() -> None:
    lines = api_figures.render([_api(2.0, 20.0), _api(3.0, 80.0), _api(12.0, 30.0, errors=2)])
    health = next(line for line in lines if line.startswith("| `GET /providers/health`"))
    assert "| 3.00 (2.00 to 12.00) |" in health
    assert "p99 ≤ 10 ms: met in 2 of 3" in health
    create = next(line for line in lines if line.startswith("| `POST /invoices`"))
    assert "p99 ≤ 25 ms: met in 1 of 3" in create
    mix = next(line for line in lines if line.startswith("| the dashboards' mix"))
    assert "| 2 | no errors: met in 2 of 3 |" in mix
    assert any("growth end over start 1.21x (1.21 to 1.21)" in line for line in lines)


def test_the_history_row_counts_clients_and_is_met_in_k_of_the_reps() -> None:
    lines = api_figures.render([_api(2.0, 20.0), _api(3.0, 20.0), _api(14.0, 20.0)])
    history = next(line for line in lines if line.startswith("| `GET /reserves/history`"))
    assert "| 8 clients at once | 3,000/s (3,000 to 3,000) |" in history
    assert "| 12.00 (8.00 to 56.00) | 0 | p99 ≤ 50 ms: met in 2 of 3 |" in history
    alone = api_figures.history_row([{"history": _api(2.0, 20.0)["history"]}])
    assert "| 8.00 | 0 | p99 ≤ 50 ms: met |" in alone


def test_one_api_rep_reads_as_before() -> None:
    lines = api_figures.render([_api(2.0, 80.0)])
    create = next(line for line in lines if line.startswith("| `POST /invoices`"))
    assert "| 80.00 |" in create and "p99 ≤ 25 ms: missed" in create


def test_quick_makes_every_count_one_unless_it_is_given() -> None:
    from bench.__main__ import _default_counts
    from bench.stats import LONG_REPS, MATRIX_REPS, REPS

    quick = argparse.Namespace(quick=True, reps=None, matrix_reps=2, long_reps=None)
    _default_counts(quick)
    assert (quick.reps, quick.matrix_reps, quick.long_reps) == (1, 2, 1)
    full = argparse.Namespace(quick=False, reps=None, matrix_reps=None, long_reps=None)
    _default_counts(full)
    assert (full.reps, full.matrix_reps, full.long_reps) == (REPS, MATRIX_REPS, LONG_REPS)
